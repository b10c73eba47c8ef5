"""Calendars, policies and their versions, the shipped defaults, the named rebuild after an admin edit
(with its preview), and the read helpers the UI and API build on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.core.actors import SYSTEM
from app.core.errors import Conflict, ValidationFailed
from app.extensions import db
from app.sla import jobs, queries
from app.sla.business_hours import Calendar
from app.sla.models import BusinessCalendar, SlaPolicy, SlaPolicyVersion
from app.sla.models import SlaEventKind as K
from app.sla.models import SlaTarget as T
from app.sla.operations import (
    BUSINESS_DAY_MINUTES,
    add_holidays,
    calendar_for,
    create_calendar,
    create_policy,
    delete_calendar,
    ensure_default_policies,
    preview_recompute,
    recompute_open_tickets,
    update_calendar,
    update_policy,
)
from app.sla.operations.calendars import to_calendar
from app.tickets import operations as ops
from app.tickets.models import Status, Ticket

from .conftest import berlin, clock_of, events


def test_init_ships_the_product_defaults_once(app, policies):
    rows = queries.policies()
    assert [(p.name, v.conditions, v.calendar.name, v.acknowledge_minutes, v.first_response_minutes,
             v.resolution_minutes, v.warning_percent) for p, v in rows] == [
        ("P1 critical", {"priorities": ["P1"]}, "24x7", 5, 15, 240, 75),
        ("P2 high", {"priorities": ["P2"]}, "Business hours", 15, 30, 9 * 60, 75),
        ("P3 medium", {"priorities": ["P3"]}, "Business hours", 60, 120, 27 * 60, 75),
        ("P4 low", {"priorities": ["P4"]}, "Business hours", 240, 360, 45 * 60, 75),
    ]
    assert BUSINESS_DAY_MINUTES == 9 * 60
    assert [p.name for p, _v in rows if p.is_default] == ["P3 medium"]
    office = db.session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.name == "Business hours"))
    assert office.timezone == "Europe/Berlin" and office.weekly_hours["0"] == "08:00-17:00"
    assert office.weekly_hours["5"] == "" and calendar_for(office).is_always is False
    assert calendar_for(rows[0][1].calendar).is_always
    # again: nothing new, nothing changed
    assert ensure_default_policies("Europe/Berlin") == []
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SlaPolicy)) == 4
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BusinessCalendar)) == 2


def test_an_edit_writes_a_new_immutable_version_and_open_tickets_move_only_on_the_rebuild(
        policies, new_ticket, agent, clock):
    ticket = new_ticket("P3")
    clock.shift(timedelta(minutes=10))
    version = update_policy(policies["P3"], agent, targets={"first_response": 60}, note="faster replies")
    db.session.commit()
    assert version.number == 2 and version.change_note == "faster replies" and version.created_by_id == agent.id
    assert version.resolution_minutes == 27 * 60  # what was not edited is carried over
    assert policies["P3"].current_version == 2
    assert [v.number for v in queries.policy_versions(policies["P3"])] == [2, 1]
    first = clock_of(ticket, T.first_response)
    assert first.target_minutes == 120 and first.policy_version.number == 1  # the snapshot holds

    old = db.session.scalar(sa.select(SlaPolicyVersion).where(SlaPolicyVersion.policy_id == policies["P3"].id,
                                                              SlaPolicyVersion.number == 1))
    old.first_response_minutes = 5
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()

    assert [(c.ticket_id, c.target, c.new_due_at) for c in preview_recompute(
        policy=policies["P3"], content_changes={"targets": {"first_response": 60}})] \
        == [(ticket.id, T.first_response, berlin(2025, 3, 3, 10, 0))]
    assert clock_of(ticket, T.first_response).due_at == berlin(2025, 3, 3, 11, 0)  # a preview writes nothing

    assert recompute_open_tickets(policy=policies["P3"], actor=agent, reason="faster replies") == 1
    db.session.commit()
    first = clock_of(ticket, T.first_response)
    assert first.policy_version.number == 2 and first.due_at == berlin(2025, 3, 3, 10, 0)
    moved = events(ticket, K.policy_changed)[-1]
    assert moved.reason.startswith("policy 'P3 medium' changed (v2): faster replies")
    assert moved.details["from"]["version"] == 1 and moved.details["to"]["version"] == 2
    assert queries.sla_state(new_ticket("P3")).policy_version.number == 2
    audit = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("sla.%"))).all()
    assert "sla.policy_changed" in audit


def test_a_calendar_edit_is_previewed_then_applied_by_the_rebuild(policies, new_ticket, clock):
    ticket = new_ticket("P3")  # resolution 27 business hours from Monday 09:00 -> Thursday 09:00
    assert clock_of(ticket, T.resolution).due_at == berlin(2025, 3, 6, 9, 0)
    office = db.session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.name == "Business hours"))
    new_hours = to_calendar(office)
    with_holiday = Calendar(new_hours.tz, new_hours.weekly, {date(2025, 3, 4): "Carnival"}, new_hours.name)
    preview = {(c.target, c.new_due_at) for c in preview_recompute(calendar=office, new_calendar=with_holiday)}
    assert (T.resolution, berlin(2025, 3, 7, 9, 0)) in preview

    assert add_holidays(office, {date(2025, 3, 4): "Carnival"}, SYSTEM) == ["holidays"]
    assert office.version == 2
    db.session.commit()
    assert clock_of(ticket, T.resolution).due_at == berlin(2025, 3, 6, 9, 0)  # not until the rebuild
    assert jobs.recompute_in_batches(calendar=office, reason="Carnival") == 1
    resolution = clock_of(ticket, T.resolution)
    assert resolution.due_at == berlin(2025, 3, 7, 9, 0)
    recomputed = events(ticket, K.recomputed, T.resolution)
    assert recomputed[-1].reason == "calendar 'Business hours' changed (v2): Carnival"
    entries = queries.explain_target(resolution, now=berlin(2025, 3, 5, 9, 0)).entries
    assert any(e.reason == "holiday: Carnival" for e in entries)

    # a holiday beyond every due date moves nothing, and the rebuild writes nothing
    add_holidays(office, {date(2025, 12, 25): "Christmas Day"}, SYSTEM)
    updated_at = resolution.updated_at
    assert recompute_open_tickets(calendar=office) == 0
    db.session.commit()
    assert len(events(ticket, K.recomputed)) == len(recomputed)
    assert clock_of(ticket, T.resolution).updated_at == updated_at
    # replacing the list: one removed, one renamed
    assert update_calendar(office, SYSTEM, holidays={date(2025, 12, 25): "Christmas"}) == ["holidays"]
    db.session.commit()
    assert {h.day: h.name for h in office.holidays} == {date(2025, 12, 25): "Christmas"} and office.version == 4


def test_tickets_opened_before_any_policy_existed_are_adopted_by_the_rebuild(app, new_ticket, agent, clock):
    ticket = new_ticket("P2")
    state = queries.sla_state(ticket)
    assert state.policy_version is None and "no SLA policy applies" in state.match_reason
    assert queries.sla_summary(ticket) == {}
    clock.shift(timedelta(hours=1))
    ensure_default_policies("Europe/Berlin")
    assert recompute_open_tickets(actor=agent) == 1
    db.session.commit()
    assert clock_of(ticket, T.acknowledge).met_at is None  # the admin's rebuild is no staff action on it
    first = clock_of(ticket, T.first_response)
    assert first.started_at == berlin(2025, 3, 3, 10, 0) and first.due_at == berlin(2025, 3, 3, 10, 30)


def test_deactivating_the_only_matching_policy_moves_tickets_to_the_default_on_rebuild(policies, new_ticket):
    ticket = new_ticket("P4")
    update_policy(policies["P4"], SYSTEM, is_active=False)
    recompute_open_tickets(policy=policies["P4"])
    db.session.commit()
    assert queries.sla_state(ticket).policy_version.policy.name == "P3 medium"
    assert clock_of(ticket, T.first_response).target_minutes == 120


def test_admin_input_is_checked(policies):
    office = db.session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.name == "Business hours"))
    for kwargs in ({"weekly_hours": {0: "17:00-08:00"}}, {"weekly_hours": {7: "08:00-17:00"}},
                   {"weekly_hours": {}}, {"timezone": "Mars/Olympus"}, {"name": "24x7"}):
        with pytest.raises(ValidationFailed):
            update_calendar(office, SYSTEM, **kwargs)
    with pytest.raises(ValidationFailed):
        create_calendar("Night shift", "Europe/Berlin", {0: "22:00-06:00"})
    night = create_calendar("Night shift", "Europe/Berlin", {0: "22:00-24:00", 1: "00:00-06:00"})
    assert night.weekly_hours["0"] == "22:00-24:00"
    for kwargs in ({"targets": {"resolution": 0}}, {"targets": {"lunch": 5}}, {"warning_percent": 150},
                   {"conditions": {"priorities": ["P9"]}}, {"breach_actions": [{"type": "sms"}]}, {"colour": "red"}):
        with pytest.raises(ValidationFailed):
            update_policy(policies["P1"], SYSTEM, **kwargs)
    with pytest.raises(ValidationFailed):
        create_policy("P1 critical", SYSTEM, calendar=office, targets={})
    with pytest.raises(Conflict):
        delete_calendar(office, SYSTEM)
    assert update_policy(policies["P1"], SYSTEM, targets={"acknowledge": 5}) is None  # no change, no version
    db.session.commit()
    assert [v.number for v in queries.policy_versions(policies["P1"])] == [1]


def test_queue_helpers_about_to_breach_and_breached_this_week(policies, new_ticket, agent, team, clock):
    soon, later = new_ticket("P1"), new_ticket("P4")
    ops.add_comment(soon, agent, "On it")  # meets acknowledge and first response of the P1
    db.session.commit()
    # the P1's next live deadline is its resolution (13:00); the P4's is its acknowledge (13:00 too) ...
    ordered = db.session.scalars(sa.select(Ticket.id).order_by(queries.next_due_at().asc().nulls_last(),
                                                               Ticket.id.desc())).all()
    assert ordered == [later.id, soon.id]
    summaries = queries.sla_summaries([soon.id, later.id])
    assert summaries[soon.id]["acknowledge"]["state"] == "met" and summaries[later.id]["resolution"]["state"] == "ok"

    clock.shift(timedelta(hours=3, minutes=30))
    close = queries.about_to_breach(timedelta(hours=1))
    assert [(c.ticket_id, c.target) for c, _t in close] == [(soon.id, T.resolution), (later.id, T.acknowledge)]
    assert queries.about_to_breach(timedelta(hours=1), team_ids=[team.id + 1]) == []

    clock.shift(timedelta(hours=1))
    jobs.check_sla_deadlines()
    breached = queries.breached_this_week()
    assert [(e.ticket_id, e.target) for e, _t in breached] == [(later.id, T.acknowledge), (soon.id, T.resolution)]
    clock.move_to(berlin(2025, 3, 10, 0, 30))  # next Monday: a new week
    assert queries.breached_this_week() == []
    ops.transition_ticket(later, Status.in_progress, agent)
    db.session.commit()
    assert [e.kind for e in queries.sla_events(later)][:2] == [K.policy_changed, K.started]
