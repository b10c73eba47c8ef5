"""The SLA job: find due warnings and breaches through the indexed columns, act, record, commit per batch.

Safe to run in several processes at once and to rerun: rows are locked with FOR UPDATE SKIP LOCKED
(PostgreSQL), every action is guarded by the clock's row state (`warned_at`, `breached_at`), the ledger
has a unique index on (clock, warned|breached), and outbox rows carry idempotency keys. After an outage
the first run processes everything that came due meanwhile, once.

A batch (500 clocks) is one transaction written in a few statements: the clocks' stamps in one UPDATE,
the ledger entries in one INSERT and the outbox rows in another (app/notifications/bulk.py); 10k
warnings take a few seconds (bench/sla.py).

`recompute_pending` does the rebuilds an admin edit queued (too many open tickets for the request), a
batch and a commit at a time with a cursor stored in the same commit: a restart resumes, nothing twice.
"""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..core.actors import SYSTEM
from ..core.clock import utcnow
from ..extensions import db
from ..notifications.bulk import update_rows
from ..notifications.operations import outbox_batch
from ..tickets.models import Ticket
from ..users.models import Team
from .models import BusinessCalendar, SlaClock, SlaPolicy, SlaPolicyVersion
from .operations import breach_clock, warn_clock
from .operations.clocks import Ledger
from .operations.recompute import advance_pending_recompute, open_ticket_batches, pending_recomputes, recompute_batch

log = logging.getLogger(__name__)
BATCH = 500

_LIVE = (SlaClock.met_at.is_(None), SlaClock.breached_at.is_(None), SlaClock.stopped_at.is_(None))


def _due_warnings(now):
    # Same predicate as the partial index ix_sla_clock_warn.
    return (sa.select(SlaClock).where(SlaClock.warn_at <= now, SlaClock.warned_at.is_(None), *_LIVE)
            .order_by(SlaClock.warn_at, SlaClock.id))


def _due_breaches(now):
    # Same predicate as the partial index ix_sla_clock_due.
    return sa.select(SlaClock).where(SlaClock.due_at <= now, *_LIVE).order_by(SlaClock.due_at, SlaClock.id)


def _write_stamps(clocks: list[SlaClock], stamp: str) -> None:
    """Write `stamp` (warned_at / breached_at) of the clocks whose only change it is in one UPDATE,
    instead of the flush's one UPDATE per clock (measured: a third of a 10k-warning run). Clocks that
    changed more (an action moved them) are left to the flush.
    (`committed_state` holds the original value of each attribute changed since the last flush.)"""
    stamped = [c for c in clocks if set(sa.inspect(c).committed_state) == {stamp}]
    update_rows(SlaClock.__table__, [{"id": c.id, stamp: getattr(c, stamp)} for c in stamped])
    for clock in stamped:  # written: forget the change (reloaded if read again), so the flush skips them
        db.session.expire(clock)


def _process(select_due, act, stamp: str, batch: int) -> int:
    done = 0
    while True:
        now = utcnow()
        clocks = list(db.session.scalars(select_due(now).limit(batch).with_for_update(skip_locked=True)))
        # Held for the batch, so the operations find them in the identity map instead of querying per clock.
        tickets = {t.id: t for t in _load_tickets({c.ticket_id for c in clocks})}
        versions = _load_versions({c.policy_version_id for c in clocks})  # noqa: F841 - held, see above
        ledger = Ledger(bulk=True)
        acted = 0
        try:
            with outbox_batch():  # the batch's messages go out in one INSERT, its ledger entries in one more
                for clock in clocks:
                    acted += act(clock, now, tickets.get(clock.ticket_id), ledger=ledger)
                _write_stamps(clocks, stamp)
            ledger.flush()
            db.session.commit()
        except sa.exc.IntegrityError:  # another process recorded the same warning or breach first
            db.session.rollback()
            log.warning("SLA check met a concurrent run; the rest is left for the next run")
            return done
        done += acted
        if len(clocks) < batch or not acted:
            return done


def _load_tickets(ids: set[int]) -> list[Ticket]:
    """The batch's tickets with what the actions read, in a few queries instead of a few per clock
    (the operations then find them in the session's identity map)."""
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Ticket).where(Ticket.id.in_(ids)).options(
        selectinload(Ticket.assignee), selectinload(Ticket.team).selectinload(Team.members))))


def _load_versions(ids: set[int]) -> list[SlaPolicyVersion]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(SlaPolicyVersion).where(SlaPolicyVersion.id.in_(ids)).options(
        selectinload(SlaPolicyVersion.policy))))


def check_sla_deadlines(batch: int = BATCH) -> int:
    """Warnings first, then breaches (a clock past both gets both, in that order). Returns how many."""
    return (_process(_due_warnings, warn_clock, "warned_at", batch)
            + _process(_due_breaches, breach_clock, "breached_at", batch))


def recompute_in_batches(*, calendar: BusinessCalendar | None = None, policy: SlaPolicy | None = None,
                         actor=SYSTEM, reason: str = "", batch: int = 500) -> int:
    """`recompute_open_tickets`, committing per batch (for the CLI and long rebuilds)."""
    now, changed = utcnow(), 0
    for ids in open_ticket_batches(calendar=calendar, batch=batch):
        changed += recompute_batch(ids, calendar=calendar, policy=policy, actor=actor, reason=reason, now=now)
        db.session.commit()
    return changed


#: seconds of rebuilding per run of `recompute_pending` (scheduled every 10 s): other jobs get their turn
RECOMPUTE_BUDGET_SECONDS = 8.0


def recompute_pending(batch: int = BATCH, budget_seconds: float = RECOMPUTE_BUDGET_SECONDS) -> int:
    """Work through the rebuilds queued by admin edits (`configuration.recompute_after_edit`), oldest first,
    a batch per transaction, for about `budget_seconds`; the next run goes on from the stored cursor.
    The queue's row is locked for each batch (PostgreSQL: a second scheduler skips it rather than wait).
    Returns how many tickets were looked at."""
    deadline, done = time.monotonic() + budget_seconds, 0
    while True:
        pending = pending_recomputes(lock=True, skip_locked=True)
        if not pending:
            db.session.rollback()  # ends the read (and lets go of nothing held)
            return done
        entry, finished = advance_pending_recompute(pending[0], batch=batch)
        db.session.commit()
        done += entry["done"] - pending[0]["done"]
        if finished:
            log.info("SLA recompute finished: %s of %s open tickets changed (calendar %s, policy %s)",
                     entry["changed"], entry["done"], entry["calendar_id"], entry["policy_id"])
        if time.monotonic() >= deadline:
            return done
