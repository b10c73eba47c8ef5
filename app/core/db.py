"""Declarative base, column types and engine tuning shared by every domain's models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

from .clock import utcnow

#: ids are 32-bit integers on PostgreSQL (and must fit SQLite's 64-bit ones): larger ones cannot exist
MAX_ID = 2**31 - 1

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator):
    """Aware UTC datetimes in Python; timestamptz on PostgreSQL, naive UTC text on SQLite."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC datetime is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum_cls: type[enum.Enum]) -> sa.Enum:
    """Enums stored by value as short strings (no native PostgreSQL type to migrate)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class IdMixin:
    id: Mapped[int] = mapped_column(primary_key=True)


class CreatedAtMixin:
    #: when the row was created (UTC)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


#: psycopg prepares a statement on the server after its fifth execution, and PostgreSQL may then switch
#: it to a generic plan chosen without the parameter values: for a text search or a skewed filter
#: (unassigned, one team) that plan can be 20 times slower than the one for the actual values. Every
#: execution is planned for its values instead (planning costs well under a millisecond here).
POSTGRESQL_ENGINE_OPTIONS = {"pool_pre_ping": True,
                             "connect_args": {"options": "-c plan_cache_mode=force_custom_plan"}}


def estimated_rows(session, stmt: sa.Select) -> int:
    """The planner's estimate of the rows `stmt` returns (PostgreSQL; one planning, nothing is read)."""
    compiled = stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    plan = session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params).scalar()
    return int(plan[0]["Plan"]["Plan Rows"])


def configure_sqlite(dbapi_connection, _record) -> None:
    """WAL for concurrent readers, enforced foreign keys, and a busy timeout instead of instant errors."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
