"""`servicedesk db-revision`, `backup` and `restore` (registered in app/cli.py).

Exit codes, for scripts and ansible: 0 success; 1 failure (a restored copy that differs from its
manifest, pg_dump errors, ...); 2 usage (restore without --yes or --verify); 3 database behind the
code's head (db-revision); 4 archive damaged or not a backup; 5 the archive's schema is newer than
this release; 6 the database is at a revision this release does not know (db-revision)."""

from __future__ import annotations

import time
from pathlib import Path

import click
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from flask.cli import with_appcontext

from ..core import migrate
from ..core.clock import utcnow
from ..core.errors import ServicedeskError
from . import backup as backups
from .archive import ArchiveCorrupt

EXIT_FAILED, EXIT_USAGE, EXIT_BEHIND, EXIT_CORRUPT, EXIT_TOO_NEW, EXIT_UNKNOWN_REVISION = 1, 2, 3, 4, 5, 6


def _stop(message: str, code: int):
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(code)


def _fail(exc: ServicedeskError):
    if isinstance(exc, ArchiveCorrupt):
        _stop(exc.message, EXIT_CORRUPT)
    if isinstance(exc, backups.SchemaTooNew):
        _stop(exc.message, EXIT_TOO_NEW)
    _stop(exc.message, EXIT_FAILED)


@click.command("db-revision")
@with_appcontext
def db_revision_command():
    """Print the database's and the code's schema revisions; exit 0 at head, 3 behind."""
    from ..extensions import db

    head = migrate.head_revision()
    try:
        current = migrate.current_revision(db.engine)
    except sa.exc.SQLAlchemyError as exc:
        _stop(f"cannot read the schema revision: {str(getattr(exc, 'orig', exc)).strip()}", EXIT_FAILED)
    click.echo(f"current={current or 'none'} head={head}")
    if current == head:
        return
    if current is not None:
        try:
            ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_revision(current)
        except CommandError:
            _stop(f"the database is at revision {current}, which this release does not know "
                  "(made by a newer release?)", EXIT_UNKNOWN_REVISION)
    raise SystemExit(EXIT_BEHIND)


@click.command("backup")
@click.option("--dest", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the archive (created if missing).")
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="Afterwards delete all but the newest N archives in --dest.")
@with_appcontext
def backup_command(dest: Path, keep: int | None):
    """Write the database, the attachments and a manifest to DEST/servicedesk-<UTC time>.tar.gz.

    Safe while the service runs: the database copy is one consistent snapshot. The last line of
    output is the archive's path."""
    config = current_app.config
    try:
        for attempt in range(3):
            try:
                result = backups.create_backup(config["DATABASE_URL"], config["DATA_DIR"], dest, utcnow(),
                                               config["BACKUP_PG_BIN_DIR"])
                break
            except backups.BackupFailed as exc:  # two backups within one second: the name is taken
                if "exists already" not in exc.message or attempt == 2:
                    raise
                time.sleep(1)
        removed = backups.prune_backups(dest, keep) if keep else []
    except ServicedeskError as exc:
        _fail(exc)
    manifest = result.manifest
    click.echo(f"database: {manifest['database']['dialect']} at schema revision {manifest['schema_revision']}, "
               f"{len(manifest['row_counts'])} tables, {sum(manifest['row_counts'].values())} rows")
    click.echo(f"attachments: {result.attachments} files")
    for path in removed:
        click.echo(f"removed old backup {path}")
    click.echo(str(result.path))


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Really replace the configured database and attachment directory.")
@click.option("--verify", is_flag=True,
              help="With --yes: afterwards compare row counts, schema revision and attachment checksums with "
                   "the manifest. Without --yes: only check the archive and restore it into a scratch "
                   "location (a temporary SQLite file, or --scratch-url), touching nothing live.")
@click.option("--scratch-url", default=None, metavar="URL",
              help="PostgreSQL: an empty database to restore into for --verify without --yes (it is emptied).")
@with_appcontext
def restore_command(archive: Path, yes: bool, verify: bool, scratch_url: str | None):
    """Replace the database and attachments with those of ARCHIVE (stop the service first).

    The archive is checked whole (checksums, manifest, schema revision) before anything is replaced."""
    config = current_app.config
    if not yes and not verify:
        _stop("restore replaces the configured database and attachment directory with the archive's: add "
              "--yes to do that, or --verify alone to only check that the archive restores", EXIT_USAGE)
    if yes and scratch_url:
        _stop("--scratch-url is for --verify without --yes (a check that touches nothing live)", EXIT_USAGE)
    if not yes and not scratch_url and config["DATABASE_URL"].startswith("postgresql"):
        _stop("on PostgreSQL, --verify without --yes restores the archive into a scratch database: give an "
              "empty one with --scratch-url postgresql+psycopg://USER@HOST/DATABASE", EXIT_USAGE)
    try:
        if not yes:
            manifest = backups.verify_in_scratch(archive, config["DATABASE_URL"], scratch_url,
                                                 config["BACKUP_PG_BIN_DIR"])
            click.echo(f"{archive}: checksums match, the database restores "
                       f"({sum(manifest['row_counts'].values())} rows at schema revision "
                       f"{manifest['schema_revision']} as in the manifest); nothing live was touched")
            return
        manifest = backups.restore_backup(archive, config["DATABASE_URL"], config["DATA_DIR"],
                                          config["BACKUP_PG_BIN_DIR"])
    except ServicedeskError as exc:
        _fail(exc)
    click.echo(f"restored {archive} (version {manifest.get('version')}, made {manifest.get('created_at')})")
    if verify:
        problems = backups.verify_restored(manifest, config["DATABASE_URL"], config["DATA_DIR"])
        if problems:
            for problem in problems:
                click.echo(f"mismatch: {problem}", err=True)
            _stop("the restored data differs from the backup's manifest", EXIT_FAILED)
        click.echo("verified: row counts, schema revision and attachment checksums match the manifest")
    if manifest.get("schema_revision") != migrate.head_revision():
        click.echo(f"the restored schema is at {manifest.get('schema_revision')}, this release expects "
                   f"{migrate.head_revision()}: run `servicedesk init` to migrate it")
