"""The named rebuild after an admin edit (ARCHITECTURE.md rule 8): derive open tickets' clocks again,
moving tickets to the policy (version) that applies now. Flushes; the caller commits.

A large rebuild is queued instead (`queue_recompute`, in the edit's transaction) in the settings row
``sla.pending_recompute`` and done by the leader's job (`jobs.recompute_pending`), one batch and one
commit at a time with a cursor (`advance_pending_recompute`): it survives restarts and resumes where it
stopped."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from ...core import signals
from ...core.actors import SYSTEM
from ...core.clock import utcnow
from ...core.settings import Setting
from ...extensions import db
from ...notifications.bulk import update_rows
from ...tickets.models import OPEN_STATUSES, Ticket
from ...users.models import User
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


# -- rebuilds queued for the job ----------------------------------------------------------------------------------
#: the settings row holding the queued rebuilds (a JSON list, oldest first); written only here
PENDING_KEY = "sla.pending_recompute"


def pending_recomputes(*, lock: bool = False, skip_locked: bool = False) -> list[dict]:
    """The queued rebuilds, oldest first, read fresh from the database (never from the per-request
    settings cache). `lock` holds the row until the commit (FOR UPDATE on PostgreSQL; SQLite serialises
    writers anyway); with `skip_locked` a row another transaction holds reads as "nothing queued"."""
    stmt = sa.select(Setting).where(Setting.key == PENDING_KEY).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update(skip_locked=skip_locked)
    row = db.session.scalars(stmt).first()
    return list(row.value or []) if row is not None else []


def _write_pending(pending: list[dict], actor_id: int | None) -> None:
    """Store the queue (the caller holds the row's lock through `pending_recomputes(lock=True)`)."""
    row = db.session.get(Setting, PENDING_KEY)
    row.value, row.updated_at, row.updated_by_id = [dict(p) for p in pending], utcnow(), actor_id
    db.session.flush()


def queue_recompute(*, calendar_id: int | None, policy_id: int | None, actor_id: int | None, reason: str,
                    tickets: int, at: datetime | None = None) -> dict:
    """Queue a rebuild for the job (`jobs.recompute_pending`), in the transaction of the edit: committed
    with it or not at all. A rebuild of the same calendar/policy that has not started yet absorbs this one
    (it reads the calendar and policies as they are when it runs). Flushes. Returns the queued entry."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(Setting.__table__).values(key=PENDING_KEY, value=[], updated_at=utcnow())
                       .on_conflict_do_nothing(index_elements=["key"]))  # two first edits at once: one row
    pending = pending_recomputes(lock=True)
    for i, entry in enumerate(pending):
        if (entry["calendar_id"], entry["policy_id"]) == (calendar_id, policy_id) and not entry["after_ticket_id"]:
            reasons = [r for r in (entry["reason"], reason) if r]
            pending[i] = {**entry, "actor_id": actor_id, "reason": "; ".join(dict.fromkeys(reasons)),
                          "tickets": max(entry["tickets"], tickets)}
            _write_pending(pending, actor_id)
            return pending[i]
    entry = {"id": uuid.uuid4().hex, "calendar_id": calendar_id, "policy_id": policy_id, "actor_id": actor_id,
             "reason": reason, "planned_at": (at or utcnow()).isoformat(), "after_ticket_id": 0, "done": 0,
             "tickets": tickets, "changed": 0}
    _write_pending([*pending, entry], actor_id)
    return entry


def next_open_ticket_ids(*, calendar: BusinessCalendar | None = None, after: int = 0, limit: int = 500) -> list[int]:
    """The next batch of open tickets a rebuild must look at: ids above the cursor `after`, ascending."""
    stmt = (sa.select(Ticket.id).where(Ticket.status.in_(OPEN_STATUSES), Ticket.id > after)
            .order_by(Ticket.id).limit(limit))
    if calendar is not None:
        stmt = stmt.where(sa.exists().where(
            SlaClock.ticket_id == Ticket.id, SlaClock.met_at.is_(None), SlaClock.stopped_at.is_(None),
            SlaClock.policy_version_id == SlaPolicyVersion.id, SlaPolicyVersion.calendar_id == calendar.id))
    return list(db.session.scalars(stmt))


def advance_pending_recompute(entry: dict, *, batch: int = 500,
                              now: datetime | None = None) -> tuple[dict, bool]:
    """One batch of the queued rebuild `entry` (the oldest; the caller holds the queue's row lock): rebuild
    the next open tickets after its cursor and move the cursor past them, in this transaction, so that a
    crash before the commit loses both and the next run repeats the batch, and a committed batch is never
    redone. The last batch removes the entry and records `sla.recomputed` (audit). Flushes. Returns the
    entry as it is now and whether it is finished."""
    now = now or utcnow()
    calendar = db.session.get(BusinessCalendar, entry["calendar_id"]) if entry["calendar_id"] else None
    policy = db.session.get(SlaPolicy, entry["policy_id"]) if entry["policy_id"] else None
    actor = (db.session.get(User, entry["actor_id"]) if entry["actor_id"] else None) or SYSTEM
    pending = pending_recomputes()
    position = next((i for i, p in enumerate(pending) if p["id"] == entry["id"]), None)
    if position is None:  # finished meanwhile
        return entry, True
    if entry["calendar_id"] and calendar is None:  # deleted meanwhile: no clock can be on it
        ids = []
    else:  # a deleted policy: every open ticket chooses again, as after any policy change
        ids = next_open_ticket_ids(calendar=calendar, after=entry["after_ticket_id"], limit=batch)
    changed = recompute_batch(ids, calendar=calendar, policy=policy, actor=actor, reason=entry["reason"],
                              now=now) if ids else 0
    entry = {**entry, "after_ticket_id": ids[-1] if ids else entry["after_ticket_id"],
             "done": entry["done"] + len(ids), "changed": entry["changed"] + changed}
    if len(ids) == batch:
        pending[position] = entry
        _write_pending(pending, entry["actor_id"])
        return entry, False
    del pending[position]
    _write_pending(pending, entry["actor_id"])
    signals.configuration_changed.send(None, actor=actor, what="sla.recomputed", details={
        "calendar_id": entry["calendar_id"], "policy_id": entry["policy_id"], "tickets": entry["done"],
        "changed": entry["changed"]})
    return entry, True
