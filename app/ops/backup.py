"""Backup and restore of an installation: its database and its attachment directory, in one archive.

`create_backup` -> DIR/servicedesk-<UTC>.tar.gz (archive.py: database copy, attachments, manifest);
`restore_backup` replaces the configured database and DATA_DIR/attachments with an archive's after
checking it whole; `verify_restored` compares what is live with the manifest; `verify_in_scratch`
proves an archive restores without touching anything live. The service is stopped by whoever calls
restore (ansible, the sysadmin); nothing here stops or starts it."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError

from ..core import migrate
from ..core.errors import ServicedeskError
from ..core.version import VERSION
from . import databases
from .archive import ARCHIVE_NAME, FORMAT, ArchiveCorrupt, ArchiveWriter, archive_name, read_archive, sha256_file
from .databases import BackupFailed

DB_MEMBER = {"postgresql": "database.pgdump", "sqlite": "database.sqlite"}


class SchemaTooNew(ServicedeskError):
    code = "schema_too_new"


class VerificationFailed(ServicedeskError):
    code = "verification_failed"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict
    attachments: int


def create_backup(database_url: str, data_dir: str, dest_dir: Path, now: datetime,
                  pg_bin_dir: str = "") -> BackupResult:
    kind = databases.dialect(database_url)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / archive_name(now)
    if target.exists():
        raise BackupFailed(f"{target} exists already")
    writer = ArchiveWriter(target)
    try:
        with tempfile.TemporaryDirectory(dir=dest_dir, prefix=".servicedesk-backup-") as staging:
            copy = Path(staging, DB_MEMBER[kind])
            if kind == "postgresql":
                revision, counts = databases.dump_postgresql(database_url, copy, pg_bin_dir)
            else:
                databases.copy_sqlite(databases.sqlite_path(database_url), copy)
                revision, counts = databases.facts_of(f"sqlite:///{copy}")
            writer.add_file(copy, DB_MEMBER[kind])
        attachments = writer.add_tree(Path(data_dir, "attachments"), "attachments")
        manifest = {
            "format": FORMAT, "application": "servicedesk", "version": VERSION,
            "created_at": now.isoformat(), "schema_revision": revision,
            "database": {"dialect": kind, "member": DB_MEMBER[kind]}, "row_counts": counts,
        }
        path = writer.finish(manifest)
    except BaseException:
        writer.abort()
        raise
    return BackupResult(path, {**manifest, "files": writer.files}, attachments)


def prune_backups(dest_dir: Path, keep: int) -> list[Path]:
    """Delete the archives beyond the newest ``keep`` (by the UTC time in their names); nothing else."""
    archives = sorted(p for p in dest_dir.iterdir() if ARCHIVE_NAME.match(p.name) and p.is_file())
    doomed = archives[:-keep] if keep > 0 else archives
    for path in doomed:
        path.unlink()
    return doomed


def check_revision_known(manifest: dict) -> None:
    """Refuse a schema newer than this release knows: its code could not run on it."""
    revision = manifest.get("schema_revision")
    if revision is None:
        return
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    try:
        known = script.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise SchemaTooNew(f"the backup's schema revision {revision} is newer than this release's head "
                           f"{script.get_current_head()} (backup made by version {manifest.get('version')}); "
                           "restore it with that release or a newer one")


def _check_dialect(manifest: dict, database_url: str) -> str:
    kind = databases.dialect(database_url)
    if manifest["database"]["dialect"] != kind:
        raise BackupFailed(f"the backup holds a {manifest['database']['dialect']} database; "
                           f"the target {databases.shown(database_url)} is {kind}")
    return kind


def restore_backup(archive: Path, database_url: str, data_dir: str, pg_bin_dir: str = "") -> dict:
    """Check the archive whole, then replace the database and DATA_DIR/attachments with its contents."""
    data = Path(data_dir)
    data.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=data, prefix=".restore-"))  # same file system: renames are atomic
    try:
        manifest = read_archive(archive, extract_to=staging)
        check_revision_known(manifest)
        kind = _check_dialect(manifest, database_url)
        copy = staging / manifest["database"]["member"]
        if kind == "postgresql":
            databases.restore_postgresql(database_url, copy, pg_bin_dir)
        else:
            databases.restore_sqlite(copy, databases.sqlite_path(database_url))
        _swap_attachments(staging / "attachments", data / "attachments")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _swap_attachments(new: Path, live: Path) -> None:
    new.mkdir(exist_ok=True)
    if os.geteuid() == 0:  # restored by root: the files must stay the service's, like the directory they go to
        owner = live.parent.stat()
        for path in [new, *new.rglob("*")]:
            os.chown(path, owner.st_uid, owner.st_gid)
    old = None
    if live.exists():
        old = live.with_name(f".attachments-replaced-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(live, old)
    os.replace(new, live)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def verify_restored(manifest: dict, database_url: str, data_dir: str | None) -> list[str]:
    """What differs between the manifest and the live database (and attachment directory, if given)."""
    revision, counts = databases.facts_of(database_url)
    problems = _compare(manifest, revision, counts)
    if data_dir is not None:
        root = Path(data_dir, "attachments")
        expected = {name: facts for name, facts in manifest["files"].items() if name.startswith("attachments/")}
        present = {f"attachments/{p.relative_to(root).as_posix()}" for p in root.rglob("*")
                   if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)} \
            if root.is_dir() else set()
        for name in sorted(set(expected) - present):
            problems.append(f"attachment missing: {name}")
        for name in sorted(present - set(expected)):
            problems.append(f"attachment not in the backup: {name}")
        for name in sorted(present & set(expected)):
            if sha256_file(root.parent / name) != expected[name]["sha256"]:
                problems.append(f"attachment checksum differs: {name}")
    return problems


def _compare(manifest: dict, revision: str | None, counts: dict[str, int]) -> list[str]:
    problems = []
    if revision != manifest.get("schema_revision"):
        problems.append(f"schema revision {revision}, the backup has {manifest.get('schema_revision')}")
    expected = manifest.get("row_counts", {})
    for table in sorted(set(expected) | set(counts)):
        if expected.get(table) != counts.get(table):
            problems.append(f"table {table}: {counts.get(table, 'missing')} rows, "
                            f"the backup has {expected.get(table, 'none')}")
    return problems


def verify_in_scratch(archive: Path, live_url: str, scratch_url: str | None, pg_bin_dir: str = "") -> dict:
    """Check the archive whole and restore its database somewhere that is not live: a temporary SQLite
    file, or the PostgreSQL database ``scratch_url`` (emptied first). Raises on any problem."""
    if databases.dialect(live_url) == "postgresql" and not scratch_url:
        raise BackupFailed("on PostgreSQL, checking that an archive restores needs a scratch database")
    if scratch_url and _same_database(scratch_url, live_url):
        raise BackupFailed(f"--scratch-url names the live database {databases.shown(live_url)}; "
                           "give an empty scratch database")
    with tempfile.TemporaryDirectory(prefix="servicedesk-verify-") as staging:
        manifest = read_archive(archive, extract_to=Path(staging),
                                extract=lambda name: not name.startswith("attachments/"))
        check_revision_known(manifest)
        target = scratch_url or f"sqlite:///{Path(staging, 'scratch.sqlite')}"
        kind = _check_dialect(manifest, target)
        copy = Path(staging, manifest["database"]["member"])
        if kind == "postgresql":
            databases.restore_postgresql(target, copy, pg_bin_dir)
        else:
            databases.restore_sqlite(copy, databases.sqlite_path(target))
        problems = verify_restored(manifest, target, None)
    if problems:
        raise VerificationFailed("the restored copy differs from the manifest: " + "; ".join(problems))
    return manifest


def _same_database(a: str, b: str) -> bool:
    ua, ub = databases.make_url(a), databases.make_url(b)
    return (ua.get_backend_name(), ua.host, ua.port or 5432, ua.database) == \
        (ub.get_backend_name(), ub.host, ub.port or 5432, ub.database)


__all__ = ["ArchiveCorrupt", "BackupFailed", "SchemaTooNew", "VerificationFailed", "create_backup",
           "prune_backups", "restore_backup", "verify_in_scratch", "verify_restored"]
