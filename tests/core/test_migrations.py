"""Alembic migrations: every revision upgrades and downgrades on the test database kind (SQLite or
PostgreSQL), and the head matches the models exactly."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import app.blueprints  # noqa: F401 - every model module, as migrations/env.py sees them
import app.schedule  # noqa: F401
from app.core import migrate
from app.extensions import db

from ..conftest import TEST_DB

_names = itertools.count(1)
#: full-text search objects are created by hand-written SQL in the migrations and have no model
SEARCH_OBJECTS = ("ticket_fts", "ticket_search")


@pytest.fixture
def fresh_database_url(tmp_path, request):
    """A new, empty database of the kind under test."""
    if TEST_DB == "postgresql":
        return request.getfixturevalue("pg_cluster")(f"migrations_{next(_names)}")
    return f"sqlite:///{tmp_path / 'migrations.db'}"


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _revisions_base_to_head() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]


def test_there_is_exactly_one_head():
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, "merge the alembic branches"


def test_upgrade_to_head_downgrade_to_base_and_up_again(fresh_database_url):
    url = fresh_database_url
    migrate.upgrade(url)
    tables = _tables(url)
    model_tables = set(db.metadata.tables)
    assert model_tables <= tables, model_tables - tables
    migrate.downgrade(url, "base")
    assert _tables(url) <= {"alembic_version"}
    migrate.upgrade(url)
    assert model_tables <= _tables(url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_every_revision_downgrades_and_upgrades_one_step_at_a_time(fresh_database_url):
    url = fresh_database_url
    revisions = _revisions_base_to_head()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    for revision in revisions:
        migrate.upgrade(url, revision)
        assert migrate.current_revision(engine) == revision
    for previous in reversed([None, *revisions[:-1]]):
        migrate.downgrade(url, previous or "base")
        assert migrate.current_revision(engine) == previous
        migrate.upgrade(url, "+1")  # each downgrade must leave a schema its upgrade can build on again
        migrate.downgrade(url, "-1")
    assert _tables(url) <= {"alembic_version"}
    engine.dispose()


def test_migration_head_matches_the_models(fresh_database_url):
    url = fresh_database_url
    migrate.upgrade(url)

    def include_object(obj, name, type_, reflected, compare_to):
        table = obj.table.name if type_ in ("column", "index", "unique_constraint", "foreign_key_constraint") \
            else name
        return not (table or "").startswith(SEARCH_OBJECTS)

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "include_object": include_object, "render_as_batch": True,
        })
        diff = compare_metadata(context, db.metadata)
    engine.dispose()
    assert diff == [], "the models and the migrations differ; write a migration:\n" + "\n".join(map(str, diff))
