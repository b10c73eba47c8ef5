"""Who may use the agent workspace; attachments up and down; user text always rendered escaped."""

from __future__ import annotations

import io

import pytest

from app.extensions import db
from app.tickets import operations as ops
from app.tickets.models import Attachment, Comment, Status
from app.users.models import Role

from . import test_views as shared
from .test_views import flashes, fresh, text

# fixtures shared with test_views.py
agent, agent_client, desk, requester = shared.agent, shared.agent_client, shared.desk, shared.requester

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def ticket(requester, desk):
    t = ops.create_ticket(requester, subject="Screen is black", team=desk)
    db.session.commit()
    return t


def upload(client, ticket, kind, name, content, body="see file"):
    return client.post(f"/tickets/{ticket.id}/{kind}", content_type="multipart/form-data",
                       data={f"{kind}-body": body, f"{kind}-file": (io.BytesIO(content), name)})


def attachments_of(ticket) -> list[Attachment]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Attachment).where(Attachment.ticket_id == ticket.id)))


# --- attachments ---------------------------------------------------------------------------------------

def test_upload_with_reply_and_download_with_safe_headers(agent_client, ticket):
    response = upload(agent_client, ticket, "reply", "../../Bildschirm fotó.png", PNG)
    assert response.status_code == 303
    [item] = attachments_of(ticket)
    assert item.filename == "Bildschirm fotó.png" and not item.is_internal and item.comment_id is not None
    page = text(agent_client.get(f"/tickets/{ticket.id}"))
    url = f"/tickets/{ticket.id}/attachments/{item.id}"
    assert f'href="{url}"' in page
    download = agent_client.get(url)
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["Content-Type"] == "image/png"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''Bildschirm%20fot%C3%B3.png" in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "sandbox"
    assert "no-store" in download.headers["Cache-Control"]


def test_text_attachment_is_never_served_as_html(agent_client, ticket, agent):
    item = ops.add_attachment(ticket, agent, "notes.txt", io.BytesIO(b"<script>alert(1)</script>"), "text/html")
    item.content_type = "text/html"  # as if an older allow-list had let it in
    db.session.commit()
    download = agent_client.get(f"/tickets/{ticket.id}/attachments/{item.id}")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_internal_attachment_is_hidden_from_the_requester(client, login, ticket, agent, requester):
    staff = login(client, agent)
    assert upload(staff, ticket, "note", "dump.txt", b"internal stuff").status_code == 303
    assert upload(staff, ticket, "reply", "howto.txt", b"public stuff").status_code == 303
    internal, public = sorted(attachments_of(ticket), key=lambda a: a.is_internal, reverse=True)
    assert internal.is_internal and not public.is_internal
    assert staff.get(f"/tickets/{ticket.id}/attachments/{internal.id}").status_code == 200
    client.post("/auth/logout")
    own = login(client, requester)
    assert own.get(f"/tickets/{ticket.id}/attachments/{public.id}").data == b"public stuff"
    assert own.get(f"/tickets/{ticket.id}/attachments/{internal.id}").status_code == 404


def test_attachment_of_someone_elses_ticket_is_404(client, login, ticket, agent, make_user):
    item = ops.add_attachment(ticket, agent, "a.txt", io.BytesIO(b"hello"), "text/plain")
    other_ticket = ops.create_ticket(make_user(Role.requester), subject="other")
    db.session.commit()
    stranger = login(client, make_user(Role.requester))
    assert stranger.get(f"/tickets/{ticket.id}/attachments/{item.id}").status_code == 404
    client.post("/auth/logout")
    staff = login(client, agent)
    # the attachment exists, but not on that ticket
    assert staff.get(f"/tickets/{other_ticket.id}/attachments/{item.id}").status_code == 404


def test_refused_upload_keeps_neither_file_nor_comment(agent_client, ticket):
    before = len(list(db.session.scalars(db.select(Comment).where(Comment.ticket_id == ticket.id))))
    response = upload(agent_client, ticket, "reply", "setup.exe", b"MZ\x90\x00")
    assert response.status_code == 422
    assert any("not accepted" in m for m in flashes(response))
    response = upload(agent_client, ticket, "reply", "fake.png", b"GIF89a not a png")
    assert response.status_code == 422 and any("does not look like image/png" in m for m in flashes(response))
    db.session.expire_all()
    assert attachments_of(ticket) == []
    assert len(list(db.session.scalars(db.select(Comment).where(Comment.ticket_id == ticket.id)))) == before


def test_oversized_upload_is_413(app, agent_client, ticket):
    app.config["MAX_ATTACHMENT_BYTES"] = 100
    try:
        response = upload(agent_client, ticket, "reply", "big.txt", b"x" * 500)
    finally:
        app.config["MAX_ATTACHMENT_BYTES"] = 25 * 1024 * 1024
    assert response.status_code == 413 and attachments_of(ticket) == []


# --- roles ---------------------------------------------------------------------------------------------

@pytest.fixture
def auditor_client(client, login, make_user):
    return login(client, make_user(Role.auditor, name="Ava Auditor"))


def test_auditor_sees_queue_and_ticket_without_change_controls(auditor_client, ticket, agent):
    ops.add_comment(ticket, agent, "staff only", internal=True)
    db.session.commit()
    queue = text(auditor_client.get("/tickets/"))
    assert f'href="/tickets/{ticket.id}"' in queue
    assert 'name="ids"' not in queue and "Change the selected tickets" not in queue
    page = text(auditor_client.get(f"/tickets/{ticket.id}"))
    assert "staff only" in page  # may read everything
    for control in ('id="reply-body"', 'id="note-body"', 'id="assign-me"', 'name="to"', "/fields", "/merge",
                    "/watchers", "/problem", "method=\"post\" action=\"/tickets"):
        assert control not in page, control
    assert auditor_client.get("/tickets/new").status_code == 403


@pytest.mark.parametrize("path, data", [
    ("reply", {"reply-body": "hi"}), ("note", {"note-body": "hi"}), ("transition", {"to": "triage"}),
    ("fields", {"impact": "high", "urgency": "high"}), ("assign-me", {}), ("problem", {"problem-ticket": ""}),
    ("merge", {"merge-ticket": "1"}), ("watchers", {"email": "x@example.org"}),
])
def test_auditor_posts_are_403_and_change_nothing(auditor_client, ticket, path, data):
    response = auditor_client.post(f"/tickets/{ticket.id}/{path}", data=data)
    assert response.status_code == 403
    t = fresh(ticket)
    assert t.status is Status.new and t.updated_at == ticket.updated_at


def test_auditor_cannot_bulk_or_log_calls(auditor_client, ticket, requester):
    assert auditor_client.post("/tickets/bulk", data={"ids": [str(ticket.id)], "status": "triage"}).status_code == 403
    assert auditor_client.post("/tickets/new", data={"requester": requester.email, "subject": "x"}).status_code == 403
    assert fresh(ticket).status is Status.new


@pytest.mark.parametrize("method, path", [
    ("get", "/tickets/"), ("get", "/tickets/TICKET"), ("get", "/tickets/new"), ("post", "/tickets/TICKET/reply"),
    ("post", "/tickets/bulk"), ("get", "/tickets/requesters?requester=ab"),
])
def test_requesters_are_refused_the_workspace(client, login, requester, ticket, method, path):
    login(client, requester)
    response = getattr(client, method)(path.replace("TICKET", str(ticket.id)))
    assert response.status_code == 403
    assert "The agent workspace is for IT staff." in text(response)


def test_signed_out_visitors_are_sent_to_sign_in(client, ticket):
    for path in ("/tickets/", f"/tickets/{ticket.id}", f"/tickets/{ticket.id}/attachments/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# --- escaping ------------------------------------------------------------------------------------------

def test_html_in_subject_description_and_comments_is_shown_as_text(agent_client, requester, agent, desk):
    evil = "<script>alert('x')</script>"
    t = ops.create_ticket(requester, subject=f"Hi {evil}", description=f"desc <img src=x onerror=alert(1)> {evil}",
                          team=desk)
    ops.add_comment(t, requester, f"reply {evil}")
    db.session.commit()
    assert agent_client.post(f"/tickets/{t.id}/note", data={"note-body": f"note {evil}"}).status_code == 303
    escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
    for page in (text(agent_client.get("/tickets/")), text(agent_client.get(f"/tickets/{t.id}"))):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert f"Hi {escaped}" in page
    page = text(agent_client.get(f"/tickets/{t.id}"))
    assert f"reply {escaped}" in page and f"note {escaped}" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert f"<title>#{t.id} Hi {escaped} · Servicedesk</title>" in page
