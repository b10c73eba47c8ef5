"""Replies, internal notes and attachments: requesters never see or write anything internal."""

from __future__ import annotations

import io

import pytest

from app.extensions import db
from app.tickets import operations as ops
from app.tickets.models import Attachment, Comment, Status

from .helpers import assert_error

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
READ = {"requester": 200, "other_requester": 404, "agent": 200, "outside_agent": 404, "lead": 200,
        "admin": 200, "auditor": 200}
#: a public reply: the requester takes part; staff who work on the ticket; auditors never write
REPLY = {"requester": 201, "other_requester": 404, "agent": 201, "outside_agent": 404, "lead": 201,
         "admin": 201, "auditor": 403}
NOTE = {**REPLY, "requester": 403}


def _count(model) -> int:
    db.session.expire_all()
    return db.session.query(model).count()


@pytest.fixture
def conversation(ticket, agent, requester):
    """A public reply and an internal note on ``ticket``, a public and an internal file."""
    ops.add_comment(ticket, requester, "It still jams")
    ops.add_comment(ticket, agent, "Driver 4.2 is broken, see KB-12", internal=True)
    public = ops.add_attachment(ticket, requester, "photo.png", io.BytesIO(PNG))
    internal = ops.add_attachment(ticket, agent, "vendor-case.txt", io.BytesIO(b"case 123"), internal=True)
    db.session.commit()
    return {"public": public, "internal": internal}


def _upload(api, user, ticket_id, filename="log.txt", content=b"error 42\n", **form):
    data = {"file": (io.BytesIO(content), filename), **form}
    return api.post(f"/tickets/{ticket_id}/attachments", user, data=data, content_type="multipart/form-data")


# -- comments --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "expected"), READ.items())
def test_comments_per_role_and_requesters_never_see_notes(api, roles, ticket, conversation, role, expected):
    response = api.get(f"/tickets/{ticket.id}/comments", roles[role])
    assert response.status_code == expected
    if expected != 200:
        assert_error(response, expected)
        return
    bodies = [c["body"] for c in response.get_json()]
    assert "It still jams" in bodies
    assert ("Driver 4.2 is broken, see KB-12" in bodies) is (role != "requester")
    assert all(c["internal"] is False for c in response.get_json()) is (role == "requester")


@pytest.mark.parametrize(("role", "expected"), REPLY.items())
def test_post_reply_per_role(api, roles, ticket, role, expected):
    response = api.post(f"/tickets/{ticket.id}/comments", roles[role], json={"body": "Any news?"})
    assert response.status_code == expected, response.get_json()
    if expected == 201:
        c = response.get_json()
        assert c["body"] == "Any news?" and c["internal"] is False and c["channel"] == "api"
        assert c["author"]["id"] == roles[role].id and c["ticket_id"] == ticket.id
    else:
        assert_error(response, expected)
    assert _count(Comment) == (1 if expected == 201 else 0)


@pytest.mark.parametrize(("role", "expected"), NOTE.items())
def test_post_internal_note_per_role(api, roles, ticket, role, expected):
    response = api.post(f"/tickets/{ticket.id}/comments", roles[role], json={"body": "secret", "internal": True})
    assert response.status_code == expected, response.get_json()
    assert _count(Comment) == (1 if expected == 201 else 0)
    if expected == 201:
        assert response.get_json()["internal"] is True
        # ... and it stays invisible to the requester everywhere
        requester = roles["requester"]
        assert "secret" not in api.get(f"/tickets/{ticket.id}/comments", requester).get_data(as_text=True)
        history = api.get(f"/tickets/{ticket.id}/history", requester).get_json()
        assert "note_added" not in {e["kind"] for e in history}
        assert api.get("/tickets?q=secret", requester).get_json()["items"] == []  # search neither
        assert [t["id"] for t in api.get("/tickets?q=secret", roles[role]).get_json()["items"]] == [ticket.id]


def test_requester_reply_resumes_work_when_awaiting_requester(api, agent, requester, ticket):
    ops.transition_ticket(ticket, Status.awaiting_requester, agent)
    db.session.commit()
    api.post(f"/tickets/{ticket.id}/comments", requester, json={"body": "Here is the info"})
    assert api.get(f"/tickets/{ticket.id}", requester).get_json()["status"] == "in_progress"


@pytest.mark.parametrize(("body", "status"), [
    ({}, 422), ({"body": ""}, 422), ({"body": "   "}, 422), ({"body": 5}, 422), ({"body": None}, 422),
    ({"body": "x", "internal": "perhaps"}, 422), ({"body": "x", "public": True}, 422),
    ({"body": "x" * 100_001}, 422),
])
def test_post_comment_bad_input(api, agent, ticket, body, status):
    assert_error(api.post(f"/tickets/{ticket.id}/comments", agent, json=body), status)
    assert_error(api.post(f"/tickets/{ticket.id}/comments", agent, data="{", content_type="application/json"),
                 400, "invalid_json")
    assert_error(api.post(f"/tickets/{ticket.id}/comments", agent, data="body=x",
                          content_type="application/x-www-form-urlencoded"), 415)
    assert_error(api.post("/tickets/999999/comments", agent, json={"body": "x"}), 404)
    assert _count(Comment) == 0


def test_comment_on_closed_ticket_is_409(api, agent, requester, ticket):
    ops.transition_ticket(ticket, Status.closed, requester, reason="never mind")
    db.session.commit()
    assert_error(api.post(f"/tickets/{ticket.id}/comments", agent, json={"body": "x"}), 409, "conflict")


def test_script_in_comment_is_returned_verbatim_as_json_text(api, requester, ticket):
    evil = "</script><script>alert(1)</script>"
    response = api.post(f"/tickets/{ticket.id}/comments", requester, json={"body": evil})
    assert response.mimetype == "application/json" and response.get_json()["body"] == evil
    assert api.get(f"/tickets/{ticket.id}/comments", requester).get_json()[0]["body"] == evil


# -- attachments -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "expected"), READ.items())
def test_attachment_list_and_download_per_role(api, roles, ticket, conversation, role, expected):
    response = api.get(f"/tickets/{ticket.id}/attachments", roles[role])
    assert response.status_code == expected
    public, internal = conversation["public"], conversation["internal"]
    for attachment in (public, internal):
        download = api.get(f"/tickets/{ticket.id}/attachments/{attachment.id}", roles[role])
        may_see = expected == 200 and (attachment is public or role != "requester")
        assert download.status_code == (200 if may_see else 404)
        if may_see:
            assert download.headers["Content-Disposition"].startswith("attachment;")
            assert download.headers["X-Content-Type-Options"] == "nosniff"
            assert "sandbox" in download.headers["Content-Security-Policy"]
        else:
            assert_error(download, 404)
    if expected != 200:
        return
    names = {a["filename"] for a in response.get_json()}
    assert "photo.png" in names
    assert ("vendor-case.txt" in names) is (role != "requester")
    meta = next(a for a in response.get_json() if a["filename"] == "photo.png")
    assert meta["content_type"] == "image/png" and meta["size"] == len(PNG) and meta["internal"] is False
    assert api.get(meta["download_url"], roles[role]).data == PNG


def test_download_of_another_tickets_attachment_is_404(api, agent, ticket, make_ticket, conversation):
    other = make_ticket(subject="Other")
    assert_error(api.get(f"/tickets/{other.id}/attachments/{conversation['public'].id}", agent), 404)
    assert_error(api.get(f"/tickets/{ticket.id}/attachments/999999", agent), 404)


@pytest.mark.parametrize(("role", "expected"), REPLY.items())
def test_upload_per_role(api, roles, ticket, role, expected):
    response = _upload(api, roles[role], ticket.id)
    assert response.status_code == expected, response.get_json()
    assert _count(Attachment) == (1 if expected == 201 else 0)
    if expected == 201:
        a = response.get_json()
        assert a["filename"] == "log.txt" and a["content_type"] == "text/plain" and a["size"] == 9
        assert a["uploaded_by"]["id"] == roles[role].id


@pytest.mark.parametrize(("role", "expected"), NOTE.items())
def test_internal_upload_per_role(api, roles, ticket, role, expected):
    response = _upload(api, roles[role], ticket.id, internal="true")
    assert response.status_code == expected, response.get_json()
    assert _count(Attachment) == (1 if expected == 201 else 0)
    if expected == 201:
        assert response.get_json()["internal"] is True
        assert api.get(f"/tickets/{ticket.id}/attachments", roles["requester"]).get_json() == []


def test_upload_sanitises_the_file_name(api, agent, ticket):
    response = _upload(api, agent, ticket.id, filename="../../etc/<passwd>.txt")
    assert response.status_code == 201
    assert response.get_json()["filename"] == "_passwd_.txt"


def test_oversized_attachment_is_413_and_stores_nothing(api, app, agent, ticket, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_ATTACHMENT_BYTES", 1000)
    error = assert_error(_upload(api, agent, ticket.id, content=b"x" * 2000), 413, "too_large")
    assert error["details"]["max_bytes"] == 1000
    assert _count(Attachment) == 0


def test_request_larger_than_the_body_limit_is_413(api, app, agent, ticket, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    assert_error(_upload(api, agent, ticket.id, content=b"x" * 5000), 413, "too_large")
    assert _count(Attachment) == 0


@pytest.mark.parametrize(("filename", "content"), [
    ("tool.exe", b"MZ\x90\x00"),           # type not allowed
    ("page.html", b"<script>x</script>"),   # type not allowed
    ("fake.png", b"GIF89a not a png"),      # content does not match the claimed type
    ("empty.txt", b""),                     # empty
    ("binary.txt", b"text\x00\x01\x02"),   # not text
])
def test_disallowed_or_lying_files_are_refused(api, agent, ticket, filename, content):
    error = assert_error(_upload(api, agent, ticket.id, filename=filename, content=content), 422)
    assert error["details"]["field"] == "file"
    assert _count(Attachment) == 0


def test_upload_bad_requests(api, agent, ticket):
    path = f"/tickets/{ticket.id}/attachments"
    missing = assert_error(api.post(path, agent, data={"internal": "false"}, content_type="multipart/form-data"),
                           422)
    assert "file" in missing["details"]["fields"]
    assert_error(api.post(path, agent, json={"file": "aGVsbG8="}), 415, "unsupported_media_type")
    unknown = assert_error(_upload(api, agent, ticket.id, colour="red"), 422)
    assert "colour" in unknown["message"]
    assert_error(_upload(api, agent, ticket.id, internal="perhaps"), 422)
    assert_error(_upload(api, agent, 999_999), 404)
    assert _count(Attachment) == 0
