"""The named rebuild after an admin edit (ARCHITECTURE.md rule 8): derive open tickets' clocks again,
moving tickets to the policy (version) that applies now. Flushes; the caller commits."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ...core.actors import SYSTEM
from ...core.clock import utcnow
from ...extensions import db
from ...tickets.models import OPEN_STATUSES, Ticket
from ..models import BusinessCalendar, SlaClock, SlaPolicy, SlaPolicyVersion, SlaTicket
from .clocks import Ledger, _clocks, _rebind, policy_rules, reevaluate_policy


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


def recompute_batch(ticket_ids: list[int], *, calendar: BusinessCalendar | None = None,
                    policy: SlaPolicy | None = None, actor=SYSTEM, reason: str = "",
                    now: datetime | None = None) -> int:
    now = now or utcnow()
    rules = policy_rules() if calendar is None or policy is not None else None
    live = list(db.session.scalars(sa.select(SlaClock).where(
        SlaClock.ticket_id.in_(ticket_ids), SlaClock.met_at.is_(None), SlaClock.stopped_at.is_(None))
        .order_by(SlaClock.ticket_id, SlaClock.target, SlaClock.cycle)))
    live_by_ticket: dict[int, list[SlaClock]] = {}
    for clock in live:
        live_by_ticket.setdefault(clock.ticket_id, []).append(clock)
    ledger = Ledger.for_clocks([c.id for c in live], bulk=True)
    what = f"calendar {calendar.name!r} changed (v{calendar.version})" if calendar is not None else (
        f"policy {policy.name!r} changed (v{policy.current_version})" if policy is not None else "policies changed")
    why = f"{what}: {reason}" if reason else what
    # Held while the batch runs (the session's identity map holds objects only weakly). A calendar edit
    # needs only the clocks; choosing policies again needs the tickets and their SLA state too.
    tickets = states = []
    if rules is not None:
        tickets = list(db.session.scalars(
            sa.select(Ticket).where(Ticket.id.in_(ticket_ids)).options(
                selectinload(Ticket.requester), selectinload(Ticket.service)).order_by(Ticket.id)))
        states = list(db.session.scalars(sa.select(SlaTicket).where(SlaTicket.ticket_id.in_(ticket_ids))))
    changed = 0
    with db.session.no_autoflush:  # one flush for the batch: inserts and updates go out in bulk
        for ticket_id in ticket_ids:
            moved = False
            if rules is not None:
                ticket = db.session.get(Ticket, ticket_id)
                moved = reevaluate_policy(ticket, actor, at=now, cause=why, rules=rules, ledger=ledger,
                                          move_to_current_version=True)
            if not moved:
                moved = sum(_rebind(clock, clock.policy_version, now, actor, why, ledger)
                            for clock in live_by_ticket.get(ticket_id, ()) if clock.is_live) > 0
            changed += moved
    db.session.flush()
    ledger.flush()
    del tickets, states
    return changed
