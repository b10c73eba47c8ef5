"""Opening a ticket in the portal: one form per kind of request, bad input re-shown with what was typed."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.tickets.models import Attachment, Channel, Level, Priority, Ticket, TicketType


def _tickets():
    return list(db.session.scalars(sa.select(Ticket)))


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/portal/new")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_chooser_offers_the_three_requester_kinds_but_not_problem(portal):
    html = portal.get("/portal/new").get_data(as_text=True)
    for text, kind in [("Something is broken", "incident"), ("I need something", "service_request"),
                       ("I have a question", "question")]:
        assert text in html and f'href="/portal/new/{kind}"' in html
    assert "/portal/new/problem" not in html


@pytest.mark.parametrize(("kind", "heading"), [
    ("incident", "Something is broken"), ("service_request", "I need something"), ("question", "I have a question"),
])
def test_requester_opens_each_kind_of_ticket(portal, requester, service, category, kind, heading):
    form = portal.get(f"/portal/new/{kind}").get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in form and "E-mail" in form and "Hardware" in form

    response = portal.post(f"/portal/new/{kind}", data={
        "service": service.id, "category": category.id, "subject": "Outlook keeps crashing",
        "description": "Since this morning.", "impact": "medium", "urgency": "high",
    })

    assert response.status_code == 302
    [ticket] = _tickets()
    assert response.headers["Location"] == f"/portal/tickets/{ticket.id}"
    assert ticket.type is TicketType(kind) and ticket.channel is Channel.portal
    assert ticket.requester_id == requester.id and ticket.created_by_id == requester.id
    assert (ticket.service_id, ticket.category_id) == (service.id, category.id)
    assert (ticket.impact, ticket.urgency, ticket.priority) == (Level.medium, Level.high, Priority.p2)
    page = portal.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Your request #{ticket.id} was received" in page and "Outlook keeps crashing" in page


@pytest.mark.parametrize(("impact", "urgency", "priority"), [
    ("low", "low", Priority.p4),  # just me, it can wait
    ("high", "high", Priority.p1),  # many people, work has stopped
])
def test_impact_and_urgency_answers_drive_the_priority(portal, impact, urgency, priority):
    portal.post("/portal/new/incident", data={"subject": "x", "impact": impact, "urgency": urgency})
    [ticket] = _tickets()
    assert ticket.priority is priority and ticket.service_id is None and ticket.category_id is None


def test_form_labels_speak_the_requesters_language(portal):
    html = portal.get("/portal/new/incident").get_data(as_text=True)
    for text in ("Just me", "My team", "Many people", "It can wait", "My work is hindered", "My work has stopped"):
        assert text in html
    assert '<label for="subject">What is broken?</label>' in html


def test_service_can_be_preselected_from_the_link(portal, service):
    html = portal.get(f"/portal/new/question?service={service.id}").get_data(as_text=True)
    assert f'<option selected value="{service.id}">E-mail</option>' in html


@pytest.mark.parametrize("kind", ["problem", "nonsense"])
def test_problem_and_unknown_kinds_are_not_offered(portal, kind):
    assert portal.get(f"/portal/new/{kind}").status_code == 404
    response = portal.post(f"/portal/new/{kind}", data={"subject": "x", "impact": "low", "urgency": "low"})
    assert response.status_code == 404 and _tickets() == []


def test_missing_subject_keeps_everything_typed(portal, service):
    response = portal.post("/portal/new/incident", data={
        "service": service.id, "subject": "   ", "description": "Line one\nMy very specific words",
        "impact": "high", "urgency": "low",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and _tickets() == []
    assert "Please write a short subject." in html and 'aria-invalid="true"' in html
    assert "Line one\nMy very specific words</textarea>" in html
    assert f'<option selected value="{service.id}">' in html
    assert 'checked id="impact-2"' in html and 'checked id="urgency-0"' in html


def test_too_long_subject_is_refused_with_the_text_kept(portal):
    response = portal.post("/portal/new/incident", data={
        "subject": "s" * 251, "description": "keep me", "impact": "low", "urgency": "low"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and _tickets() == []
    assert "under 250 characters" in html and "s" * 251 in html and "keep me</textarea>" in html


@pytest.mark.parametrize("field", [{"service": "999"}, {"service": "abc"}, {"impact": "huge"}, {"urgency": ""}])
def test_invalid_choices_are_refused_not_crashed(portal, field):
    data = {"subject": "Keep this subject", "impact": "low", "urgency": "low", **field}
    response = portal.post("/portal/new/service_request", data=data)
    assert response.status_code == 422 and _tickets() == []
    assert 'value="Keep this subject"' in response.get_data(as_text=True)


def test_attachment_is_stored_with_the_new_ticket(portal):
    response = portal.post("/portal/new/incident", data={
        "subject": "See log", "impact": "low", "urgency": "low",
        "attachment": (io.BytesIO(b"error at line 3\n"), "crash log.txt"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    [ticket] = _tickets()
    [attachment] = db.session.scalars(sa.select(Attachment))
    assert attachment.ticket_id == ticket.id and attachment.filename == "crash log.txt"
    html = portal.get(f"/portal/tickets/{ticket.id}").get_data(as_text=True)
    assert f'href="/tickets/{ticket.id}/attachments/{attachment.id}"' in html and "crash log.txt" in html


def test_rejected_attachment_creates_nothing_and_keeps_the_text(portal):
    response = portal.post("/portal/new/incident", data={
        "subject": "Keep this subject", "description": "and this", "impact": "low", "urgency": "low",
        "attachment": (io.BytesIO(b"MZ\x90\x00binary"), "tool.exe"),
    }, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _tickets() == [] and db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
    assert "are not accepted" in html and 'value="Keep this subject"' in html and "and this</textarea>" in html


def test_several_files_come_with_the_new_ticket(portal):
    response = portal.post("/portal/new/incident", data={
        "subject": "Scanner stopped", "impact": "low", "urgency": "low",
        "attachment": [(io.BytesIO(b"error at line 3\n"), "crash.log.txt"),
                       (io.BytesIO(b"%PDF-1.4\nreport"), "report.pdf")],
    }, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    [ticket] = _tickets()
    files = db.session.scalars(sa.select(Attachment).order_by(Attachment.id)).all()
    assert [(f.ticket_id, f.comment_id, f.filename) for f in files] == [
        (ticket.id, None, "crash.log.txt"), (ticket.id, None, "report.pdf")]


def test_one_refused_file_of_several_creates_nothing(portal, app):
    accepted = b"fine text " + os.urandom(8).hex().encode()
    response = portal.post("/portal/new/incident", data={
        "subject": "Keep this subject", "impact": "low", "urgency": "low",
        "attachment": [(io.BytesIO(accepted), "notes.txt"),
                       (io.BytesIO(b"not a pdf"), "fake.pdf")],
    }, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and _tickets() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
    assert "&#39;fake.pdf&#39; does not look like application/pdf" in html and 'value="Keep this subject"' in html
    stored = [p.read_bytes() for p in (Path(app.config["DATA_DIR"]) / "attachments").rglob("*") if p.is_file()]
    assert accepted not in stored  # the accepted file is not left behind either


def test_the_form_offers_several_files_with_the_limits(portal):
    html = portal.get("/portal/new/incident").get_data(as_text=True)
    assert 'name="attachment" type="file"' in html.replace('multiple ', "") and "multiple" in html
    assert "up to 10 files" in html
