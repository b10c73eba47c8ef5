"""The agent's ticket page for staff on their own ticket, and the composer with several files or only files."""

from __future__ import annotations

import html
import io
import re

import pytest

from app.extensions import db
from app.tickets import operations as ops
from app.tickets.models import Attachment, Comment, Status
from app.users.models import Role

from . import test_views as shared
from .test_views import flashes, fresh, text

agent, agent_client, desk, requester = shared.agent, shared.agent_client, shared.desk, shared.requester

PNG = b"\x89PNG\r\n\x1a\n" + b"\x03" * 32


def buttons(response) -> list[str]:
    return re.findall(r'<button type="submit" name="to" value="(\w+)"', text(response))


def comments(ticket) -> list[Comment]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Comment).where(Comment.ticket_id == ticket.id).order_by(Comment.id)))


def files_of(ticket) -> list[Attachment]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Attachment).where(Attachment.ticket_id == ticket.id)
                                   .order_by(Attachment.id)))


@pytest.fixture
def own_ticket(agent, desk):
    ticket = ops.create_ticket(agent, subject="My own headset crackles", team=desk)
    db.session.commit()
    return ticket


@pytest.fixture
def ticket(requester, desk):
    t = ops.create_ticket(requester, subject="Screen is black", team=desk)
    db.session.commit()
    return t


# --- staff on their own ticket ---------------------------------------------------------------------------

def test_own_ticket_offers_the_requester_steps_too(agent_client, own_ticket):
    response = agent_client.get(f"/tickets/{own_ticket.id}")
    assert buttons(response) == ["triage", "in_progress", "awaiting_requester", "resolved", "rejected", "closed"]
    assert ">Withdraw *</button>" in html.unescape(text(response))
    assert "You requested this ticket, so the requester's steps are offered too." in html.unescape(text(response))


def test_someone_elses_ticket_offers_only_staff_steps(agent_client, ticket):
    response = agent_client.get(f"/tickets/{ticket.id}")
    assert "closed" not in buttons(response) and "You requested this ticket" not in text(response)
    refused = agent_client.post(f"/tickets/{ticket.id}/transition", data={"to": "closed", "reason": "mine?"})
    assert refused.status_code == 409 and fresh(ticket).status is Status.new


def test_staff_withdraw_their_own_ticket_from_the_workspace(agent_client, own_ticket):
    response = agent_client.post(f"/tickets/{own_ticket.id}/transition", data={"to": "closed", "reason": "works"})
    assert response.status_code == 303 and fresh(own_ticket).status is Status.closed


def test_own_public_reply_while_awaiting_requester_resumes_and_is_no_first_response(
        agent_client, agent, own_ticket, make_user, desk):
    colleague = make_user(Role.agent, teams=[desk])
    for status in (Status.in_progress, Status.awaiting_requester):
        ops.transition_ticket(own_ticket, status, colleague)
    db.session.commit()
    response = agent_client.post(f"/tickets/{own_ticket.id}/reply", data={"reply-body": "Model is H390."})
    assert response.status_code == 303
    ticket = fresh(own_ticket)
    assert ticket.status is Status.in_progress and ticket.first_response_at is None


# --- the composer: several files, or only files ----------------------------------------------------------

def post(client, ticket, kind, body, *files, htmx=False):
    data = {f"{kind}-body": body, f"{kind}-file": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/tickets/{ticket.id}/{kind}", data=data, content_type="multipart/form-data",
                       headers={"HX-Request": "true"} if htmx else {})


def test_composer_file_inputs_take_several_files_and_explain_the_limits(agent_client, ticket):
    page = text(agent_client.get(f"/tickets/{ticket.id}"))
    for kind in ("reply", "note"):
        field = re.search(rf'<input [^>]*id="{kind}-file"[^>]*>', page).group(0)
        assert "multiple" in field and f'aria-describedby="{kind}-file-hint {kind}-errors"' in field
        assert f'<label for="{kind}-file">Attach files (optional)</label>' in page
        assert re.search(rf'<small class="muted" id="{kind}-file-hint">Up to 10 files', page)
        body = re.search(rf'<textarea [^>]*id="{kind}-body"[^>]*>', page).group(0)
        assert "required" not in body


@pytest.mark.parametrize("kind", ["reply", "note"])
def test_only_files_make_a_reply_or_note(agent_client, ticket, kind):
    response = post(agent_client, ticket, kind, "", ("screen.png", PNG), ("trace.txt", b"trace"))
    assert response.status_code == 303
    [comment] = comments(ticket)
    assert comment.body == "" and comment.is_internal is (kind == "note")
    assert [(f.filename, f.comment_id, f.is_internal) for f in files_of(ticket)] == [
        ("screen.png", comment.id, kind == "note"), ("trace.txt", comment.id, kind == "note")]
    page = text(agent_client.get(f"/tickets/{ticket.id}"))
    entry = re.search(rf'<li id="comment-{comment.id}".*?</li>\s*</ul>', page, re.S).group(0)
    assert "screen.png</a>" in entry and "trace.txt</a>" in entry and "body-text" not in entry


def test_htmx_reply_with_files_returns_the_entry_with_its_files(agent_client, ticket):
    response = post(agent_client, ticket, "reply", "see both", ("a.png", PNG), ("b.txt", b"b"), htmx=True)
    body = text(response)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith(f'<li id="comment-{comments(ticket)[-1].id}"')
    assert "see both" in body and "a.png</a>" in body and "b.txt</a>" in body


def test_neither_text_nor_file_is_refused_with_the_error_at_the_field(agent_client, ticket):
    response = post(agent_client, ticket, "reply", "  ")
    page = text(response)
    assert response.status_code == 422 and any("Write a message or attach a file." in m for m in flashes(response))
    assert '<small class="field-error" id="reply-body-error">Write a message or attach a file.</small>' in page
    field = re.search(r'<textarea [^>]*id="reply-body"[^>]*>', page).group(0)
    assert 'aria-describedby="reply-body-error reply-errors"' in field and 'aria-invalid="true"' in field
    assert comments(ticket) == []
    fragment = post(agent_client, ticket, "note", "", htmx=True)
    assert fragment.status_code == 422 and text(fragment).startswith('<p class="flash error" role="alert">')


def test_one_refused_file_keeps_nothing_names_it_and_keeps_the_text(agent_client, ticket):
    response = post(agent_client, ticket, "reply", "Typed with care", ("ok.png", PNG), ("setup.exe", b"MZ\x90"))
    page = html.unescape(text(response))
    assert response.status_code == 422
    assert any("'setup.exe': files of type" in m for m in flashes(response))
    assert re.search(r'<small class="field-error" id="reply-file-error">\'setup.exe\': files of type', page)
    assert 'aria-describedby="reply-file-hint reply-file-error reply-errors"' in page
    assert "Typed with care</textarea>" in page
    assert comments(ticket) == [] and files_of(ticket) == []


def test_htmx_refusal_names_the_file(agent_client, ticket):
    response = post(agent_client, ticket, "note", "", ("a.txt", b"fine"), ("fake.png", b"GIF89a"), htmx=True)
    assert response.status_code == 422 and "does not look like image/png" in text(response)
    assert "fake.png" in html.unescape(text(response)) and comments(ticket) == []


def test_htmx_post_over_the_request_limit_gets_a_short_message(app, agent_client, ticket, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    big = b"x" * (3 * 1024 * 1024)
    response = post(agent_client, ticket, "reply", "", ("a.txt", big), htmx=True)
    assert response.status_code == 413 and comments(ticket) == []
    assert text(response) == ('<p class="flash error" role="alert">What you sent is larger than the limit of 2 MiB '
                              'in total. Send fewer or smaller files.</p>')
