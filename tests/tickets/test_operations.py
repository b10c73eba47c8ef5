from __future__ import annotations

import pytest

from app.catalog.models import Criticality, Service
from app.core.actors import SYSTEM
from app.core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from app.extensions import db
from app.tickets import operations as ops
from app.tickets import queries
from app.tickets.labels import event_reason, priority_explanation
from app.tickets.models import Channel, Comment, EventKind, Level, Priority, Status, TicketType
from app.users.models import Role


@pytest.fixture
def agent(make_user, team):
    return make_user(Role.agent, teams=[team])


@pytest.fixture
def requester(make_user):
    return make_user(Role.requester, department="Finance")


def test_requester_opens_ticket_with_priority_from_matrix_and_history(requester):
    ticket = ops.create_ticket(requester, subject="  Printer on fire ", description="Smoke!",
                               impact=Level.high, urgency=Level.medium)
    db.session.commit()
    assert ticket.subject == "Printer on fire"
    assert ticket.status is Status.new
    assert ticket.priority is Priority.p2
    assert priority_explanation(ticket) == "impact high × urgency medium → P2"
    kinds = [e.kind for e in queries.history_for(ticket, requester)]
    assert kinds[0] is EventKind.created


def test_critical_service_and_vip_raise_priority_and_explain_why(make_user, team):
    vip = make_user(Role.requester, is_vip=True)
    erp = Service(name="ERP", criticality=Criticality.critical, default_team=team)
    db.session.add(erp)
    ticket = ops.create_ticket(vip, subject="ERP slow", service=erp, impact=Level.medium, urgency=Level.low)
    db.session.commit()
    # P4 by the matrix, P3 for the critical service, P2 for the VIP.
    assert ticket.priority is Priority.p2
    assert "business-critical" in priority_explanation(ticket) and "VIP" in priority_explanation(ticket)
    assert ticket.team == team  # routed to the service's default team, with the reason recorded
    team_events = [e for e in queries.history_for(ticket, vip) if e.field == "team"]
    assert team_events and event_reason(team_events[0]) == "default team of service “ERP”"


def test_agent_logs_phone_call_for_requester(agent, requester):
    ticket = ops.create_ticket(agent, subject="Cannot log in", requester=requester, channel=Channel.phone)
    assert ticket.requester == requester and ticket.created_by_id == agent.id
    assert ticket.channel is Channel.phone


def test_requester_cannot_open_ticket_for_someone_else(requester, make_user):
    other = make_user(Role.requester)
    with pytest.raises(PermissionDenied):
        ops.create_ticket(requester, subject="x", requester=other)


@pytest.mark.parametrize("subject", ["", "   ", "x" * 251])
def test_bad_subject_is_refused(requester, subject):
    with pytest.raises(ValidationFailed):
        ops.create_ticket(requester, subject=subject)


@pytest.mark.parametrize(("body", "message"), [("   ", "The message must not be empty."),
                                              ("x" * 100_001, "The message is longer than 100000 characters.")])
def test_bad_reply_is_refused_with_a_message_naming_the_field(requester, body, message):
    t = ops.create_ticket(requester, subject="VPN down")
    with pytest.raises(ValidationFailed) as refused:
        ops.add_comment(t, requester, body)
    assert refused.value.message == message
    assert refused.value.details == {"field": "body"}
    assert db.session.query(Comment).filter_by(ticket_id=t.id).count() == 0


def test_lifecycle_happy_path_with_validation_and_reopen(agent, requester):
    t = ops.create_ticket(requester, subject="VPN down")
    ops.transition_ticket(t, Status.triage, agent)
    ops.transition_ticket(t, Status.in_progress, agent)
    ops.transition_ticket(t, Status.awaiting_validation, agent)
    ops.transition_ticket(t, Status.resolved, requester)  # requester confirms the fix
    assert t.resolved_at is not None
    ops.transition_ticket(t, Status.in_progress, requester, reason="It broke again")
    assert t.reopen_count == 1 and t.resolved_at is None
    db.session.commit()


def test_disallowed_transition_says_what_is_allowed(agent, requester):
    t = ops.create_ticket(requester, subject="x")
    with pytest.raises(InvalidTransition) as err:
        ops.transition_ticket(t, Status.awaiting_validation, agent)
    assert "triage" in err.value.message
    assert t.status is Status.new


def test_requester_cannot_take_staff_steps(requester):
    t = ops.create_ticket(requester, subject="x")
    with pytest.raises(InvalidTransition):
        ops.transition_ticket(t, Status.resolved, requester)


def test_reject_needs_reason(agent, requester):
    t = ops.create_ticket(requester, subject="x")
    with pytest.raises(InvalidTransition):
        ops.transition_ticket(t, Status.rejected, agent, reason=" ")
    ops.transition_ticket(t, Status.rejected, agent, reason="Not an IT matter")
    assert t.status is Status.rejected


def test_requester_reply_resumes_work_when_awaiting_requester(agent, requester):
    t = ops.create_ticket(requester, subject="x")
    ops.transition_ticket(t, Status.in_progress, agent)
    ops.transition_ticket(t, Status.awaiting_requester, agent)
    ops.add_comment(t, requester, "Here is the screenshot")
    assert t.status is Status.in_progress


def test_first_public_staff_reply_sets_first_response_but_note_does_not(agent, requester):
    t = ops.create_ticket(requester, subject="x")
    ops.add_comment(t, agent, "Looking into it", internal=True)
    assert t.first_response_at is None
    ops.add_comment(t, agent, "We are on it")
    assert t.first_response_at is not None


def test_internal_notes_never_reach_requester(agent, requester):
    t = ops.create_ticket(requester, subject="x")
    ops.add_comment(t, agent, "secret: the root password is hunter2", internal=True)
    ops.add_comment(t, agent, "public answer")
    db.session.commit()
    assert [c.body for c in queries.comments_for(t, requester)] == ["public answer"]
    assert all(not e.is_internal for e in queries.history_for(t, requester))
    assert len(queries.comments_for(t, agent)) == 2


def test_requester_cannot_write_internal_note(requester):
    t = ops.create_ticket(requester, subject="x")
    with pytest.raises(PermissionDenied):
        ops.add_comment(t, requester, "hi", internal=True)


def test_update_records_old_and_new_and_recomputes_priority(agent, requester):
    t = ops.create_ticket(requester, subject="x", impact=Level.low, urgency=Level.low)
    changed = ops.update_ticket(t, agent, impact=Level.high, urgency=Level.high, assignee=agent)
    assert changed["priority"] == ("P4", "P1")
    events = {e.field: e for e in queries.history_for(t, agent) if e.kind is EventKind.field_changed}
    assert events["impact"].old_value == "low" and events["impact"].new_value == "high"
    assert events["assignee"].new_value == agent.name


def test_priority_override_needs_reason(agent, requester):
    t = ops.create_ticket(requester, subject="x")
    with pytest.raises(ValidationFailed):
        ops.update_ticket(t, agent, priority=Priority.p1)
    ops.update_ticket(t, agent, priority=Priority.p1, reason="CEO's laptop")
    assert t.priority is Priority.p1 and "CEO's laptop" in t.priority_reason


def test_link_incident_to_problem(agent, requester):
    incident = ops.create_ticket(requester, subject="Mail slow")
    problem = ops.create_ticket(agent, subject="Mail server disk", type=TicketType.problem)
    ops.link_problem(incident, problem, agent)
    assert incident.problem == problem
    assert queries.related_incidents(problem, agent) == [incident]
    with pytest.raises(ValidationFailed):
        ops.link_problem(problem, incident, agent)


def test_merge_moves_comments_and_closes_duplicate(agent, requester, make_user):
    other = make_user(Role.requester)
    target = ops.create_ticket(requester, subject="Wifi down in B2")
    dup = ops.create_ticket(other, subject="No wifi")
    ops.add_comment(dup, other, "Since 9am")
    ops.merge_tickets(dup, target, agent)
    db.session.commit()
    assert dup.status is Status.closed and dup.merged_into == target
    assert [c.body for c in queries.comments_for(target, agent)] == ["Since 9am"]
    assert other in target.watchers
    with pytest.raises(Conflict):
        ops.merge_tickets(dup, target, agent)


def test_csat_only_by_requester_after_resolution(agent, requester):
    t = ops.create_ticket(requester, subject="x")
    with pytest.raises(Conflict):
        ops.rate_ticket(t, requester, 5)
    ops.transition_ticket(t, Status.resolved, agent)
    with pytest.raises(PermissionDenied):
        ops.rate_ticket(t, agent, 5)
    with pytest.raises(ValidationFailed):
        ops.rate_ticket(t, requester, 6)
    ops.rate_ticket(t, requester, 4, "quick, thanks")
    assert t.csat_score == 4


def test_closed_ticket_takes_no_more_comments(agent, requester):
    t = ops.create_ticket(requester, subject="x")
    ops.transition_ticket(t, Status.resolved, agent)
    ops.transition_ticket(t, Status.closed, SYSTEM)
    with pytest.raises(Conflict):
        ops.add_comment(t, requester, "hello?")


def test_html_is_stored_as_text(requester):
    t = ops.create_ticket(requester, subject="<script>alert(1)</script>", description="<b>x</b>")
    db.session.commit()
    db.session.expire_all()
    assert t.subject == "<script>alert(1)</script>"


def test_bulk_update_changes_what_it_can_and_reports_the_rest(agent, requester):
    a = ops.create_ticket(requester, subject="a")
    b = ops.create_ticket(requester, subject="b")
    ops.transition_ticket(b, Status.resolved, agent)
    errors = ops.bulk_update([a, b], agent, status=Status.triage, assignee=agent)
    db.session.commit()
    assert a.status is Status.triage and a.assignee == agent
    assert list(errors) == [b.id] and "resolved" in errors[b.id]
    assert b.status is Status.resolved and b.assignee is None  # rolled back as a whole
