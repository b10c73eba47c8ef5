"""Operations for staff who are the requester of their own ticket, and replies made of files.

A member of staff whose own laptop breaks opens a ticket like anyone else: on that ticket they take the
requester's steps too, and what they write counts as the requester's, never as the desk's response.
"""

from __future__ import annotations

import io
import os

import pytest

from app.core.errors import InvalidTransition, PermissionDenied, TooLarge, ValidationFailed
from app.extensions import db
from app.tickets import attachments, queries
from app.tickets import operations as ops
from app.tickets.attachments import Upload
from app.tickets.models import Attachment, Comment, EventKind, Status
from app.users.models import Role

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 40


@pytest.fixture
def agent(make_user, team):
    return make_user(Role.agent, teams=[team], name="Otto Own")


@pytest.fixture
def colleague(make_user, team):
    return make_user(Role.agent, teams=[team], name="Cora Colleague")


@pytest.fixture
def own_ticket(agent, team):
    ticket = ops.create_ticket(agent, subject="My own laptop does not boot", team=team)
    db.session.commit()
    return ticket


def _to(ticket, actor, *statuses):
    for status in statuses:
        ops.transition_ticket(ticket, status, actor)
    db.session.commit()


# --- the requester's steps on one's own ticket ------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.agent, Role.lead, Role.admin])
def test_staff_withdraw_their_own_ticket(make_user, team, role):
    person = make_user(role, teams=[team])
    ticket = ops.create_ticket(person, subject="Docking station dead")
    ops.transition_ticket(ticket, Status.closed, person, "found a spare one")
    db.session.commit()
    assert ticket.status is Status.closed


def test_staff_cannot_withdraw_a_ticket_they_did_not_request(own_ticket, colleague):
    with pytest.raises(InvalidTransition, match="by a staff"):
        ops.transition_ticket(own_ticket, Status.closed, colleague, "not theirs to withdraw")
    db.session.rollback()
    assert db.session.get(type(own_ticket), own_ticket.id).status is Status.new


def test_staff_public_reply_on_their_own_ticket_is_no_first_response(own_ticket, agent, colleague):
    ops.add_comment(own_ticket, agent, "It also beeps three times.")
    db.session.commit()
    assert own_ticket.first_response_at is None
    ops.add_comment(own_ticket, colleague, "Bring it over, please.")
    db.session.commit()
    assert own_ticket.first_response_at is not None


def test_staff_reply_on_their_own_ticket_answers_the_question(own_ticket, agent, colleague):
    _to(own_ticket, colleague, Status.in_progress, Status.awaiting_requester)
    ops.add_comment(own_ticket, agent, "Serial number is 4711.")
    db.session.commit()
    assert own_ticket.status is Status.in_progress
    last = queries.history_for(own_ticket, colleague)[-1]
    assert last.kind is EventKind.status_changed and last.actor_id == agent.id


def test_a_colleagues_reply_or_an_own_internal_note_does_not_resume_work(own_ticket, agent, colleague):
    _to(own_ticket, colleague, Status.in_progress, Status.awaiting_requester)
    ops.add_comment(own_ticket, colleague, "Reminder: we need the serial number.")
    ops.add_comment(own_ticket, agent, "note to self", internal=True)
    db.session.commit()
    assert own_ticket.status is Status.awaiting_requester


def test_staff_rate_their_own_ticket_and_nobody_elses(own_ticket, agent, colleague):
    _to(own_ticket, colleague, Status.in_progress, Status.resolved)
    with pytest.raises(PermissionDenied):
        ops.rate_ticket(own_ticket, colleague, 5)
    ops.rate_ticket(own_ticket, agent, 4, "quick")
    db.session.commit()
    assert own_ticket.csat_score == 4


# --- replies with several files, or only files ---------------------------------------------------------

def _files_on_disk(app) -> set[bytes]:
    root = os.path.join(app.config["DATA_DIR"], "attachments")
    return {open(os.path.join(d, f), "rb").read() for d, _, names in os.walk(root) for f in names}  # noqa: SIM115


def _comments(ticket) -> list[Comment]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Comment).where(Comment.ticket_id == ticket.id)))


def _attachments(ticket) -> list[Attachment]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Attachment).where(Attachment.ticket_id == ticket.id)
                                   .order_by(Attachment.id)))


def test_a_reply_can_be_only_files(own_ticket, colleague):
    comment = ops.add_comment(own_ticket, colleague, "", files=[
        Upload("screen.png", io.BytesIO(PNG), "image/png"), Upload("steps.txt", io.BytesIO(b"1. reboot"))])
    db.session.commit()
    files = _attachments(own_ticket)
    assert [(f.filename, f.comment_id, f.is_internal) for f in files] == [
        ("screen.png", comment.id, False), ("steps.txt", comment.id, False)]
    assert comment.body == "" and own_ticket.first_response_at is not None
    kinds = [e.kind for e in queries.history_for(own_ticket, colleague)]
    assert kinds[-3:] == [EventKind.comment_added, EventKind.attachment_added, EventKind.attachment_added]


def test_files_of_an_internal_note_are_internal(own_ticket, colleague):
    ops.add_comment(own_ticket, colleague, "", internal=True, files=[Upload("trace.txt", io.BytesIO(b"trace"))])
    db.session.commit()
    assert [f.is_internal for f in _attachments(own_ticket)] == [True]


def test_neither_text_nor_file_is_refused(own_ticket, colleague):
    with pytest.raises(ValidationFailed, match="must not be empty"):
        ops.add_comment(own_ticket, colleague, "  ", files=[])
    assert _comments(own_ticket) == []


def test_one_refused_file_keeps_nothing_and_names_the_file(app, own_ticket, colleague):
    already = b"kept: attached before " + os.urandom(8).hex().encode()  # text: random bytes could look binary
    ops.add_attachment(own_ticket, colleague, "earlier.txt", io.BytesIO(already))
    db.session.commit()
    fresh = b"new in this reply " + os.urandom(8).hex().encode()  # text: random bytes could look binary
    with pytest.raises(ValidationFailed, match="'fake.pdf' does not look like application/pdf"):
        ops.add_comment(own_ticket, colleague, "three files", files=[
            Upload("again.txt", io.BytesIO(already)), Upload("new.txt", io.BytesIO(fresh)),
            Upload("fake.pdf", io.BytesIO(b"not a pdf"))])
    db.session.rollback()
    assert _comments(own_ticket) == [] and [f.filename for f in _attachments(own_ticket)] == ["earlier.txt"]
    on_disk = _files_on_disk(app)
    assert already in on_disk and fresh not in on_disk and b"not a pdf" not in on_disk


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("empty.txt", b"", "'empty.txt' is empty"),
    ("tool.exe", b"MZ\x90\x00", "'tool.exe': files of type"),
])
def test_refusals_name_the_file(own_ticket, colleague, name, content, problem):
    with pytest.raises(ValidationFailed, match=problem):
        ops.add_comment(own_ticket, colleague, "", files=[Upload("ok.txt", io.BytesIO(b"fine")),
                                                          Upload(name, io.BytesIO(content))])


def test_an_oversized_file_is_named_and_nothing_is_kept(app, own_ticket, colleague, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_ATTACHMENT_BYTES", 1000)
    small = b"small one " + os.urandom(8).hex().encode()  # text: random bytes could look binary
    with pytest.raises(TooLarge, match="'big.log.txt' is larger than the limit"):
        ops.add_comment(own_ticket, colleague, "", files=[Upload("small.txt", io.BytesIO(small)),
                                                          Upload("big.log.txt", io.BytesIO(b"x" * 5000))])
    db.session.rollback()
    assert small not in _files_on_disk(app) and _comments(own_ticket) == []


def test_too_many_files_at_once_are_refused(own_ticket, colleague):
    uploads = [Upload(f"f{i}.txt", io.BytesIO(b"x")) for i in range(attachments.MAX_FILES + 1)]
    with pytest.raises(ValidationFailed, match=f"At most {attachments.MAX_FILES} files"):
        ops.add_comment(own_ticket, colleague, "many", files=uploads)
