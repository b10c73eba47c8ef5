from __future__ import annotations

import io

import pytest

from app.core.errors import TooLarge, ValidationFailed
from app.extensions import db
from app.tickets import attachments
from app.tickets import operations as ops
from app.tickets.queries import attachments_for
from app.users.models import Role

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize("raw, safe", [
    ("../../etc/passwd", "passwd"), ("..\\..\\boot.ini", "boot.ini"), ("", "attachment"), ("...", "attachment"),
    ("report <2024>.pdf", "report _2024_.pdf"), ("Übersicht.xlsx", "Übersicht.xlsx"), ("a\x00b.txt", "a_b.txt"),
])
def test_safe_filename(raw, safe):
    assert attachments.safe_filename(raw) == safe


def test_type_comes_from_name_and_must_match_content():
    allowed = {"image/png", "text/plain", "application/pdf"}
    assert attachments.detect_type("a.png", "application/octet-stream", PNG, allowed) == "image/png"
    with pytest.raises(ValidationFailed, match="does not look like"):
        attachments.detect_type("a.pdf", "application/pdf", b"MZ\x90\x00", allowed)
    with pytest.raises(ValidationFailed, match="not accepted"):
        attachments.detect_type("page.html", "text/html", b"<html>", allowed)
    with pytest.raises(ValidationFailed, match="not accepted"):
        attachments.detect_type("setup.exe", "application/octet-stream", b"MZ", allowed)


@pytest.fixture
def ticket(make_user):
    requester = make_user(Role.requester)
    return requester, ops.create_ticket(requester, subject="with files")


def test_upload_is_stored_content_addressed(app, ticket):
    requester, t = ticket
    a = ops.add_attachment(t, requester, "shot.png", io.BytesIO(PNG), "image/png")
    db.session.commit()
    path = attachments.path_for(app.config["DATA_DIR"], a.sha256)
    assert path.read_bytes() == PNG and a.size == len(PNG) and a.content_type == "image/png"


def test_oversized_upload_is_refused_and_nothing_is_left(app, ticket):
    requester, t = ticket
    app.config["MAX_ATTACHMENT_BYTES"] = 1000
    try:
        with pytest.raises(TooLarge):
            ops.add_attachment(t, requester, "big.txt", io.BytesIO(b"x" * 5000), "text/plain")
    finally:
        app.config["MAX_ATTACHMENT_BYTES"] = 25 * 1024 * 1024
    leftovers = [p for p in (attachments.Path(app.config["DATA_DIR"]) / "attachments").rglob("*") if p.is_file()
                 and p.stat().st_size == 5000]
    assert leftovers == [] and attachments_for(t, requester) == []


def test_empty_and_disallowed_files_are_refused(ticket):
    requester, t = ticket
    with pytest.raises(ValidationFailed, match="empty"):
        ops.add_attachment(t, requester, "a.txt", io.BytesIO(b""), "text/plain")
    with pytest.raises(ValidationFailed):
        ops.add_attachment(t, requester, "x.svg", io.BytesIO(b"<svg onload=alert(1)>"), "image/svg+xml")


def test_attachment_of_internal_note_is_hidden_from_requester(ticket, make_user):
    requester, t = ticket
    agent = make_user(Role.admin)
    note = ops.add_comment(t, agent, "log file", internal=True)
    ops.add_attachment(t, agent, "server.log.txt", io.BytesIO(b"secret log"), "text/plain", comment=note)
    db.session.commit()
    assert attachments_for(t, requester) == [] and len(attachments_for(t, agent)) == 1
