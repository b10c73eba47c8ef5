"""The SLA job: warnings and breaches found through the due columns, acted on and recorded once, with
outbox rows written in the same transaction and sent to a real SMTP sink / HTTP receiver."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.actors import SYSTEM
from app.core.clock import utcnow
from app.extensions import db
from app.notifications import jobs as delivery
from app.notifications.models import Delivery
from app.sla import jobs, queries
from app.sla.models import BusinessCalendar, SlaClock, SlaEvent
from app.sla.models import SlaEventKind as K
from app.sla.models import SlaTarget as T
from app.sla.operations import recompute_ticket, update_calendar, update_policy, warn_clock
from app.tickets import operations as ops
from app.tickets.models import EventKind, Status, TicketEvent
from app.users.models import Team

from ..conftest import TEST_DB
from ..servers import http_receiver, smtp_sink
from .conftest import berlin, clock_of, events


def deliveries(prefix: str = "sla:") -> list[Delivery]:
    return list(db.session.scalars(sa.select(Delivery).where(Delivery.idempotency_key.startswith(prefix))
                                   .order_by(Delivery.id)))


def test_warning_fires_at_75_percent_and_notifies_the_assignee(policies, new_ticket, agent, clock):
    ticket = new_ticket("P3", assignee=agent)  # acknowledge: 60 min -> warning at 45 min
    ack = clock_of(ticket, T.acknowledge)
    assert ack.warn_at == berlin(2025, 3, 3, 9, 45)
    clock.shift(timedelta(minutes=44, seconds=59))
    assert jobs.check_sla_deadlines() == 0
    clock.shift(timedelta(seconds=1))
    assert jobs.check_sla_deadlines() == 1
    warned = events(ticket, K.warned)
    assert len(warned) == 1 and warned[0].target is T.acknowledge and warned[0].at == berlin(2025, 3, 3, 9, 45)
    assert warned[0].details["actions"] == [{"type": "notify", "to": ["ann@example.org"]}]
    [mail] = deliveries()
    assert mail.recipient == "ann@example.org" and mail.idempotency_key == f"sla:{ack.id}:warning:ann@example.org"
    assert mail.ticket_id == ticket.id and "SLA warning: acknowledgement due 2025-03-03 10:00 CET" in mail.subject
    assert queries.sla_summary(ticket)["acknowledge"]["state"] == "warning"


def test_breach_is_recorded_at_the_due_time_and_notifies_assignee_and_team_leads(policies, new_ticket, agent,
                                                                                lead, clock):
    ticket = new_ticket("P3", assignee=agent)
    clock.shift(timedelta(minutes=61))
    assert jobs.check_sla_deadlines() == 2  # acknowledge: its warning, then its breach
    ack = clock_of(ticket, T.acknowledge)
    assert ack.breached_at == ack.due_at == berlin(2025, 3, 3, 10, 0)
    [breach] = events(ticket, K.breached)
    assert breach.at == ack.due_at and breach.details["recorded_at"] == berlin(2025, 3, 3, 10, 1).isoformat()
    assert breach.details["actions"] == [{"type": "notify", "to": ["ann@example.org", "lena@example.org"]}]
    assert {d.idempotency_key for d in deliveries(f"sla:{ack.id}:breach")} == {
        f"sla:{ack.id}:breach:ann@example.org", f"sla:{ack.id}:breach:lena@example.org"}
    assert queries.sla_summary(ticket)["acknowledge"]["state"] == "breached"


def test_an_unassigned_ticket_warns_its_team(policies, new_ticket, team, clock):
    team.email = "servicedesk@example.org"
    db.session.commit()
    new_ticket("P3")
    clock.shift(timedelta(minutes=45))
    jobs.check_sla_deadlines()
    assert [d.recipient for d in deliveries()] == ["servicedesk@example.org"]


def test_reruns_do_nothing_twice(policies, new_ticket, agent, clock):
    new_ticket("P3", assignee=agent)
    clock.shift(timedelta(minutes=61))
    assert jobs.check_sla_deadlines() == 2
    outbox = len(deliveries())
    for _ in range(3):
        assert jobs.check_sla_deadlines() == 0
    clock.shift(timedelta(minutes=1))
    assert jobs.check_sla_deadlines() == 0
    assert len(deliveries()) == outbox
    kinds = db.session.execute(sa.select(SlaEvent.clock_id, SlaEvent.kind, sa.func.count())
                               .where(SlaEvent.kind.in_([K.warned, K.breached]))
                               .group_by(SlaEvent.clock_id, SlaEvent.kind)).all()
    assert kinds and all(count == 1 for _clock, _kind, count in kinds)


def test_after_an_hour_of_outage_everything_missed_is_processed_once(policies, new_ticket, agent, clock):
    p1 = new_ticket("P1", assignee=agent)  # 24x7: acknowledge 5 min, first response 15 min, resolution 4 h
    p3 = new_ticket("P3", assignee=agent)  # acknowledge 60 min (warning at 45), first response 120 (at 90)
    clock.shift(timedelta(hours=1))  # the service was down: no job ran
    assert jobs.check_sla_deadlines(batch=2) == 6  # small batches: several commits
    assert jobs.check_sla_deadlines() == 0
    per_target = {(e.ticket_id, e.target, e.kind) for e in db.session.scalars(sa.select(SlaEvent))
                  if e.kind in (K.warned, K.breached)}
    assert per_target == {
        (p1.id, T.acknowledge, K.warned), (p1.id, T.acknowledge, K.breached),
        (p1.id, T.first_response, K.warned), (p1.id, T.first_response, K.breached),
        (p3.id, T.acknowledge, K.warned), (p3.id, T.acknowledge, K.breached),
    }
    assert len(events(p1, K.warned)) == 2 and len(events(p1, K.breached)) == 2
    # recorded at the instants they were due, not when the job finally ran
    assert [e.at for e in events(p1, K.breached)] == [berlin(2025, 3, 3, 9, 5), berlin(2025, 3, 3, 9, 15)]
    assert len(deliveries()) == 6 and clock_of(p1, T.resolution).warned_at is None


def test_outbox_rows_are_written_with_the_ledger_and_sent_once_through_smtp(app, policies, new_ticket, agent,
                                                                           clock):
    ticket = new_ticket("P1", assignee=agent)
    with smtp_sink() as (port, received):
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
        try:
            clock.shift(timedelta(minutes=12))  # acknowledge warned and breached, first response warned
            jobs.check_sla_deadlines()
            for event in events(ticket, K.warned) + events(ticket, K.breached):
                stage = "warning" if event.kind is K.warned else "breach"
                assert [d.recipient for d in deliveries(f"sla:{event.clock_id}:{stage}:")] == ["ann@example.org"]
            assert delivery.deliver_due() == 3 and delivery.deliver_due() == 0
            jobs.check_sla_deadlines()
            assert delivery.deliver_due() == 0
        finally:
            app.config.update(SMTP_HOST="", SMTP_PORT=25)
    subjects = sorted(" ".join(m["Subject"].split()) for m in received)  # unfolded
    assert len(received) == 3 and all(m["To"] == "ann@example.org" for m in received)
    assert subjects == [
        f"[#{ticket.id}] SLA breached: acknowledgement was due 2025-03-03 09:05 CET - P1 trouble",
        f"[#{ticket.id}] SLA warning: acknowledgement due 2025-03-03 09:05 CET - P1 trouble",
        f"[#{ticket.id}] SLA warning: first response due 2025-03-03 09:15 CET - P1 trouble",
    ]
    assert f"/tickets/{ticket.id}" in received[0].get_payload(decode=True).decode()


def test_nothing_is_recorded_or_queued_when_the_unit_of_work_rolls_back(policies, new_ticket, agent, clock):
    ticket = new_ticket("P3", assignee=agent)
    clock.shift(timedelta(minutes=45))
    assert warn_clock(clock_of(ticket, T.acknowledge), utcnow())  # what the job does for one row
    assert events(ticket, K.warned) and deliveries()
    db.session.rollback()  # ... had the commit failed
    assert not events(ticket, K.warned) and not deliveries()
    assert jobs.check_sla_deadlines() == 1 and len(deliveries()) == 1


def test_breach_can_raise_priority_and_reassign_recording_what_it_did(policies, new_ticket, agent, make_user,
                                                                     clock):
    escalation = Team(name="Second Level", tier=2)
    db.session.add(escalation)
    db.session.commit()
    update_policy(policies["P3"], SYSTEM, breach_actions=[
        {"type": "raise_priority"}, {"type": "reassign", "team_id": escalation.id}], note="escalate")
    db.session.commit()
    ticket = new_ticket("P3", assignee=agent)
    clock.shift(timedelta(minutes=61))
    jobs.check_sla_deadlines()
    db.session.refresh(ticket)
    assert ticket.priority.value == "P2" and ticket.team_id == escalation.id and ticket.assignee_id is None
    [breach] = events(ticket, K.breached)
    assert breach.details["actions"] == [{"type": "raise_priority", "from": "P3", "to": "P2"},
                                         {"type": "reassign", "team": "Second Level"}]
    history = db.session.scalars(sa.select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.field_changed,
        TicketEvent.field.in_(["priority", "team"]), TicketEvent.actor_id.is_(None))).all()
    reasons = {e.field: e.reason for e in history if e.reason and e.reason.startswith("SLA")}
    assert reasons["priority"] == "SLA breach: acknowledgement overdue (policy 'P3 medium' v2)"
    assert "reassigned by policy 'P3 medium' v2" in reasons["team"]
    # the raised priority chose the P2 policy; the breached acknowledgement stays breached, once
    assert queries.sla_state(ticket).policy_version.policy.name == "P2 high"
    assert clock_of(ticket, T.acknowledge).breached_at == berlin(2025, 3, 3, 10, 0)
    jobs.check_sla_deadlines()
    assert len(events(ticket, K.breached, T.acknowledge)) == 1


def test_breach_webhook_carries_the_document_and_idempotency_key(policies, new_ticket, agent, clock):
    with http_receiver() as (url, received):
        update_policy(policies["P3"], SYSTEM, breach_actions=[{"type": "webhook", "url": url + "/sla"}])
        db.session.commit()
        ticket = new_ticket("P3", assignee=agent)
        clock.shift(timedelta(minutes=61))
        jobs.check_sla_deadlines()
        delivery.deliver_due()
    ack = clock_of(ticket, T.acknowledge)
    [request] = received
    assert request["headers"]["Idempotency-Key"] == f"sla:{ack.id}:breach:webhook:0"
    document = json.loads(request["body"])
    assert document["event"] == "sla.breach" and document["target"] == "acknowledge"
    assert document["ticket"]["id"] == ticket.id and document["policy"] == {
        "id": policies["P3"].id, "name": "P3 medium", "version": 2}


def test_a_met_or_paused_clock_never_warns_or_breaches(policies, new_ticket, agent, clock):
    ticket = new_ticket("P3", assignee=agent)
    ops.add_comment(ticket, agent, "On it")  # meets acknowledge and first response
    ops.transition_ticket(ticket, Status.awaiting_requester, agent)  # pauses resolution
    db.session.commit()
    clock.shift(timedelta(days=10))
    assert jobs.check_sla_deadlines() == 0
    assert not events(ticket, K.warned) and not events(ticket, K.breached)


def test_a_ticket_closed_behind_the_clocks_back_ends_its_clocks_instead_of_breaching(
        policies, new_ticket, agent, clock):
    duplicate, original = new_ticket("P3"), new_ticket("P3")
    duplicate.status = Status.closed  # closed without any status signal (e.g. a repair by hand in the database)
    db.session.commit()
    clock.shift(timedelta(hours=4))
    jobs.check_sla_deadlines()
    assert not events(duplicate, K.warned) and not events(duplicate, K.breached)
    assert clock_of(duplicate, T.acknowledge).stopped_at == berlin(2025, 3, 3, 9, 0)
    assert events(duplicate, K.stopped)[0].reason == "ticket is closed"
    assert events(original, K.breached)  # the original's clocks run on


@pytest.mark.skipif(TEST_DB != "postgresql", reason="row locks: PostgreSQL")
def test_rows_locked_by_another_process_are_skipped_not_waited_for(app, policies, new_ticket, agent, clock):
    ticket = new_ticket("P3", assignee=agent)
    clock.shift(timedelta(minutes=61))
    ack = clock_of(ticket, T.acknowledge)
    other = sa.create_engine(app.config["DATABASE_URL"], poolclass=sa.pool.NullPool)
    try:
        with other.connect() as conn:
            conn.execute(sa.text("SELECT id FROM sla_clock WHERE id = :id FOR UPDATE"), {"id": ack.id})
            assert jobs.check_sla_deadlines() == 0  # skipped while another process holds the row
            conn.rollback()
        assert jobs.check_sla_deadlines() == 2
    finally:
        other.dispose()


def test_the_rebuild_after_a_calendar_edit_stores_what_deriving_each_clock_gives(policies, new_ticket, agent,
                                                                               requester, clock):
    running, waiting, answered = new_ticket("P3"), new_ticket("P4"), new_ticket("P2", assignee=agent)
    clock.shift(timedelta(hours=2))
    ops.transition_ticket(waiting, Status.awaiting_requester, agent)  # pauses its clocks
    ops.add_comment(answered, agent, "Looking into it")  # meets acknowledge and first response
    db.session.commit()
    clock.shift(timedelta(hours=1))
    office = db.session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.name == "Business hours"))
    before = {c.id: c.due_at for c in db.session.scalars(sa.select(SlaClock))}
    hours = dict(office.weekly_hours)
    hours["0"] = "10:00-17:00"  # Mondays start two hours later: every running clock started Monday moves
    update_calendar(office, SYSTEM, weekly_hours=hours)
    db.session.commit()

    assert jobs.recompute_in_batches(calendar=office, reason="later start") == 2  # the paused one keeps no due
    db.session.expire_all()
    live = list(db.session.scalars(sa.select(SlaClock).where(SlaClock.met_at.is_(None))))
    assert {c.ticket_id for c in live if c.due_at != before[c.id]} == {running.id, answered.id}
    assert all(c.is_paused and c.due_at is None for c in live if c.ticket_id == waiting.id)
    assert len(events(waiting, K.recomputed)) == 0
    [moved] = events(answered, K.recomputed)
    assert moved.target is T.resolution and moved.reason == "calendar 'Business hours' changed (v2): later start"
    assert {c.used_seconds for c in live if c.ticket_id == waiting.id} == {3600}  # 10:00-11:00, was 2 h
    # The per-clock path (what every other trigger uses) finds nothing left to change.
    stored = {c.id: (c.due_at, c.warn_at, c.is_paused, c.used_seconds) for c in live}
    for ticket in (running, waiting, answered):
        assert recompute_ticket(ticket, SYSTEM, "check") == 0
    assert {c.id: (c.due_at, c.warn_at, c.is_paused, c.used_seconds) for c in live} == stored
    assert jobs.recompute_in_batches(calendar=office) == 0  # and a rerun moves nothing
