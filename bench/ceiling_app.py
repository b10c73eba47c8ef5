"""The ceiling: the least a Flask + Flask-SQLAlchemy endpoint can do to store a ticket-like row.

One POST /rows: parse the JSON body, insert one row, commit, answer 201 with the row as JSON. Run under
the same gunicorn settings and against the same PostgreSQL as the real app, it tells what part of the
create cost is the framework, the driver and the database, and what part is ours.

    BENCH_CEILING_DATABASE_URL=postgresql+psycopg://... gunicorn 'bench.ceiling_app:create_app()'
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class CeilingRow(db.Model):
    __tablename__ = "bench_ceiling_row"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(250))
    description: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


def create_table(database_url: str) -> None:
    """Called once by the benchmark before the workers start (two workers must not race to create it)."""
    engine = sa.create_engine(database_url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    engine.dispose()


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BENCH_CEILING_DATABASE_URL"]
    db.init_app(app)

    @app.post("/rows")
    def create_row():
        data = request.get_json()
        row = CeilingRow(subject=data["subject"], description=data.get("description", ""),
                         created_at=datetime.now(UTC))
        db.session.add(row)
        db.session.commit()
        return jsonify(id=row.id, subject=row.subject, description=row.description,
                       created_at=row.created_at.isoformat()), 201

    @app.get("/")
    def ready():
        return "ok"

    return app
