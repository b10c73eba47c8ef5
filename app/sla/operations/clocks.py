"""Per-ticket clocks: start, meet, pause, resume, change of policy, recompute, warning and breach.

Every change writes the ledger (`SlaEvent`) first and then derives the clock's stored columns from it
(clock.py), so the stored due dates are always what the ledger says. Operations flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from ...core.actors import SYSTEM, actor_id
from ...core.clock import utcnow
from ...extensions import db
from ...notifications.bulk import insert_rows
from ...tickets import lifecycle
from ...tickets.models import DONE_STATUSES, Status, Ticket
from ..business_hours import Calendar
from ..clock import ClockState, Mark, MarkKind, compute, runs_from_marks
from ..models import (
    SlaClock,
    SlaEvent,
    SlaEventKind,
    SlaPolicy,
    SlaPolicyVersion,
    SlaTarget,
    SlaTicket,
)
from ..policy import Match, Rule, TicketFacts, match
from .calendars import calendar_for

#: targets started with the ticket; next response starts with each reply of the requester
INITIAL_TARGETS = (SlaTarget.acknowledge, SlaTarget.first_response, SlaTarget.resolution)
RESPONSE_TARGETS = (SlaTarget.acknowledge, SlaTarget.first_response, SlaTarget.next_response)
WAITING_LABELS = {Status.awaiting_requester: "awaiting requester",
                  Status.awaiting_third_party: "awaiting third party"}
_MARK_OF = {SlaEventKind.started: MarkKind.start, SlaEventKind.paused: MarkKind.pause,
            SlaEventKind.resumed: MarkKind.resume, SlaEventKind.met: MarkKind.stop,
            SlaEventKind.stopped: MarkKind.stop}


# -- small helpers ----------------------------------------------------------------------------------------
def is_person_on_staff(actor) -> bool:
    """A member of staff acting in person (the system's own steps acknowledge nothing)."""
    return actor is not None and actor is not SYSTEM and bool(getattr(actor, "is_staff", False))


def _name(actor) -> str:
    return getattr(actor, "name", None) or "system"


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


class Ledger:
    """Writes ledger entries and keeps the marks of the clocks it has read, so a batch (recompute of many
    tickets) reads each clock's ledger once. With `bulk`, entries are collected and written by `flush`
    in one statement (they are not in the session until then)."""

    def __init__(self, preloaded: dict[int, list[Mark]] | None = None, *, bulk: bool = False):
        self._marks: dict[int, list[Mark]] = preloaded if preloaded is not None else {}
        self._pending: list[dict] | None = [] if bulk else None

    def write(self, ticket_id: int, kind: SlaEventKind, at: datetime, *, clock: SlaClock | None = None,
              actor=None, reason: str = "", **details) -> SlaEvent | None:
        values = dict(ticket_id=ticket_id, clock_id=clock.id if clock else None,
                      target=clock.target if clock else None, kind=kind, at=at, actor_id=actor_id(actor),
                      reason=reason[:500], details=_jsonable(details), created_at=utcnow())
        if clock is not None and kind in _MARK_OF and clock.id in self._marks:
            self._marks[clock.id].append(Mark(at, _MARK_OF[kind], reason))
        if self._pending is not None:
            self._pending.append(values)
            return None
        event = SlaEvent(**values)
        db.session.add(event)
        return event

    def flush(self) -> None:
        """Write the collected entries (bulk mode), in the order they were written."""
        if self._pending:
            if db.session.new:  # the clocks they refer to
                db.session.flush()
            insert_rows(SlaEvent.__table__, self._pending)
            self._pending = []

    def seed(self, clock: SlaClock) -> None:
        """A new clock: its ledger starts empty (no need to read it back)."""
        self._marks[clock.id] = []

    def marks(self, clock: SlaClock) -> list[Mark]:
        if clock.id not in self._marks:
            rows = db.session.execute(
                sa.select(SlaEvent.at, SlaEvent.kind, SlaEvent.reason)
                .where(SlaEvent.clock_id == clock.id, SlaEvent.kind.in_(list(_MARK_OF)))
                .order_by(SlaEvent.at, SlaEvent.id))
            self._marks[clock.id] = [Mark(at, _MARK_OF[kind], reason) for at, kind, reason in rows]
        return self._marks[clock.id]

    @classmethod
    def for_clocks(cls, clock_ids: list[int], *, bulk: bool = False) -> Ledger:
        preloaded: dict[int, list[Mark]] = {cid: [] for cid in clock_ids}
        for start in range(0, len(clock_ids), 1000):
            rows = db.session.execute(
                sa.select(SlaEvent.clock_id, SlaEvent.at, SlaEvent.kind, SlaEvent.reason)
                .where(SlaEvent.clock_id.in_(clock_ids[start:start + 1000]), SlaEvent.kind.in_(list(_MARK_OF)))
                .order_by(SlaEvent.at, SlaEvent.id))
            for clock_id, at, kind, reason in rows:
                preloaded[clock_id].append(Mark(at, _MARK_OF[kind], reason))
        return cls(preloaded, bulk=bulk)


def _calendar(clock: SlaClock, override: Calendar | None = None) -> Calendar:
    return override or calendar_for(clock.policy_version.calendar)


def state_of(clock: SlaClock, now: datetime, ledger: Ledger | None = None,
             calendar: Calendar | None = None) -> ClockState:
    """The clock derived from its ledger at `now` (nothing is written)."""
    runs, _gaps = runs_from_marks((ledger or Ledger()).marks(clock))
    return compute(timedelta(minutes=clock.target_minutes), runs, _calendar(clock, calendar), now,
                   clock.warning_percent)


def derive(target_minutes: int, warning_percent: int, started_at: datetime, marks: list[Mark],
           calendar: Calendar) -> ClockState:
    """What a clock's stored columns should say, from its ledger marks: its state at its last ledger
    entry (due and warning instants, running or not, business time used by then)."""
    runs, _gaps = runs_from_marks(marks)
    return compute(timedelta(minutes=target_minutes), runs, calendar,
                   max(marks[-1].at, started_at) if marks else started_at, warning_percent)


def _refresh(clock: SlaClock, now: datetime, ledger: Ledger) -> ClockState:
    """Store what the ledger says: due and warning instants (live clocks), paused, and the business time
    used up to the last ledger entry. Touches the row only if something changed (a rebuild after an
    edit that moves nothing writes nothing)."""
    state = derive(clock.target_minutes, clock.warning_percent, clock.started_at, ledger.marks(clock),
                   _calendar(clock))
    before = (clock.due_at, clock.warn_at, clock.is_paused, clock.used_seconds)
    if clock.is_live:
        clock.due_at, clock.warn_at = state.due_at, state.warn_at
    clock.is_paused = clock.is_live and not state.is_running
    clock.used_seconds = int(state.used.total_seconds())
    if (clock.due_at, clock.warn_at, clock.is_paused, clock.used_seconds) != before:
        clock.updated_at = now
    return state


def _clocks(ticket_id: int) -> list[SlaClock]:
    return list(db.session.scalars(
        sa.select(SlaClock).where(SlaClock.ticket_id == ticket_id).order_by(SlaClock.target, SlaClock.cycle)))


def _latest(clocks: Iterable[SlaClock], target: SlaTarget) -> SlaClock | None:
    found = [c for c in clocks if c.target is target]
    return max(found, key=lambda c: c.cycle) if found else None


def _state(ticket_id: int) -> SlaTicket | None:
    return db.session.get(SlaTicket, ticket_id)


# -- choosing the policy ----------------------------------------------------------------------------------
def policy_rules() -> list[Rule]:
    """Active policies in evaluation order, each with its current version as `key`."""
    versions = db.session.scalars(
        sa.select(SlaPolicyVersion)
        .join(SlaPolicy, sa.and_(SlaPolicyVersion.policy_id == SlaPolicy.id,
                                 SlaPolicyVersion.number == SlaPolicy.current_version))
        .where(SlaPolicy.is_active.is_(True))
        .order_by(SlaPolicy.position, SlaPolicy.id)
        # the chosen version's policy and calendar are needed next: load them in the same statement
        .options(contains_eager(SlaPolicyVersion.policy), joinedload(SlaPolicyVersion.calendar)))
    return [Rule(version, version.policy.name, version.number, version.conditions or {}, version.policy.is_default)
            for version in versions]


def facts_of(ticket: Ticket) -> TicketFacts:
    return TicketFacts(
        priority=ticket.priority.value, type=ticket.type.value, service_id=ticket.service_id,
        service_name=ticket.service.name if ticket.service is not None else None,
        requester_vip=bool(ticket.requester.is_vip), department=ticket.requester.department,
    )


def choose_policy(ticket: Ticket, rules: list[Rule] | None = None) -> tuple[SlaPolicyVersion | None, Match]:
    """The version the ticket should run under now, and why."""
    found = match(policy_rules() if rules is None else rules, facts_of(ticket))
    return (found.rule.key if found.rule is not None else None), found


# -- starting, meeting, stopping ----------------------------------------------------------------------------
def _start_clock(ticket: Ticket, sla: SlaTicket, target: SlaTarget, at: datetime, actor, reason: str,
                 ledger: Ledger) -> SlaClock | None:
    """A new clock for `target` (the next cycle if the target had clocks before)."""
    version = sla.policy_version
    minutes = version.target_minutes(target) if version is not None else None
    if minutes is None:
        return None
    cycle = 1 + (db.session.scalar(sa.select(sa.func.max(SlaClock.cycle)).where(
        SlaClock.ticket_id == ticket.id, SlaClock.target == target)) or 0)
    clock = SlaClock(ticket_id=ticket.id, target=target, cycle=cycle, policy_version=version,
                     target_minutes=minutes, warning_percent=version.warning_percent, started_at=at,
                     updated_at=at)
    db.session.add(clock)
    db.session.flush()
    ledger.seed(clock)
    ledger.write(ticket.id, SlaEventKind.started, at, clock=clock, actor=actor, reason=reason,
                 target_minutes=minutes, policy=version.policy.name, version=version.number)
    if sla.paused_at is not None:
        ledger.write(ticket.id, SlaEventKind.paused, at, clock=clock, actor=actor, reason=sla.pause_reason or "")
    _refresh(clock, at, ledger)
    return clock


def start_sla(ticket: Ticket, actor, *, at: datetime | None = None, reason: str = "ticket created",
              rules: list[Rule] | None = None, ledger: Ledger | None = None, is_new: bool = False) -> SlaTicket:
    """Choose the policy (recording which rule matched and why) and start the ticket's clocks.

    Called for every new ticket (signal ticket_created, `is_new`); also adopts an open ticket that has no
    SLA yet (created before any policy existed), its clocks then starting at `at`."""
    at = at or ticket.created_at
    version, found = choose_policy(ticket, rules)
    if is_new:
        return _start_new(ticket, actor, at, reason, version, found)
    ledger = ledger or Ledger()
    sla = _state(ticket.id)
    if sla is None:
        sla = SlaTicket(ticket_id=ticket.id, updated_at=at)
        db.session.add(sla)
    sla.policy_version, sla.match_reason, sla.updated_at = version, found.reason[:500], at
    if ticket.status.is_waiting and sla.paused_at is None:
        sla.paused_at, sla.pause_reason = at, WAITING_LABELS[ticket.status]
    db.session.flush()
    ledger.write(ticket.id, SlaEventKind.policy_changed, at, actor=SYSTEM, reason=found.reason,
                 **_policy_details(None, version, found))
    if version is None or not ticket.status.is_open:
        return sla
    for target in INITIAL_TARGETS:
        _start_clock(ticket, sla, target, at, actor, reason, ledger)
    if _logged_for_requester(ticket, actor, at):
        clock = _latest(_clocks(ticket.id), SlaTarget.acknowledge)
        if clock is not None:
            _finish(clock, at, actor, _logged_reason(actor), ledger, met=True)
    return sla


def _logged_for_requester(ticket: Ticket, actor, at: datetime) -> bool:
    """An agent logging a ticket for a requester (a call, a walk-up) acknowledges it at once."""
    return (at == ticket.created_at and actor_id(actor) == ticket.created_by_id and is_person_on_staff(actor)
            and actor.id != ticket.requester_id)


def _logged_reason(actor) -> str:
    return f"logged by {_name(actor)} for the requester"


def _start_new(ticket: Ticket, actor, at: datetime, reason: str, version: SlaPolicyVersion | None,
               found: Match) -> SlaTicket:
    """`start_sla` for a ticket just created, on the path of every creation: nothing exists to read back,
    so the clocks are derived before they are written and the ledger goes out in one statement."""
    sla = SlaTicket(ticket_id=ticket.id, policy_version=version, match_reason=found.reason[:500], updated_at=at)
    if ticket.status.is_waiting:
        sla.paused_at, sla.pause_reason = at, WAITING_LABELS[ticket.status]
    db.session.add(sla)
    clocks: list[SlaClock] = []
    if version is not None and ticket.status.is_open:
        calendar = calendar_for(version.calendar)
        marks = [Mark(at, MarkKind.start, reason)]
        if sla.paused_at is not None:
            marks.append(Mark(at, MarkKind.pause, sla.pause_reason))
        for target in INITIAL_TARGETS:
            minutes = version.target_minutes(target)
            if minutes is None:
                continue
            state = derive(minutes, version.warning_percent, at, marks, calendar)
            clocks.append(SlaClock(
                ticket_id=ticket.id, target=target, cycle=1, policy_version=version, target_minutes=minutes,
                warning_percent=version.warning_percent, started_at=at, updated_at=at, due_at=state.due_at,
                warn_at=state.warn_at, is_paused=not state.is_running, used_seconds=int(state.used.total_seconds())))
        db.session.add_all(clocks)
    acknowledge = next((c for c in clocks if c.target is SlaTarget.acknowledge), None)
    acknowledged = acknowledge is not None and _logged_for_requester(ticket, actor, at)
    if acknowledged:  # met as it starts: written so, not updated after (what `_finish` would store)
        acknowledge.met_at, acknowledge.is_paused = at, False
    db.session.flush()
    ledger = Ledger(bulk=True)
    ledger.write(ticket.id, SlaEventKind.policy_changed, at, actor=SYSTEM, reason=found.reason,
                 **_policy_details(None, version, found))
    for clock in clocks:
        ledger.seed(clock)
        ledger.write(ticket.id, SlaEventKind.started, at, clock=clock, actor=actor, reason=reason,
                     target_minutes=clock.target_minutes, policy=version.policy.name, version=version.number)
        if sla.paused_at is not None:
            ledger.write(ticket.id, SlaEventKind.paused, at, clock=clock, actor=actor, reason=sla.pause_reason)
    if acknowledged:
        ledger.write(ticket.id, SlaEventKind.met, at, clock=acknowledge, actor=actor, reason=_logged_reason(actor),
                     due_at=acknowledge.due_at, late=False)
    ledger.flush()
    return sla


def _policy_details(old: SlaPolicyVersion | None, new: SlaPolicyVersion | None, found: Match | None) -> dict:
    def describe(v):
        return None if v is None else {"policy_id": v.policy_id, "policy": v.policy.name, "version": v.number,
                                       "version_id": v.id}
    return {"from": describe(old), "to": describe(new), "how": found.how if found else "recompute"}


def _finish(clock: SlaClock, at: datetime, actor, reason: str, ledger: Ledger, *, met: bool) -> bool:
    """Met (`met`) or stopped: once. A target finished after its due instant was breached then, even if
    the job had not noticed yet: that breach is recorded too (without actions; they are moot now)."""
    if not clock.is_live:
        return False
    due = clock.due_at
    if met:
        clock.met_at = at
    else:
        clock.stopped_at = at
    late = due is not None and due < at
    ledger.write(clock.ticket_id, SlaEventKind.met if met else SlaEventKind.stopped, at, clock=clock, actor=actor,
                 reason=reason, due_at=due, late=late)
    if late and clock.breached_at is None:
        clock.breached_at = due
        ledger.write(clock.ticket_id, SlaEventKind.breached, due, clock=clock, actor=SYSTEM,
                     reason=f"{'met' if met else 'ended'} only at {at.isoformat(timespec='minutes')}, after the "
                            "due time", actions=[], recorded_at=at)
    _refresh(clock, at, ledger)
    return True


def meet_target(ticket: Ticket, target: SlaTarget, at: datetime, actor, reason: str,
                ledger: Ledger | None = None) -> bool:
    """Mark the latest clock of `target` met (if it is live). Returns whether anything changed."""
    clock = _latest(_clocks(ticket.id), target)
    return clock is not None and _finish(clock, at, actor, reason, ledger or Ledger(), met=True)


def pause_clocks(ticket: Ticket, at: datetime, reason: str, actor, ledger: Ledger | None = None) -> int:
    """Pause every live clock of the ticket (waiting on the requester or a third party)."""
    ledger = ledger or Ledger()
    sla = _state(ticket.id)
    if sla is None:
        return 0
    if sla.paused_at is None:
        sla.paused_at, sla.pause_reason, sla.updated_at = at, reason[:200], at
    paused = 0
    for clock in _clocks(ticket.id):
        if clock.is_live and not clock.is_paused:
            ledger.write(ticket.id, SlaEventKind.paused, at, clock=clock, actor=actor, reason=reason)
            _refresh(clock, at, ledger)
            paused += 1
    return paused


def resume_clocks(ticket: Ticket, at: datetime, reason: str, actor, ledger: Ledger | None = None) -> int:
    ledger = ledger or Ledger()
    sla = _state(ticket.id)
    if sla is None:
        return 0
    sla.paused_at, sla.pause_reason, sla.updated_at = None, None, at
    resumed = 0
    for clock in _clocks(ticket.id):
        if clock.is_live and clock.is_paused:
            ledger.write(ticket.id, SlaEventKind.resumed, at, clock=clock, actor=actor, reason=reason)
            _refresh(clock, at, ledger)
            resumed += 1
    return resumed


def _reopen(ticket: Ticket, sla: SlaTicket, at: datetime, actor, reason: str, ledger: Ledger) -> None:
    """A reopen resumes the resolution clock (met or stopped), with the time it had already used, and
    the response clocks that the resolution or rejection stopped; it never starts them afresh."""
    version = sla.policy_version
    clocks = _clocks(ticket.id)
    for clock in clocks:
        if clock.is_live or version is None or clock.policy_version_id != version.id:
            continue
        if version.target_minutes(clock.target) is None or clock is not _latest(clocks, clock.target):
            continue
        if clock.target is not SlaTarget.resolution and clock.met_at is not None:
            continue  # a response that was given stays given
        previous = {"met_at": clock.met_at, "stopped_at": clock.stopped_at}
        clock.met_at = clock.stopped_at = None
        ledger.write(ticket.id, SlaEventKind.resumed, at, clock=clock, actor=actor,
                     reason=f"reopened: {reason}" if reason else "reopened", **previous)
        if sla.paused_at is not None:
            ledger.write(ticket.id, SlaEventKind.paused, at, clock=clock, actor=actor, reason=sla.pause_reason or "")
        _refresh(clock, at, ledger)


# -- triggers from the ticket's signals ---------------------------------------------------------------------
def apply_status_change(ticket: Ticket, actor, old: Status, new: Status, reason: str | None = None) -> None:
    """Acknowledge, pause, resume, meet resolution, stop, reopen: whatever the transition means."""
    sla = _state(ticket.id)
    if sla is None:
        return
    at, ledger = ticket.status_changed_at, Ledger()
    reason = (reason or "").strip()
    if is_person_on_staff(actor):
        meet_target(ticket, SlaTarget.acknowledge, at, actor, f"status changed to {new.value} by {_name(actor)}",
                    ledger)
    if lifecycle.is_reopen(old, new):
        _reopen(ticket, sla, at, actor, reason, ledger)
    if new is Status.resolved:
        clocks = _clocks(ticket.id)
        clock = _latest(clocks, SlaTarget.resolution)
        if clock is not None:
            _finish(clock, at, actor, f"resolved by {_name(actor)}", ledger, met=True)
        for clock in clocks:
            if clock.target in RESPONSE_TARGETS:
                _finish(clock, at, actor, "resolved before this target was met", ledger, met=False)
    elif new in DONE_STATUSES:
        for clock in _clocks(ticket.id):
            _finish(clock, at, actor, f"{new.value}" + (f": {reason}" if reason else ""), ledger, met=False)
    if new.is_waiting and not old.is_waiting:
        pause_clocks(ticket, at, WAITING_LABELS[new], actor, ledger)
    elif old.is_waiting and not new.is_waiting:
        resume_clocks(ticket, at, f"no longer {WAITING_LABELS[old]}" + (f": {reason}" if reason else ""),
                      actor, ledger)


def apply_comment(ticket: Ticket, comment, actor) -> None:
    """Staff notes and replies acknowledge; a public staff reply meets first and next response; a
    public reply of the requester starts a next-response clock (unless one already runs, or the first
    response is still owed)."""
    sla = _state(ticket.id)
    if sla is None:
        return
    at, ledger = comment.created_at, Ledger()
    # staff writing on their own request write as its requester: that answers nothing
    if is_person_on_staff(actor) and actor.id != ticket.requester_id:
        what = "internal note" if comment.is_internal else "reply"
        meet_target(ticket, SlaTarget.acknowledge, at, actor, f"{what} by {_name(actor)}", ledger)
        if not comment.is_internal:
            meet_target(ticket, SlaTarget.first_response, at, actor, f"first public reply by {_name(actor)}", ledger)
            meet_target(ticket, SlaTarget.next_response, at, actor, f"public reply by {_name(actor)}", ledger)
        return
    if comment.is_internal or actor is SYSTEM or not ticket.status.is_open or sla.policy_version is None:
        return
    clocks = _clocks(ticket.id)
    first = _latest(clocks, SlaTarget.first_response)
    if first is not None and first.is_live:
        return  # the first response is still owed: that clock covers this reply
    latest = _latest(clocks, SlaTarget.next_response)
    if latest is not None and latest.is_live:
        return  # an earlier reply is still unanswered: its clock keeps running
    _start_clock(ticket, sla, SlaTarget.next_response, at, actor, f"{_name(actor)} replied", ledger)


#: ticket fields that policy conditions read
MATCHED_FIELDS = {"priority", "type", "service"}


def apply_ticket_update(ticket: Ticket, actor, changes: dict) -> None:
    """A change by a person on the staff acknowledges; a change of priority (or type, service) chooses
    the policy again and, if another policy applies now, moves the clocks to it."""
    sla = _state(ticket.id)
    if sla is None:
        return
    at, ledger = ticket.updated_at, Ledger()
    if is_person_on_staff(actor):
        meet_target(ticket, SlaTarget.acknowledge, at, actor,
                    f"{', '.join(sorted(changes))} changed by {_name(actor)}", ledger)
    if "priority" in changes:
        from ...tickets.labels import reason_text
        from ...tickets.reasons import ReasonCode

        old, new = changes["priority"]
        # The ledger keeps plain English: the code-based explanation (the matrix, or who set it and their words).
        params = dict(ticket.priority_reason_params or {})
        if ticket.priority_reason_code == ReasonCode.priority_set_by.value:
            params["reason"] = ticket.priority_reason
        why = reason_text(ticket.priority_reason_code, params, english=True) or ticket.priority_reason
        ledger.write(ticket.id, SlaEventKind.priority_changed, at, actor=actor,
                     reason=f"priority {old} → {new}: {why}" if why else f"priority {old} → {new}", old=old, new=new)
    if MATCHED_FIELDS & changes.keys():
        reevaluate_policy(ticket, actor, at=at, cause=f"{', '.join(sorted(MATCHED_FIELDS & changes.keys()))} "
                                                      "changed", ledger=ledger)


def reevaluate_policy(ticket: Ticket, actor, *, at: datetime | None = None, cause: str = "re-evaluated",
                      rules: list[Rule] | None = None, ledger: Ledger | None = None,
                      move_to_current_version: bool = False) -> bool:
    """Choose the policy again. Another policy (or, with `move_to_current_version`, a newer version of the
    same one) moves the live clocks to it; the same policy keeps its version (snapshot). Returns whether
    the ticket moved."""
    at, ledger = at or utcnow(), ledger or Ledger()
    sla = _state(ticket.id)
    if sla is None:
        start_sla(ticket, actor, at=at, reason=cause, rules=rules, ledger=ledger)
        return True
    version, found = choose_policy(ticket, rules)
    current = sla.policy_version
    if version is None and current is None:
        return False
    if version is not None and current is not None and version.policy_id == current.policy_id and (
            not move_to_current_version or version.id == current.id):
        return False
    if current is None:  # no policy applied so far: start as for a new ticket, from now
        start_sla(ticket, actor, at=at, reason=f"{cause}: {found.reason}", rules=rules, ledger=ledger)
        return True
    ledger.write(ticket.id, SlaEventKind.policy_changed, at, actor=actor, reason=f"{cause}: {found.reason}",
                 **_policy_details(current, version, found))
    sla.policy_version, sla.match_reason, sla.updated_at = version, found.reason[:500], at
    clocks = _clocks(ticket.id)
    for clock in clocks:
        if clock.is_live:
            _rebind(clock, version, at, actor, f"{cause}: now under {found.reason}", ledger)
    if version is not None and ticket.status.is_open:
        for target in INITIAL_TARGETS:
            if _latest(clocks, target) is None:
                _start_clock(ticket, sla, target, at, actor, f"policy {version.policy.name!r} has this target",
                             ledger)
    return True


def _rebind(clock: SlaClock, version: SlaPolicyVersion | None, at: datetime, actor, reason: str,
            ledger: Ledger, calendar: Calendar | None = None) -> bool:
    """Put a live clock under `version` (its target and calendar) and recompute it from the ledger:
    the time already used stays used. Returns whether the due instant moved."""
    minutes = version.target_minutes(clock.target) if version is not None else None
    if minutes is None:
        return _finish(clock, at, actor, "the policy has no such target any more", ledger, met=False)
    old_due, old_minutes = clock.due_at, clock.target_minutes
    clock.policy_version, clock.target_minutes, clock.warning_percent = version, minutes, version.warning_percent
    state = _refresh(clock, at, ledger)
    if state.due_at != old_due:
        ledger.write(clock.ticket_id, SlaEventKind.recomputed, at, clock=clock, actor=actor, reason=reason,
                     old_due_at=old_due, new_due_at=state.due_at, old_target_minutes=old_minutes,
                     new_target_minutes=minutes, version=version.number)
        return True
    return False
