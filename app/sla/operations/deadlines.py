"""Warnings and breaches, called by the job (jobs.py) for due rows: recorded once, guarded by row state,
with the policy's actions carried out in the same transaction."""

from __future__ import annotations

from datetime import datetime

from ...core.actors import SYSTEM
from ...extensions import db
from ...tickets.models import Ticket
from .. import actions
from ..models import SlaClock, SlaEventKind
from .clocks import Ledger, _finish


def _close_if_ticket_done(clock: SlaClock, ticket: Ticket) -> bool:
    """A ticket can be closed without a status signal (merged into another): end its clocks then."""
    if ticket.status.is_open:
        return False
    _finish(clock, ticket.status_changed_at, SYSTEM, f"ticket is {ticket.status.value}", Ledger(), met=False)
    return True


def warn_clock(clock: SlaClock, now: datetime, ticket: Ticket | None = None, *,
               ledger: Ledger | None = None) -> bool:
    """Record the warning once and carry out the policy's warning actions. Guarded by row state; no
    flush of its own, so a batch of them goes to the database in a few statements at commit (with a bulk
    `ledger`, the caller flushes it)."""
    if not (clock.is_live and clock.warned_at is None and clock.breached_at is None
            and clock.warn_at is not None and clock.warn_at <= now):
        return False
    ticket = ticket or db.session.get(Ticket, clock.ticket_id)
    if _close_if_ticket_done(clock, ticket):
        return False
    clock.warned_at = now
    version, warn_at, due_at = clock.policy_version, clock.warn_at, clock.due_at
    done = actions.run_actions(actions.WARNING, clock, ticket, version)
    # Written after the actions so it carries what they did; `at` (the warning instant) orders it before
    # whatever they caused.
    (ledger or Ledger()).write(
        ticket.id, SlaEventKind.warned, warn_at, clock=clock, actor=SYSTEM,
        reason=f"{version.warning_percent} % of the {actions.TARGET_NAMES[clock.target]} target used",
        due_at=due_at, recorded_at=now, actions=done)
    return True


def breach_clock(clock: SlaClock, now: datetime, ticket: Ticket | None = None, *,
                 ledger: Ledger | None = None) -> bool:
    """Record the breach once (at the due instant) and carry out the policy's breach actions. Guarded by
    row state; no flush of its own."""
    if not (clock.is_live and clock.breached_at is None and clock.due_at is not None and clock.due_at <= now):
        return False
    ticket = ticket or db.session.get(Ticket, clock.ticket_id)
    if _close_if_ticket_done(clock, ticket):
        return False
    clock.breached_at = due_at = clock.due_at
    version, minutes = clock.policy_version, clock.target_minutes
    done = actions.run_actions(actions.BREACH, clock, ticket, version)
    (ledger or Ledger()).write(
        ticket.id, SlaEventKind.breached, due_at, clock=clock, actor=SYSTEM,
        reason=f"{actions.TARGET_NAMES[clock.target]} target of {minutes} business minutes missed",
        recorded_at=now, actions=done)
    return True
