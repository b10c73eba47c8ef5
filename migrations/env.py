"""Alembic environment: migrates the database named by the app configuration."""

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config


def target_metadata():
    # every module that declares tables
    import app.audit.models  # noqa: F401
    import app.auth.models  # noqa: F401
    import app.catalog.models  # noqa: F401
    import app.core.scheduler  # noqa: F401
    import app.core.settings  # noqa: F401
    import app.notifications.models  # noqa: F401
    import app.sla.models  # noqa: F401
    import app.tickets.models  # noqa: F401
    import app.users.models  # noqa: F401
    from app.extensions import db

    return db.metadata


def include_object(obj, name, type_, reflected, compare_to):
    """Full-text search objects are written by hand (see the initial migration)."""
    return not (type_ == "table" and name and name.startswith(("ticket_fts", "ticket_search")))


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata(),
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata(), render_as_batch=True,
                          compare_type=True, include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
