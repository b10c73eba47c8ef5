"""The portal for staff on their own requests, and replies with several files or only files."""

from __future__ import annotations

import html as htmllib
import io
import re

import pytest

from app.extensions import db
from app.tickets import operations as ops
from app.tickets.models import Attachment, Comment, Status
from app.users.models import Role

PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 32


def _reload(ticket):
    db.session.expire_all()
    return db.session.get(type(ticket), ticket.id)


def _comments(ticket) -> list[Comment]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Comment).where(Comment.ticket_id == ticket.id)))


def _files(ticket) -> list[Attachment]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Attachment).where(Attachment.ticket_id == ticket.id)
                                   .order_by(Attachment.id)))


@pytest.fixture
def own(client, login, make_user, team):
    """A member of staff signed in, and a factory of tickets they requested."""
    holder = {}

    def make(role=Role.agent, status=Status.new, subject="My own laptop is broken"):
        if "user" not in holder:
            holder["user"] = make_user(role, teams=[team], name="Sam Staff")
            login(client, holder["user"])
        ticket = ops.create_ticket(holder["user"], subject=subject, team=team)
        db.session.commit()
        return ticket

    make.holder = holder
    return make


def _walk(ticket, agent, *statuses):
    for status in statuses:
        ops.transition_ticket(ticket, status, agent)
    db.session.commit()


# --- staff on their own requests -------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.agent, Role.lead, Role.admin])
def test_staff_withdraw_their_own_request_in_the_portal(client, own, role):
    ticket = own(role=role)
    page = client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert "Withdraw the request" in page
    response = client.post(f"/portal/tickets/{ticket.id}/steps/closed", data={"closed-reason": "Fixed it myself"})
    assert response.status_code == 302 and _reload(ticket).status is Status.closed


def test_staff_confirm_reopen_and_rate_their_own_request(client, own, agent):
    ticket = own()
    _walk(ticket, agent, Status.in_progress, Status.awaiting_validation)
    page = client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert "Yes, it works now" in page and "No, it still does not work" in page
    assert client.post(f"/portal/tickets/{ticket.id}/steps/resolved").status_code == 302
    assert _reload(ticket).status is Status.resolved

    page = client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert "Reopen the request" in page and "Rate the solution" in page
    assert client.post(f"/portal/tickets/{ticket.id}/rating", data={"score": "5", "comment": "fast"}).status_code == 302
    assert client.post(f"/portal/tickets/{ticket.id}/steps/in_progress",
                       data={"in_progress-reason": "It broke again"}).status_code == 302
    ticket = _reload(ticket)
    assert ticket.csat_score == 5 and ticket.status is Status.in_progress and ticket.reopen_count == 1


def test_staff_reply_to_their_own_request_answers_and_is_no_first_response(client, own, agent):
    ticket = own()
    _walk(ticket, agent, Status.in_progress, Status.awaiting_requester)
    response = client.post(f"/portal/tickets/{ticket.id}/reply", data={"body": "The serial is 4711."})
    assert response.status_code == 302
    ticket = _reload(ticket)
    assert ticket.status is Status.in_progress and ticket.first_response_at is None


def test_an_auditor_replies_to_and_withdraws_their_own_request(client, own):
    ticket = own(role=Role.auditor)
    assert "Send reply" in client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert client.post(f"/portal/tickets/{ticket.id}/reply", data={"body": "Any news?"}).status_code == 302
    assert [c.body for c in _comments(ticket)] == ["Any news?"]
    client.post(f"/portal/tickets/{ticket.id}/steps/closed", data={"closed-reason": "solved"})
    assert _reload(ticket).status is Status.closed


def test_own_requests_are_listed_in_the_portal_and_others_are_not(client, own, make_user, agent):
    mine = own(subject="Mine: docking station")
    theirs = ops.create_ticket(make_user(Role.requester), subject="Theirs: printer", team=mine.team)
    db.session.commit()
    page = client.get("/portal/").get_data(as_text=True)
    assert "Mine: docking station" in page and "Theirs: printer" not in page
    assert client.get(f"/portal/tickets/{theirs.id}").status_code == 404
    assert client.post(f"/portal/tickets/{theirs.id}/steps/closed", data={"closed-reason": "x"}).status_code == 404


def test_a_staff_watcher_takes_no_requester_steps(client, login, make_user, team, agent):
    requester = make_user(Role.requester)
    ticket = ops.create_ticket(requester, subject="Projector", team=team)
    ops.add_watcher(ticket, agent, agent)
    db.session.commit()
    login(client, agent)
    page = client.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert "Projector" in page and "Withdraw the request" not in page
    assert client.post(f"/portal/tickets/{ticket.id}/steps/closed", data={"closed-reason": "x"}).status_code == 409
    assert _reload(ticket).status is Status.new


# --- files -----------------------------------------------------------------------------------------------

@pytest.fixture
def ticket(portal, requester, make_ticket):
    return make_ticket(requester, status=Status.in_progress)


def _reply(portal, ticket, body, *files):
    data = {"body": body, "attachment": [(io.BytesIO(content), name) for name, content in files]}
    return portal.post(f"/portal/tickets/{ticket.id}/reply", data=data, content_type="multipart/form-data")


def test_the_reply_form_takes_several_files_with_a_hint(portal, ticket):
    page = portal.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    file_input = re.search(r'<input [^>]*type="file"[^>]*>', page).group(0)
    assert "multiple" in file_input and 'name="attachment"' in file_input
    assert 'aria-describedby="attachment-hint"' in file_input
    assert re.search(r'<small class="hint" id="attachment-hint">Up to 10 files, each at most 25 MiB', page)
    assert re.search(r'<textarea [^>]*name="body"', page) and "required" not in re.search(
        r'<textarea [^>]*name="body"[^>]*>', page).group(0)


def test_a_reply_of_only_files_shows_the_files(portal, ticket):
    response = _reply(portal, ticket, "", ("screen.png", PNG), ("log.txt", b"error 42"))
    assert response.status_code == 302
    [comment] = _comments(ticket)
    assert comment.body == "" and [f.filename for f in _files(ticket)] == ["screen.png", "log.txt"]
    page = portal.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    message = re.search(rf'<article class="message mine" id="reply-{comment.id}">(.*?)</article>', page, re.S).group(1)
    assert "screen.png</a>" in message and "log.txt</a>" in message and "body-text" not in message


def test_text_and_several_files(portal, ticket):
    assert _reply(portal, ticket, "Both screens", ("a.png", PNG), ("b.png", PNG + b"b")).status_code == 302
    [comment] = _comments(ticket)
    assert comment.body == "Both screens" and {f.comment_id for f in _files(ticket)} == {comment.id}
    assert len(_files(ticket)) == 2


def test_neither_text_nor_file_is_a_clear_error_tied_to_the_field(portal, ticket):
    response = _reply(portal, ticket, "   ")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<small class="field-error" id="body-error">Please write a reply or attach a file.</small>' in page
    assert re.search(r'<textarea [^>]*aria-describedby="body-error"[^>]*aria-invalid="true"|'
                     r'<textarea [^>]*aria-invalid="true"[^>]*aria-describedby="body-error"', page)
    assert _comments(ticket) == []


def test_one_bad_file_keeps_nothing_names_it_and_keeps_the_text(portal, ticket):
    response = _reply(portal, ticket, "My carefully typed reply", ("good.png", PNG), ("fake.pdf", b"not a pdf"))
    page = htmllib.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "The file 'fake.pdf' does not look like application/pdf." in page
    assert 'id="attachment-error"' in page and "My carefully typed reply</textarea>" in page
    assert re.search(r'<input [^>]*aria-describedby="attachment-hint attachment-error"[^>]*type="file"', page)
    assert _comments(ticket) == [] and _files(ticket) == []


def test_an_oversized_file_is_named(app, portal, ticket, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_ATTACHMENT_BYTES", 1024)
    response = _reply(portal, ticket, "two files", ("ok.txt", b"fine"), ("huge.txt", b"x" * 4096))
    assert response.status_code == 413
    assert "The file 'huge.txt' is larger than the limit" in htmllib.unescape(response.get_data(as_text=True))
    assert _comments(ticket) == [] and _files(ticket) == []


def test_a_request_larger_than_the_total_limit_is_refused(app, portal, ticket, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    response = _reply(portal, ticket, "big", ("a.txt", b"a" * 3000), ("b.txt", b"b" * 3000))
    assert response.status_code == 413 and _comments(ticket) == []
    assert "larger than the limit of 0 MiB in total. Send fewer or smaller files." in response.get_data(as_text=True)
