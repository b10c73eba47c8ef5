"""The named rebuild after an admin edit (ARCHITECTURE.md rule 8): derive open tickets' clocks again,
moving tickets to the policy (version) that applies now. Flushes; the caller commits."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from ...core.actors import SYSTEM
from ...core.clock import utcnow
from ...extensions import db
from ...notifications.bulk import update_rows
from ...tickets.models import OPEN_STATUSES, Ticket
from ..models import BusinessCalendar, SlaClock, SlaEventKind, SlaPolicy, SlaPolicyVersion, SlaTicket
from .calendars import calendar_for
from .clocks import Ledger, _clocks, _rebind, derive, policy_rules, reevaluate_policy


def recompute_ticket(ticket: Ticket, actor, reason: str, *, at: datetime | None = None,
                     ledger: Ledger | None = None) -> int:
    """Derive every live clock again from its ledger (after a calendar edit); a `recomputed` entry for
    each clock whose due instant moved. Returns how many moved."""
    at, ledger = at or utcnow(), ledger or Ledger()
    moved = 0
    for clock in _clocks(ticket.id):
        if clock.is_live:
            moved += _rebind(clock, clock.policy_version, at, actor, reason, ledger)
    return moved


def recompute_open_tickets(*, calendar: BusinessCalendar | None = None, policy: SlaPolicy | None = None,
                           actor=SYSTEM, reason: str = "", batch: int = 500) -> int:
    """The named rebuild after an admin edit (ARCHITECTURE.md rule 8). Returns how many tickets changed.

    * `policy` (or neither): every open ticket chooses its policy again (order and conditions may have
      changed); tickets under an older version of their policy move to the current one.
    * `calendar`: the live clocks of policies on that calendar are derived again with its current hours.

    Flushes per batch; the caller commits (the CLI and the admin view commit once, a long run may
    commit per batch through `jobs.recompute_in_batches`)."""
    now = utcnow()
    changed = 0
    for ids in open_ticket_batches(calendar=calendar, batch=batch):
        changed += recompute_batch(ids, calendar=calendar, policy=policy, actor=actor, reason=reason, now=now)
    return changed


def open_ticket_batches(*, calendar: BusinessCalendar | None = None, batch: int = 500):
    """Ids of the open tickets a rebuild must look at, in batches."""
    stmt = sa.select(Ticket.id).where(Ticket.status.in_(OPEN_STATUSES)).order_by(Ticket.id)
    if calendar is not None:
        stmt = stmt.where(sa.exists().where(
            SlaClock.ticket_id == Ticket.id, SlaClock.met_at.is_(None), SlaClock.stopped_at.is_(None),
            SlaClock.policy_version_id == SlaPolicyVersion.id, SlaPolicyVersion.calendar_id == calendar.id))
    ids = list(db.session.scalars(stmt))
    for start in range(0, len(ids), batch):
        yield ids[start:start + batch]


#: the clock columns a rebuild may change
_DERIVED = ("policy_version_id", "target_minutes", "warning_percent", "due_at", "warn_at", "is_paused",
            "used_seconds", "updated_at")


def _same_update_for_all(clocks: list[SlaClock]) -> None:
    """Give every changed clock the same UPDATE (all derived columns), so that the flush sends them as one
    executemany instead of one group per combination of changed columns (dozens of round trips per batch,
    measured with bench/sla.py)."""
    for clock in clocks:
        if sa.inspect(clock).modified:
            for key in _DERIVED:
                flag_modified(clock, key)


def recompute_batch(ticket_ids: list[int], *, calendar: BusinessCalendar | None = None,
                    policy: SlaPolicy | None = None, actor=SYSTEM, reason: str = "",
                    now: datetime | None = None) -> int:
    now = now or utcnow()
    what = f"calendar {calendar.name!r} changed (v{calendar.version})" if calendar is not None else (
        f"policy {policy.name!r} changed (v{policy.current_version})" if policy is not None else "policies changed")
    why = f"{what}: {reason}" if reason else what
    if calendar is not None and policy is None:
        return _recompute_on_calendar(ticket_ids, calendar, actor, why, now)
    rules = policy_rules()
    live = list(db.session.scalars(sa.select(SlaClock).where(
        SlaClock.ticket_id.in_(ticket_ids), SlaClock.met_at.is_(None), SlaClock.stopped_at.is_(None))
        .order_by(SlaClock.ticket_id, SlaClock.target, SlaClock.cycle)))
    live_by_ticket: dict[int, list[SlaClock]] = {}
    for clock in live:
        live_by_ticket.setdefault(clock.ticket_id, []).append(clock)
    ledger = Ledger.for_clocks([c.id for c in live], bulk=True)
    # Held while the batch runs (the session's identity map holds objects only weakly): choosing policies
    # again needs the tickets and their SLA state.
    tickets = list(db.session.scalars(
        sa.select(Ticket).where(Ticket.id.in_(ticket_ids)).options(
            selectinload(Ticket.requester), selectinload(Ticket.service)).order_by(Ticket.id)))
    states = list(db.session.scalars(sa.select(SlaTicket).where(SlaTicket.ticket_id.in_(ticket_ids))))
    changed = 0
    with db.session.no_autoflush:  # one flush for the batch: inserts and updates go out in bulk
        for ticket_id in ticket_ids:
            ticket = db.session.get(Ticket, ticket_id)
            moved = reevaluate_policy(ticket, actor, at=now, cause=why, rules=rules, ledger=ledger,
                                      move_to_current_version=True)
            if not moved:
                moved = sum(_rebind(clock, clock.policy_version, now, actor, why, ledger)
                            for clock in live_by_ticket.get(ticket_id, ()) if clock.is_live) > 0
            changed += moved
    _same_update_for_all(live)
    db.session.flush()
    ledger.flush()
    del tickets, states
    return changed


def _recompute_on_calendar(ticket_ids: list[int], calendar: BusinessCalendar, actor, why: str,
                           now: datetime) -> int:
    """After a calendar edit: derive the live clocks on that calendar again from their ledger, as
    `_rebind` does for one clock (the policy version and targets stay), but on plain rows: one SELECT of
    the clocks, one of their ledger marks, one UPDATE of those that change and one INSERT of their
    `recomputed` entries per batch. Measured in bench/sla.py: the ORM's per-object bookkeeping was most of
    the time of a 100k-ticket rebuild. Returns how many tickets had a due instant move."""
    cal = calendar_for(calendar)
    rows = db.session.execute(
        sa.select(SlaClock.id, SlaClock.ticket_id, SlaClock.target, SlaClock.target_minutes,
                  SlaClock.warning_percent, SlaClock.started_at, SlaClock.due_at, SlaClock.warn_at,
                  SlaClock.is_paused, SlaClock.used_seconds, SlaPolicyVersion.number)
        .join(SlaPolicyVersion, SlaPolicyVersion.id == SlaClock.policy_version_id)
        .where(SlaClock.ticket_id.in_(ticket_ids), SlaClock.met_at.is_(None), SlaClock.stopped_at.is_(None),
               SlaPolicyVersion.calendar_id == calendar.id)
        .order_by(SlaClock.ticket_id, SlaClock.target, SlaClock.cycle)).all()
    ledger = Ledger.for_clocks([row.id for row in rows], bulk=True)
    updates, moved = [], set()
    for row in rows:
        state = derive(row.target_minutes, row.warning_percent, row.started_at, ledger.marks(row), cal)
        new = (state.due_at, state.warn_at, not state.is_running, int(state.used.total_seconds()))
        if new == (row.due_at, row.warn_at, row.is_paused, row.used_seconds):
            continue
        updates.append({"id": row.id, "due_at": new[0], "warn_at": new[1], "is_paused": new[2],
                        "used_seconds": new[3], "updated_at": now})
        if state.due_at != row.due_at:
            ledger.write(row.ticket_id, SlaEventKind.recomputed, now, clock=row, actor=actor, reason=why,
                         old_due_at=row.due_at, new_due_at=state.due_at, old_target_minutes=row.target_minutes,
                         new_target_minutes=row.target_minutes, version=row.number)
            moved.add(row.ticket_id)
    db.session.flush()
    # A clock met or stopped meanwhile (a request committed after the SELECT) keeps what it has.
    update_rows(SlaClock.__table__, updates, only_if="met_at IS NULL AND stopped_at IS NULL")
    ledger.flush()
    changed = {u["id"] for u in updates}
    for obj in list(db.session.identity_map.values()):  # objects loaded before the UPDATE are stale now
        if isinstance(obj, SlaClock) and obj.id in changed:
            db.session.expire(obj)
    return len(moved)
