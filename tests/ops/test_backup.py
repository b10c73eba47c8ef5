"""`servicedesk backup` and `servicedesk restore` against a real database of the kind under test (SQLite
or PostgreSQL) with real attachment files: as real processes where exit codes and the environment
matter, through click's runner in this process for the rest (a process start costs seconds here)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pwd
import re
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.core import migrate
from app.core.actors import SYSTEM
from app.core.version import VERSION
from app.extensions import db
from app.tickets import operations as ticket_ops
from app.tickets.models import Attachment, Ticket
from app.users.models import Role, User
from app.users.operations import create_user

from ..conftest import TEST_DB
from .conftest import database_for_test

HEAD = migrate.head_revision()
FIRST_FILE = b"first attachment: the printer log\n"
SECOND_FILE = b"second attachment, added after the backup\n"


def seed(site) -> None:
    with site.app.app_context():
        requester = create_user("rita@example.org", "Rita Requester", Role.requester, SYSTEM)
        ticket = ticket_ops.create_ticket(requester, subject="Printer on fire", requester=requester)
        ticket_ops.add_attachment(ticket, requester, "printer.log", io.BytesIO(FIRST_FILE), "text/plain")
        db.session.commit()


def state(site) -> dict:
    with site.app.app_context():
        files = sorted(p.relative_to(site.data_dir).as_posix() for p in (site.data_dir / "attachments").rglob("*")
                       if p.is_file())
        result = {
            "tickets": sorted(db.session.scalars(sa.select(Ticket.subject))),
            "users": sorted(db.session.scalars(sa.select(User.name))),
            "attachments": sorted(db.session.scalars(sa.select(Attachment.filename))),
            "files": {name: (site.data_dir / name).read_bytes() for name in files},
        }
        db.session.remove()
        return result


def change_everything(site) -> None:
    with site.app.app_context():
        rita = db.session.scalar(sa.select(User).where(User.email == "rita@example.org"))
        rita.name = "Renamed After Backup"
        ticket = ticket_ops.create_ticket(rita, subject="Created after the backup", requester=rita)
        ticket_ops.add_attachment(ticket, rita, "later.txt", io.BytesIO(SECOND_FILE), "text/plain")
        db.session.commit()
    first = site.data_dir / "attachments" / hashlib.sha256(FIRST_FILE).hexdigest()[:2] / \
        hashlib.sha256(FIRST_FILE).hexdigest()
    first.write_bytes(b"overwritten")


def take_backup(site, dest: Path, *extra: str, real: bool = False) -> Path:
    result = (site.run if real else site.cli)("backup", "--dest", str(dest), *extra)
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.splitlines()[-1])


def repack(archive: Path, target: Path, change) -> Path:
    """A copy of the archive with ``change(members)`` applied to its {name: bytes} (order kept)."""
    with tarfile.open(archive, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    change(members)
    with tarfile.open(target, "w:gz") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return target


def test_backup_then_changes_then_restore_brings_database_and_attachments_back(site, tmp_path):
    seed(site)
    before = state(site)
    assert before["attachments"] == ["printer.log"] and list(before["files"].values()) == [FIRST_FILE]
    archive = take_backup(site, tmp_path / "backups", real=True)
    change_everything(site)
    assert state(site) != before

    result = site.run("restore", str(archive), "--yes", "--verify")
    assert result.returncode == 0, result.stderr
    assert "verified: row counts, schema revision and attachment checksums match" in result.stdout
    assert state(site) == before  # rows, the overwritten file, and no file that came after the backup
    # and the restored installation works: it migrates (nothing to do) and accepts new tickets
    assert site.cli("db-revision").stdout.strip() == f"current={HEAD} head={HEAD}"
    with site.app.app_context():
        rita = db.session.scalar(sa.select(User).where(User.email == "rita@example.org"))
        ticket_ops.create_ticket(rita, subject="After the restore", requester=rita)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 2


def test_the_archive_holds_the_database_attachments_and_a_manifest_of_checksums_and_counts(site, tmp_path):
    seed(site)
    result = site.cli("backup", "--dest", str(tmp_path / "backups"))
    assert result.returncode == 0, result.stderr
    archive = Path(result.stdout.splitlines()[-1])  # the last line is the path, for scripts
    assert archive.parent == tmp_path / "backups"
    assert re.fullmatch(r"servicedesk-\d{8}T\d{6}Z\.tar\.gz", archive.name)
    assert archive.stat().st_mode & 0o077 == 0  # personal data: readable by the service user only
    with tarfile.open(archive, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    manifest = json.loads(members.pop("manifest.json"))
    database_member = "database.pgdump" if TEST_DB == "postgresql" else "database.sqlite"
    sha = hashlib.sha256(FIRST_FILE).hexdigest()
    assert set(members) == {database_member, f"attachments/{sha[:2]}/{sha}"}
    assert manifest["files"] == {name: {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
                                 for name, body in members.items()}
    assert manifest["version"] == VERSION and manifest["schema_revision"] == HEAD
    assert manifest["database"] == {"dialect": "postgresql" if TEST_DB == "postgresql" else "sqlite",
                                    "member": database_member}
    assert manifest["row_counts"]["ticket"] == 1 and manifest["row_counts"]["attachment"] == 1
    assert manifest["row_counts"]["user"] == 1 and manifest["row_counts"]["alembic_version"] == 1
    assert manifest["created_at"].startswith(archive.name[12:16])  # the year, as in the name
    if TEST_DB == "postgresql":
        assert members[database_member].startswith(b"PGDMP")  # pg_dump's custom format
    else:
        assert members[database_member].startswith(b"SQLite format 3\x00")
    assert not [p for p in archive.parent.iterdir() if p.name.startswith(".")]  # no staging left behind


@pytest.mark.parametrize("damage", ["flipped bytes", "changed attachment", "cut short", "no manifest",
                                    "foreign member"])
def test_a_damaged_archive_is_refused_before_anything_live_is_touched(site, tmp_path, request, damage):
    seed(site)
    archive = take_backup(site, tmp_path / "backups")
    change_everything(site)
    changed = state(site)
    bad = tmp_path / "bad.tar.gz"
    if damage == "flipped bytes":
        data = bytearray(archive.read_bytes())
        for i in range(len(data) // 2, len(data) // 2 + 16):
            data[i] ^= 0xFF
        bad.write_bytes(bytes(data))
    elif damage == "cut short":
        bad.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    elif damage == "changed attachment":
        def swap(members):
            name = next(n for n in members if n.startswith("attachments/"))
            members[name] = b"tampered"
            members["manifest.json"] = members.pop("manifest.json")  # keep it last
        repack(archive, bad, swap)
    elif damage == "no manifest":
        repack(archive, bad, lambda members: members.pop("manifest.json"))
    else:
        def add(members):
            manifest = members.pop("manifest.json")
            members["../../etc/cron.d/evil"] = b"* * * * * root true\n"
            members["manifest.json"] = manifest
        repack(archive, bad, add)
    scratch = ["--scratch-url", database_for_test(tmp_path, request, "scratch")] if TEST_DB == "postgresql" else []
    for args in (["--yes", "--verify"], ["--verify", *scratch]):
        result = site.cli("restore", str(bad), *args)
        assert result.returncode == 4, (args, result.stdout, result.stderr)
        assert "Error:" in result.stderr and "Traceback" not in result.stderr
    if damage == "flipped bytes":  # and so a script sees it
        result = site.run("restore", str(bad), "--yes")
        assert result.returncode == 4 and "damaged" in result.stderr and "Traceback" not in result.stderr
    assert state(site) == changed
    assert not (tmp_path / "etc").exists()


def test_an_archive_with_a_schema_newer_than_the_code_is_refused(site, tmp_path):
    seed(site)
    archive = take_backup(site, tmp_path / "backups")
    change_everything(site)
    changed = state(site)

    def newer(members):
        manifest = json.loads(members.pop("manifest.json"))
        manifest["schema_revision"], manifest["version"] = "0999", "9.0.0"
        members["manifest.json"] = json.dumps(manifest).encode()
    newer_archive = repack(archive, tmp_path / "newer.tar.gz", newer)
    result = site.cli("restore", str(newer_archive), "--yes", "--verify")
    assert result.returncode == 5, result.stderr
    assert "0999 is newer than this release's head" in result.stderr and "9.0.0" in result.stderr
    assert state(site) == changed


def test_restore_without_yes_or_verify_refuses_and_changes_nothing(site, tmp_path):
    seed(site)
    archive = take_backup(site, tmp_path / "backups")
    change_everything(site)
    changed = state(site)
    result = site.cli("restore", str(archive))
    assert result.returncode == 2
    assert "--yes" in result.stderr
    assert state(site) == changed


def test_verify_reports_a_restored_copy_that_differs_from_the_manifest(site, tmp_path):
    seed(site)
    archive = take_backup(site, tmp_path / "backups")

    def miscount(members):
        manifest = json.loads(members.pop("manifest.json"))
        manifest["row_counts"]["ticket"] = 7
        members["manifest.json"] = json.dumps(manifest).encode()
    wrong = repack(archive, tmp_path / "wrong.tar.gz", miscount)
    result = site.cli("restore", str(wrong), "--yes", "--verify")
    assert result.returncode == 1
    assert "table ticket: 1 rows, the backup has 7" in result.stderr


def test_verify_without_yes_restores_into_a_scratch_database_only(site, tmp_path, request):
    seed(site)
    archive = take_backup(site, tmp_path / "backups")
    change_everything(site)
    changed = state(site)
    if TEST_DB == "postgresql":
        missing = site.cli("restore", str(archive), "--verify")
        assert missing.returncode == 2 and "--scratch-url" in missing.stderr
        live = site.cli("restore", str(archive), "--verify", "--scratch-url", site.url)
        assert live.returncode == 1 and "names the live database" in live.stderr
        scratch = database_for_test(tmp_path, request, "scratch")
        result = site.cli("restore", str(archive), "--verify", "--scratch-url", scratch)
        assert result.returncode == 0, result.stderr
        engine = sa.create_engine(scratch, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:  # the scratch database now holds the backup
            assert conn.execute(sa.text("SELECT subject FROM ticket")).scalars().all() == ["Printer on fire"]
        engine.dispose()
    else:
        result = site.cli("restore", str(archive), "--verify")
        assert result.returncode == 0, result.stderr
    assert "nothing live was touched" in result.stdout
    assert state(site) == changed


def test_keep_deletes_the_oldest_archives_and_nothing_else(site, tmp_path):
    dest = tmp_path / "backups"
    dest.mkdir()
    for stamp in ("20240101T000000Z", "20250101T000000Z", "20250601T120000Z"):
        (dest / f"servicedesk-{stamp}.tar.gz").write_bytes(b"old")
    (dest / "notes.txt").write_text("the admin's file")
    first = take_backup(site, dest, "--keep", "2")
    second = take_backup(site, dest, "--keep", "2")  # possibly within the same second: a new name anyway
    assert first != second
    assert sorted(p.name for p in dest.iterdir()) == sorted([first.name, second.name, "notes.txt"])
    result = site.cli("backup", "--dest", str(dest), "--keep", "0")
    assert result.returncode == 2 and "--keep" in result.stderr


def test_db_revision_reports_current_and_head_with_exit_codes(site, tmp_path, request):
    result = site.cli("db-revision")
    assert (result.returncode, result.stdout.strip()) == (0, f"current={HEAD} head={HEAD}")
    empty = {**site.env, "SERVICEDESK_DATABASE_URL": database_for_test(tmp_path, request, "empty")}
    migrate.upgrade(empty["SERVICEDESK_DATABASE_URL"], "0005")
    result = site.run("db-revision", env=empty)  # the exit code as a script sees it
    assert (result.returncode, result.stdout.strip()) == (3, f"current=0005 head={HEAD}")


def test_a_restore_run_as_root_leaves_the_attachments_to_the_owner_of_the_data_directory(site, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root (as ansible's restore may run)")
    seed(site)
    archive = take_backup(site, tmp_path / "backups")
    service = pwd.getpwnam("postgres")  # stands in for the servicedesk user
    os.chown(site.data_dir, service.pw_uid, service.pw_gid)
    result = site.cli("restore", str(archive), "--yes")
    assert result.returncode == 0, result.stderr
    restored = [site.data_dir / "attachments", *(site.data_dir / "attachments").rglob("*")]
    assert len(restored) == 3  # the directory, the fan-out directory, the file
    assert {(p.stat().st_uid, p.stat().st_gid) for p in restored} == {(service.pw_uid, service.pw_gid)}
