"""Machine-made reasons in the history and the priority explanation are stored as codes with parameters
and worded when shown, in the reader's language (pages and API); what people type is shown as typed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.catalog.models import Criticality, Service
from app.core.actors import SYSTEM
from app.core.clock import utcnow
from app.extensions import db
from app.tickets import operations as ops
from app.tickets.jobs import close_resolved_tickets
from app.tickets.labels import event_reason, priority_explanation, reason_text
from app.tickets.models import Channel, EventKind, Level, Priority, Status, Ticket, TicketEvent
from app.users.models import Role
from app.users.operations import create_api_token

from .test_views import text


@pytest.fixture
def agent(make_user, team):
    return make_user(Role.agent, teams=[team], name="Ann Agent")


@pytest.fixture
def german_agent(make_user, team):
    return make_user(Role.agent, teams=[team], name="Grete Agentin", language="de")


@pytest.fixture
def erp(team):
    service = Service(name="ERP", criticality=Criticality.critical, default_team=team)
    db.session.add(service)
    db.session.commit()
    return service


@pytest.fixture
def ticket(make_user, erp):
    """VIP requester, business-critical service: P4 by the matrix, raised twice to P2; team from the service."""
    vip = make_user(Role.requester, is_vip=True)
    t = ops.create_ticket(vip, subject="ERP slow", service=erp, impact=Level.medium, urgency=Level.low,
                          channel=Channel.phone)
    db.session.commit()
    return t


def events(ticket) -> list[TicketEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                   .order_by(TicketEvent.id)))


def test_create_stores_codes_with_parameters_not_sentences(ticket):
    created, priority, team = events(ticket)
    assert (created.kind, created.reason, created.reason_code, created.reason_params) == (
        EventKind.created, None, "created_via", {"channel": "phone"})
    assert (priority.field, priority.reason, priority.reason_code) == ("priority", None, "priority_matrix")
    assert priority.reason_params == {"impact": "medium", "urgency": "low", "priority": "P4", "raised": [
        {"cause": "business_critical_service", "priority": "P3", "service": "ERP"},
        {"cause": "vip_requester", "priority": "P2"}]}
    assert (team.field, team.reason, team.reason_code, team.reason_params) == (
        "team", None, "default_team", {"service": "ERP"})
    assert ticket.priority is Priority.p2
    assert (ticket.priority_reason_code, ticket.priority_reason) == ("priority_matrix", "")
    assert ticket.priority_reason_params == priority.reason_params


def test_reasons_read_in_english_by_default(ticket):
    assert [event_reason(e) for e in events(ticket)] == [
        "via Phone",
        "impact medium × urgency low → P4; raised to P3: service “ERP” is business-critical; "
        "raised to P2: requester is a VIP",
        "default team of service “ERP”",
    ]
    # the plain English that signals carry to the SLA ledger
    assert reason_text("created_via", {"channel": "walk_up"}, english=True) == "via walk_up"


def test_ticket_page_shows_history_and_priority_in_german_for_a_german_user(client, login, german_agent, ticket):
    page = text(login(client, german_agent).get(f"/tickets/{ticket.id}"))
    assert "Kanal: Telefon" in page
    explanation = ("Auswirkung mittel × Dringlichkeit niedrig → P4; auf P3 angehoben: Service „ERP“ ist "
                   "geschäftskritisch; auf P2 angehoben: Anfragender ist VIP")
    assert page.count(explanation) >= 2  # the history line and the priority shown with the ticket
    assert "Standardteam des Service „ERP“" in page
    assert "impact medium" not in page and "default team" not in page and "via Phone" not in page


def test_the_same_page_reads_in_english_for_an_english_user(client, login, agent, ticket):
    page = text(login(client, agent).get(f"/tickets/{ticket.id}"))
    assert "via Phone" in page and "default team of service “ERP”" in page
    assert "raised to P2: requester is a VIP" in page and "Kanal:" not in page


def test_override_keeps_the_typed_words_and_words_the_rest_per_reader(client, login, agent, german_agent, ticket):
    ops.update_ticket(ticket, agent, priority=Priority.p1, reason="CEO's laptop <b>now</b>")
    db.session.commit()
    assert (ticket.priority_reason_code, ticket.priority_reason_params) == ("priority_set_by", {"actor": "Ann Agent"})
    assert ticket.priority_reason == "CEO's laptop <b>now</b>"  # as typed
    assert priority_explanation(ticket) == "set by Ann Agent: CEO's laptop <b>now</b>"
    override = events(ticket)[-1]
    assert (override.reason, override.reason_code) == ("CEO's laptop <b>now</b>", None)
    page = text(login(client, german_agent).get(f"/tickets/{ticket.id}"))
    assert "festgelegt von Ann Agent: CEO&#39;s laptop &lt;b&gt;now&lt;/b&gt;" in page  # escaped, not rendered
    assert "Grund: CEO&#39;s laptop &lt;b&gt;now&lt;/b&gt;" in page


def test_recomputed_priority_is_a_code_again_after_a_field_change(agent, ticket):
    ops.update_ticket(ticket, agent, urgency=Level.high, reason="whole floor")
    db.session.commit()
    assert ticket.priority is Priority.p1 and ticket.priority_reason_code == "priority_matrix"
    assert ticket.priority_reason == ""
    recomputed = events(ticket)[-1]
    assert (recomputed.field, recomputed.reason, recomputed.reason_code) == ("priority", None, "priority_matrix")
    assert recomputed.reason_params["raised"][0] == {
        "cause": "business_critical_service", "priority": "P1", "service": "ERP"}


def test_requester_reply_reopens_work_with_a_coded_reason(client, login, agent, german_agent, ticket):
    ops.transition_ticket(ticket, Status.awaiting_requester, agent)
    ops.add_comment(ticket, ticket.requester, "Here is the screenshot.")
    db.session.commit()
    step = events(ticket)[-1]
    assert (step.kind, step.new_value, step.reason, step.reason_code, step.reason_params) == (
        EventKind.status_changed, "in_progress", None, "requester_replied", {})
    assert "Grund: Anfragender hat geantwortet" in text(login(client, german_agent).get(f"/tickets/{ticket.id}"))


def test_auto_close_job_records_the_days_as_a_parameter(app, client, login, german_agent, ticket):
    ticket.status, ticket.resolved_at = Status.resolved, utcnow() - timedelta(days=8)
    db.session.commit()
    assert close_resolved_tickets() == 1
    step = events(ticket)[-1]
    days = app.config["AUTO_CLOSE_RESOLVED_AFTER_DAYS"]
    assert (step.new_value, step.reason, step.reason_code, step.reason_params) == (
        "closed", None, "auto_closed", {"days": days})
    assert event_reason(step) == f"resolved {days} days ago without objection"
    assert reason_text("auto_closed", {"days": 1}) == "resolved 1 day ago without objection"
    page = text(login(client, german_agent).get(f"/tickets/{ticket.id}"))
    assert f"vor {days} Tagen ohne Einwand gelöst" in page


def test_merge_without_words_is_coded_and_with_words_keeps_them(agent, ticket, make_user):
    requester = ticket.requester
    first = ops.create_ticket(requester, subject="ERP slow too")
    second = ops.create_ticket(requester, subject="ERP slow again")
    ops.merge_tickets(first, ticket, agent)
    ops.merge_tickets(second, ticket, agent, reason="same outage")
    db.session.commit()
    merged = [e for e in events(first) if e.kind in (EventKind.merged, EventKind.status_changed)]
    assert {(e.reason, e.reason_code, e.reason_params["ticket"]) for e in merged} == {
        (None, "duplicate_of", ticket.reference)}
    assert event_reason(merged[0]) == f"duplicate of {ticket.reference}"
    typed = [e for e in events(second) if e.kind is EventKind.merged]
    assert [(e.reason, e.reason_code) for e in typed] == [("same outage", None)]


def test_unknown_codes_and_old_sentences_still_show_something(agent, ticket):
    future = TicketEvent(ticket_id=ticket.id, kind=EventKind.field_changed, field="team", reason_code="from_the_future",
                         reason_params={"x": 1}, created_at=utcnow())
    broken = TicketEvent(ticket_id=ticket.id, kind=EventKind.created, reason_code="created_via", reason_params={},
                         created_at=utcnow())
    damaged = TicketEvent(ticket_id=ticket.id, kind=EventKind.field_changed, field="priority",
                          reason_code="priority_matrix", reason_params=["not", "a", "dict"], created_at=utcnow())
    legacy = TicketEvent(ticket_id=ticket.id, kind=EventKind.created, reason="via the old importer",
                         created_at=utcnow())
    assert [event_reason(e) for e in (future, broken, damaged, legacy)] == [
        "from_the_future", "created_via", "priority_matrix", "via the old importer"]
    old = Ticket(priority_reason="impact high × urgency high → P1")  # a row no migration understood
    assert priority_explanation(old) == "impact high × urgency high → P1"


def _token(user) -> str:
    _row, plaintext = create_api_token(user, user)
    db.session.commit()
    return plaintext


def test_api_history_gives_codes_params_and_words_in_the_request_language(client, agent, ticket):
    headers = {"Authorization": f"Bearer {_token(agent)}", "Accept-Language": "de-DE,de;q=0.9"}
    history = client.get(f"/api/v1/tickets/{ticket.id}/history", headers=headers).get_json()
    created, priority, team = history
    assert (created["reason_code"], created["reason_params"], created["reason"]) == (
        "created_via", {"channel": "phone"}, "Kanal: Telefon")
    assert priority["reason_code"] == "priority_matrix" and priority["reason_params"]["priority"] == "P4"
    assert priority["reason"].startswith("Auswirkung mittel × Dringlichkeit niedrig → P4; auf P3 angehoben")
    assert (team["reason_code"], team["reason"]) == ("default_team", "Standardteam des Service „ERP“")

    english = client.get(f"/api/v1/tickets/{ticket.id}/history",
                         headers={"Authorization": headers["Authorization"]}).get_json()
    assert english[0]["reason"] == "via Phone" and english[0]["reason_code"] == "created_via"


def test_api_ticket_gives_the_priority_explanation_as_code_and_words(client, agent, ticket):
    auth = {"Authorization": f"Bearer {_token(agent)}"}
    body = client.get(f"/api/v1/tickets/{ticket.id}", headers={**auth, "Accept-Language": "de"}).get_json()
    assert body["priority_reason_code"] == "priority_matrix"
    assert body["priority_reason_params"]["raised"][1] == {"cause": "vip_requester", "priority": "P2"}
    assert body["priority_reason"].endswith("auf P2 angehoben: Anfragender ist VIP")
    patched = client.patch(f"/api/v1/tickets/{ticket.id}", headers=auth,
                           json={"priority": "P1", "reason": "board meeting"}).get_json()
    assert (patched["priority_reason_code"], patched["priority_reason_params"], patched["priority_reason"]) == (
        "priority_set_by", {"actor": "Ann Agent"}, "set by Ann Agent: board meeting")
    history = client.get(f"/api/v1/tickets/{ticket.id}/history", headers=auth).get_json()
    assert (history[-1]["reason"], history[-1]["reason_code"], history[-1]["reason_params"]) == (
        "board meeting", None, None)


def test_an_override_by_the_system_names_it_in_the_reader_s_language(client, login, german_agent, ticket):
    ops.update_ticket(ticket, SYSTEM, priority=Priority.p1, reason="SLA breach")
    db.session.commit()
    assert ticket.priority_reason_params == {"actor": None}
    assert priority_explanation(ticket) == "set by System: SLA breach"
    assert "festgelegt von System: SLA breach" in text(login(client, german_agent).get(f"/tickets/{ticket.id}"))
