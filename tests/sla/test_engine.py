"""Per-ticket clocks driven by the ticket's signals, on a real database, with a controlled clock."""

from __future__ import annotations

from datetime import timedelta

from app.core.actors import SYSTEM
from app.extensions import db
from app.sla import queries
from app.sla.models import SlaEventKind as K
from app.sla.models import SlaTarget as T
from app.sla.operations import update_policy
from app.tickets import operations as ops
from app.tickets.models import Channel, Priority, Status

from .conftest import berlin, clock_of, events


def test_a_new_ticket_runs_under_the_first_matching_policy_with_the_reason_in_the_ledger(policies, new_ticket):
    ticket = new_ticket("P2")
    state = queries.sla_state(ticket)
    assert state.policy_version.policy.name == "P2 high" and state.policy_version.number == 1
    assert state.match_reason == "policy 'P2 high' (v1): priority is P2"
    choice = events(ticket, K.policy_changed)
    assert len(choice) == 1 and choice[0].reason == state.match_reason and choice[0].details["how"] == "rule"
    assert [e.target for e in events(ticket, K.started)] == [T.acknowledge, T.first_response, T.resolution]
    summary = queries.sla_summary(ticket)
    assert set(summary) == {"acknowledge", "first_response", "resolution"}
    assert summary["acknowledge"]["due_at"] == berlin(2025, 3, 3, 9, 15)
    assert summary["first_response"]["due_at"] == berlin(2025, 3, 3, 9, 30)
    # 1 business day = the calendar's 9 working hours: Monday 09:00 + 9 h -> Tuesday 09:00
    assert summary["resolution"]["due_at"] == berlin(2025, 3, 4, 9, 0)
    assert {s["state"] for s in summary.values()} == {"ok"}


def test_p1_runs_on_the_24x7_calendar_even_at_the_weekend(policies, new_ticket, clock):
    clock.move_to(berlin(2025, 3, 8, 22, 0))  # Saturday night
    ticket = new_ticket("P1")
    assert clock_of(ticket, T.resolution).due_at == berlin(2025, 3, 9, 2, 0)
    assert clock_of(ticket, T.first_response).warn_at == berlin(2025, 3, 8, 22, 11, 15)  # 75 % of 15 min


def test_the_default_policy_applies_when_no_rule_matches(policies, new_ticket):
    update_policy(policies["P4"], SYSTEM, is_active=False)
    db.session.commit()
    ticket = new_ticket("P4")
    state = queries.sla_state(ticket)
    assert state.policy_version.policy.name == "P3 medium"
    assert state.match_reason == "no policy's conditions matched: default policy 'P3 medium' (v1)"
    assert events(ticket, K.policy_changed)[0].details["how"] == "default"


def test_acknowledge_is_met_once_by_the_first_staff_action(policies, new_ticket, agent, clock):
    ticket = new_ticket("P3")
    clock.shift(timedelta(minutes=20))
    ops.update_ticket(ticket, agent, assignee=agent)
    db.session.commit()
    ack = clock_of(ticket, T.acknowledge)
    assert ack.met_at == berlin(2025, 3, 3, 9, 20) and ack.due_at == berlin(2025, 3, 3, 10, 0)
    clock.shift(timedelta(minutes=5))
    ops.add_comment(ticket, agent, "Looking into it", internal=True)
    ops.transition_ticket(ticket, Status.in_progress, agent)
    db.session.commit()
    met = events(ticket, K.met)
    assert [(e.target, e.reason) for e in met] == [(T.acknowledge, "assignee changed by Ann Agent")]
    assert clock_of(ticket, T.first_response).met_at is None  # an internal note is no response
    assert queries.sla_summary(ticket)["acknowledge"]["state"] == "met"


def test_system_changes_and_requester_replies_acknowledge_nothing(policies, new_ticket, requester):
    ticket = new_ticket("P3")
    ops.add_comment(ticket, requester, "Any news?")
    ops.add_watcher(ticket, requester, SYSTEM)
    db.session.commit()
    assert clock_of(ticket, T.acknowledge).met_at is None and not events(ticket, K.met)


def test_an_agent_logging_a_phone_call_acknowledges_it_at_once(policies, new_ticket, agent):
    ticket = new_ticket("P3", by=agent, channel=Channel.phone)
    ack = clock_of(ticket, T.acknowledge)
    assert ack.met_at == berlin(2025, 3, 3, 9, 0)
    assert events(ticket, K.met)[0].reason == "logged by Ann Agent for the requester"
    assert clock_of(ticket, T.first_response).is_live


def test_first_response_is_met_once_by_the_first_public_staff_reply(policies, new_ticket, agent, lead, clock):
    ticket = new_ticket("P3")
    clock.shift(timedelta(minutes=30))
    ops.add_comment(ticket, agent, "We are on it")
    clock.shift(timedelta(minutes=30))
    ops.add_comment(ticket, lead, "Update: still on it")
    db.session.commit()
    first = clock_of(ticket, T.first_response)
    assert first.met_at == berlin(2025, 3, 3, 9, 30) and first.breached_at is None
    assert len(events(ticket, K.met, T.first_response)) == 1
    assert first.used_seconds == 30 * 60


def test_awaiting_requester_pauses_all_clocks_across_the_weekend(policies, new_ticket, agent, requester, clock):
    clock.move_to(berlin(2025, 3, 7, 16, 0))  # Friday 16:00
    ticket = new_ticket("P3")
    clock.shift(timedelta(minutes=30))
    ops.transition_ticket(ticket, Status.awaiting_requester, agent)  # acknowledges, then pauses
    db.session.commit()
    first = clock_of(ticket, T.first_response)
    assert first.is_paused and first.due_at is None and first.used_seconds == 30 * 60
    summary = queries.sla_summary(ticket)
    assert summary["first_response"]["state"] == "paused" and summary["first_response"]["paused"] is True
    assert summary["first_response"]["remaining_seconds"] == 90 * 60

    clock.move_to(berlin(2025, 3, 10, 10, 0))  # Monday 10:00: the requester answers
    ops.add_comment(ticket, requester, "Here is the screenshot")  # moves the ticket back to in progress
    db.session.commit()
    assert ticket.status is Status.in_progress
    first = clock_of(ticket, T.first_response)
    assert not first.is_paused and first.due_at == berlin(2025, 3, 10, 11, 30)  # 90 min left from 10:00
    paused = events(ticket, K.paused, T.first_response)
    resumed = events(ticket, K.resumed, T.first_response)
    assert [(e.at, e.reason) for e in paused] == [(berlin(2025, 3, 7, 16, 30), "awaiting requester")]
    assert [(e.at, e.reason) for e in resumed] == [
        (berlin(2025, 3, 10, 10, 0), "no longer awaiting requester: requester replied")]
    timeline = queries.explain_target(first).entries
    assert [e.reason for e in timeline][:2] == ["counted", "paused 65 h 30 min awaiting requester"]
    # the requester's reply came while the first response was still owed: no next-response clock
    assert clock_of(ticket, T.next_response) is None


def test_awaiting_a_third_party_pauses_too(policies, new_ticket, agent, clock):
    ticket = new_ticket("P3")
    ops.transition_ticket(ticket, Status.in_progress, agent)
    ops.transition_ticket(ticket, Status.awaiting_third_party, agent)
    db.session.commit()
    resolution = clock_of(ticket, T.resolution)
    assert resolution.is_paused and resolution.due_at is None
    clock.shift(timedelta(hours=5))
    ops.transition_ticket(ticket, Status.in_progress, agent)
    db.session.commit()
    assert clock_of(ticket, T.resolution).due_at == berlin(2025, 3, 6, 14, 0)  # 27 business hours from 14:00
    assert [e.reason for e in events(ticket, K.paused, T.resolution)] == ["awaiting third party"]


def test_resolving_meets_resolution_and_a_reopen_resumes_it_with_the_time_used(policies, new_ticket, agent,
                                                                              requester, clock):
    ticket = new_ticket("P3")
    ops.transition_ticket(ticket, Status.in_progress, agent)
    clock.shift(timedelta(hours=2))
    ops.transition_ticket(ticket, Status.resolved, agent)
    db.session.commit()
    resolution = clock_of(ticket, T.resolution)
    assert resolution.met_at == berlin(2025, 3, 3, 11, 0) and resolution.used_seconds == 2 * 3600
    first = clock_of(ticket, T.first_response)
    assert first.stopped_at is not None and first.met_at is None  # resolved without a reply: ended, not met
    assert queries.sla_summary(ticket)["first_response"]["state"] == "stopped"

    clock.move_to(berlin(2025, 3, 4, 9, 0))  # next morning the requester says it is not fixed
    ops.transition_ticket(ticket, Status.in_progress, requester, reason="still broken")
    db.session.commit()
    resolution = clock_of(ticket, T.resolution)
    assert resolution.id == clock_of(ticket, T.resolution, cycle=1).id  # the same clock, not a fresh one
    assert resolution.met_at is None and resolution.is_live
    # 27 business hours, 2 used: 25 left from Tuesday 09:00 -> Thursday 16:00
    assert resolution.due_at == berlin(2025, 3, 6, 16, 0)
    assert events(ticket, K.resumed, T.resolution)[-1].reason == "reopened: still broken"
    clock.shift(timedelta(hours=1))
    ops.transition_ticket(ticket, Status.resolved, agent)
    db.session.commit()
    assert clock_of(ticket, T.resolution).used_seconds == 3 * 3600


def test_each_requester_reply_starts_a_next_response_clock_met_by_the_next_public_staff_reply(
        policies, new_ticket, agent, requester, clock):
    ticket = new_ticket("P3")
    ops.add_comment(ticket, agent, "Which printer?")
    clock.shift(timedelta(minutes=10))
    ops.add_comment(ticket, requester, "The one on floor 2")
    db.session.commit()
    first_cycle = clock_of(ticket, T.next_response)
    assert first_cycle.cycle == 1 and first_cycle.due_at == berlin(2025, 3, 3, 11, 10)  # 2 h, as first response

    clock.shift(timedelta(minutes=10))
    ops.add_comment(ticket, requester, "It says PC LOAD LETTER")  # still unanswered: the same clock runs
    clock.shift(timedelta(minutes=10))
    ops.add_comment(ticket, agent, "Internal: check the tray", internal=True)  # a note is no reply
    db.session.commit()
    assert clock_of(ticket, T.next_response).id == first_cycle.id and first_cycle.met_at is None

    clock.shift(timedelta(minutes=10))
    ops.add_comment(ticket, agent, "Please load letter paper")
    clock.shift(timedelta(minutes=10))
    ops.add_comment(ticket, requester, "Done, works")
    db.session.commit()
    assert first_cycle.met_at == berlin(2025, 3, 3, 9, 40)
    second = clock_of(ticket, T.next_response)
    assert second.cycle == 2 and second.started_at == berlin(2025, 3, 3, 9, 50) and second.is_live
    assert queries.sla_summary(ticket)["next_response"]["cycle"] == 2
    assert len(events(ticket, K.met, T.next_response)) == 1


def test_a_priority_change_chooses_the_policy_again_and_keeps_the_time_used(policies, new_ticket, agent, clock):
    ticket = new_ticket("P3")
    clock.shift(timedelta(minutes=20))
    ops.update_ticket(ticket, agent, priority=Priority.p2, reason="whole floor affected")
    db.session.commit()
    state = queries.sla_state(ticket)
    assert state.policy_version.policy.name == "P2 high"
    change = events(ticket, K.priority_changed)
    assert len(change) == 1 and change[0].details == {"old": "P3", "new": "P2"}
    moved = events(ticket, K.policy_changed)[-1]
    assert moved.reason == "priority changed: policy 'P2 high' (v1): priority is P2"
    assert moved.details["from"]["policy"] == "P3 medium" and moved.details["to"]["policy"] == "P2 high"
    first = clock_of(ticket, T.first_response)
    # 30 min under P2 from the start at 09:00 (the 20 min already used count): due 09:30
    assert first.target_minutes == 30 and first.due_at == berlin(2025, 3, 3, 9, 30)
    recomputed = events(ticket, K.recomputed, T.first_response)
    assert recomputed[0].details["old_due_at"] == berlin(2025, 3, 3, 11, 0).isoformat()
    assert recomputed[0].details["new_due_at"] == berlin(2025, 3, 3, 9, 30).isoformat()
    assert first.policy_version_id == state.policy_version_id


def test_a_change_that_keeps_the_policy_keeps_the_version_it_started_under(policies, new_ticket, agent):
    ticket = new_ticket("P3")
    started_under = queries.sla_state(ticket).policy_version_id
    update_policy(policies["P3"], agent, targets={"first_response": 90}, note="faster")
    db.session.commit()
    ops.update_ticket(ticket, agent, subject="P3 trouble, still")  # a change, but not of the policy
    db.session.commit()
    assert queries.sla_state(ticket).policy_version_id == started_under
    assert clock_of(ticket, T.first_response).target_minutes == 120
    assert len(events(ticket, K.policy_changed)) == 1


def test_a_response_after_the_due_time_records_the_breach_once_even_before_the_job_ran(
        policies, new_ticket, agent, clock):
    ticket = new_ticket("P3")
    clock.shift(timedelta(hours=3))
    ops.add_comment(ticket, agent, "Sorry for the wait")
    db.session.commit()
    first = clock_of(ticket, T.first_response)
    assert first.met_at == berlin(2025, 3, 3, 12, 0) and first.breached_at == berlin(2025, 3, 3, 11, 0)
    breaches = events(ticket, K.breached, T.first_response)
    assert len(breaches) == 1 and breaches[0].at == first.breached_at and breaches[0].details["actions"] == []
    assert queries.sla_summary(ticket)["first_response"]["state"] == "breached"


def test_rejecting_ends_every_clock_and_a_reopen_resumes_them(policies, new_ticket, agent, clock):
    ticket = new_ticket("P3")
    clock.shift(timedelta(minutes=30))
    ops.transition_ticket(ticket, Status.rejected, agent, reason="not our system")
    db.session.commit()
    assert clock_of(ticket, T.resolution).stopped_at == berlin(2025, 3, 3, 9, 30)
    clock.shift(timedelta(hours=1))
    ops.transition_ticket(ticket, Status.triage, agent, reason="it is ours after all")
    db.session.commit()
    resolution, first = clock_of(ticket, T.resolution), clock_of(ticket, T.first_response)
    assert resolution.is_live and first.is_live
    assert first.due_at == berlin(2025, 3, 3, 12, 0)  # 30 min used, 90 left from 10:30
    assert clock_of(ticket, T.acknowledge).met_at is not None  # the rejection was a staff action


def test_merged_duplicate_stops_its_clocks(policies, new_ticket, agent):
    target, duplicate = new_ticket("P3"), new_ticket("P3")
    ops.merge_tickets(duplicate, target, agent)
    db.session.commit()
    resolution = clock_of(duplicate, T.resolution)
    assert resolution.stopped_at is not None and resolution.breached_at is None
    assert queries.sla_summary(duplicate)["resolution"]["state"] == "stopped"
    assert clock_of(target, T.resolution).stopped_at is None
