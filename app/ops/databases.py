"""Copying the database out and back in: pg_dump / pg_restore (custom format) on PostgreSQL, the
online backup API on SQLite; row counts and schema revision for the manifest and for verification.

Passwords go to pg_dump and pg_restore in the PGPASSWORD environment variable, never on the command
line (where `ps` shows it) and never in a message: URLs are shown with the password hidden."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from ..core.errors import ServicedeskError

DEBIAN_PG_BIN = Path("/usr/lib/postgresql/15/bin")
#: libpq settings that may come as URL query parameters
_LIBPQ_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
              "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT", "application_name": "PGAPPNAME"}


class BackupFailed(ServicedeskError):
    code = "backup_failed"


def dialect(database_url: str) -> str:
    name = make_url(database_url).get_backend_name()
    if name not in ("postgresql", "sqlite"):
        raise BackupFailed(f"backups support PostgreSQL and SQLite, not {name}")
    return name


def shown(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)


def sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupFailed("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


@contextmanager
def engine_for(database_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


def facts(conn: sa.Connection) -> tuple[str | None, dict[str, int]]:
    """(alembic revision, rows per table) as this connection sees them."""
    tables = sorted(sa.inspect(conn).get_table_names())
    counts = {t: conn.execute(sa.select(sa.func.count()).select_from(sa.table(t))).scalar_one() for t in tables}
    revision = None
    if "alembic_version" in tables:
        revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    return revision, counts


def facts_of(database_url: str) -> tuple[str | None, dict[str, int]]:
    with engine_for(database_url) as engine, engine.connect() as conn:
        return facts(conn)


# --- PostgreSQL -------------------------------------------------------------------------------

def pg_binary(name: str, bin_dir: str = "") -> str:
    """pg_dump / pg_restore from BACKUP_PG_BIN_DIR, else the PATH, else Debian's PostgreSQL 15."""
    candidates = [Path(bin_dir, name)] if bin_dir else []
    found = shutil.which(name)
    candidates += [Path(found)] if found else []
    candidates.append(DEBIAN_PG_BIN / name)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupFailed(f"{name} not found (BACKUP_PG_BIN_DIR, PATH, {DEBIAN_PG_BIN}); "
                       "install postgresql-client-15")


def pg_connection_args(database_url: str) -> tuple[list[str], dict[str, str]]:
    """Command-line options and environment for libpq tools; the password only in the environment."""
    url: URL = make_url(database_url)
    args, env = [], dict(os.environ)
    host = url.host or url.query.get("host")
    if host:
        args += ["--host", str(host)]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    args += ["--dbname", url.database or ""]
    env.pop("PGPASSWORD", None)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    for key, var in _LIBPQ_ENV.items():
        if key in url.query:
            env[var] = str(url.query[key])
    return args, env


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(argv, env=env, capture_output=True, text=True)  # noqa: S603 - our argv, no shell
    if result.returncode != 0:
        raise BackupFailed(f"{what} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")


def dump_postgresql(database_url: str, target: Path, bin_dir: str = "") -> tuple[str | None, dict[str, int]]:
    """pg_dump in custom format; the revision and row counts come from the very snapshot it dumps."""
    args, env = pg_connection_args(database_url)
    with engine_for(database_url) as engine, \
            engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
        revision, counts = facts(conn)
        _run([pg_binary("pg_dump", bin_dir), *args, "--format=custom", "--no-owner", "--no-privileges",
              f"--snapshot={snapshot}", f"--file={target}"], env, "pg_dump")
    return revision, counts


def check_pg_dump(dump: Path, bin_dir: str = "") -> None:
    """pg_restore can read the dump's table of contents (a cheap test before anything is dropped)."""
    _run([pg_binary("pg_restore", bin_dir), "--list", str(dump)], dict(os.environ), "pg_restore --list")


def restore_postgresql(database_url: str, dump: Path, bin_dir: str = "") -> None:
    """Empty the database (its public schema) and restore the dump into it in one transaction."""
    check_pg_dump(dump, bin_dir)
    with engine_for(database_url) as engine, engine.begin() as conn:
        # a running service holds locks: fail after a while instead of waiting forever
        conn.execute(sa.text("SET LOCAL lock_timeout = '30s'"))
        try:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        except sa.exc.OperationalError as exc:
            raise BackupFailed("could not empty the database; stop the service first "
                               f"({str(exc.orig).strip().splitlines()[0]})") from None
        conn.execute(sa.text("CREATE SCHEMA public"))
    args, env = pg_connection_args(database_url)
    _run([pg_binary("pg_restore", bin_dir), *args, "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", str(dump)], env, "pg_restore")


# --- SQLite -----------------------------------------------------------------------------------

def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy with the online backup API, safe while the service writes (WAL included)."""
    if not source.is_file():
        raise BackupFailed(f"the SQLite database {source} does not exist")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def check_sqlite(path: Path) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupFailed(f"the database copy is not a usable SQLite database: {exc}") from None
    finally:
        conn.close()
    if result != "ok":
        raise BackupFailed(f"the database copy fails SQLite's integrity check: {result}")


def restore_sqlite(copy: Path, target: Path) -> None:
    """Write the copy over the live database through SQLite (the -wal and -shm files stay consistent)."""
    check_sqlite(copy)
    target.parent.mkdir(parents=True, exist_ok=True)
    copy_sqlite(copy, target)
