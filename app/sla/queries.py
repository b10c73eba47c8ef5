"""Read helpers for the ticket page, queues, dashboards, the API and the portal. No writes.

Visibility is the caller's business: pass only tickets the user may see (tickets.queries.ticket_for),
or restrict the lists with `team_ids`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from ..core.clock import utcnow
from ..extensions import db
from ..tickets.models import OPEN_STATUSES, Ticket
from .clock import TimelineEntry, explain_clock, runs_from_marks, totals
from .models import (
    BusinessCalendar,
    SlaClock,
    SlaEvent,
    SlaEventKind,
    SlaPolicy,
    SlaPolicyVersion,
    SlaTarget,
    SlaTicket,
)
from .operations.calendars import calendar_for
from .operations.clocks import Ledger, state_of

#: the states a target can be in, for badges ("stopped": ended without being met, e.g. resolved before
#: a first response was given)
STATES = ("ok", "warning", "breached", "met", "paused", "stopped")


def clock_state(clock: SlaClock, now: datetime | None = None) -> str:
    """breached (now or ever: a late response stays a breach) > met > stopped > paused > warning > ok."""
    now = now or utcnow()
    if clock.breached_at is not None or (clock.is_live and clock.due_at is not None and clock.due_at <= now):
        return "breached"
    if clock.met_at is not None:
        return "met"
    if clock.stopped_at is not None:
        return "stopped"
    if clock.is_paused:
        return "paused"
    if clock.warned_at is not None or (clock.warn_at is not None and clock.warn_at <= now):
        return "warning"
    return "ok"


def _latest_per_target(clocks: Iterable[SlaClock]) -> dict[SlaTarget, SlaClock]:
    latest: dict[SlaTarget, SlaClock] = {}
    for clock in clocks:
        if clock.target not in latest or clock.cycle > latest[clock.target].cycle:
            latest[clock.target] = clock
    return latest


def _entry(clock: SlaClock, now: datetime, *, exact: bool) -> dict:
    entry = {
        "due_at": clock.due_at, "warn_at": clock.warn_at, "met_at": clock.met_at,
        "breached_at": clock.breached_at, "warned_at": clock.warned_at, "stopped_at": clock.stopped_at,
        "paused": clock.is_paused, "state": clock_state(clock, now), "started_at": clock.started_at,
        "target_minutes": clock.target_minutes, "cycle": clock.cycle,
    }
    if exact:  # business time used and left, read from the ledger at `now`
        state = state_of(clock, now if clock.is_live else (clock.met_at or clock.stopped_at))
        entry["used_seconds"] = int(state.used.total_seconds())
        entry["remaining_seconds"] = int(state.remaining.total_seconds())
    return entry


def sla_summary(ticket: Ticket, now: datetime | None = None) -> dict[str, dict]:
    """{target: {due_at, warn_at, met_at, breached_at, warned_at, stopped_at, paused, state, started_at,
    target_minutes, cycle, used_seconds, remaining_seconds}} for the targets the ticket has clocks for
    (next response: the latest one). For the ticket page and the ticket JSON (`sla` key)."""
    now = now or utcnow()
    clocks = db.session.scalars(sa.select(SlaClock).where(SlaClock.ticket_id == ticket.id))
    latest = _latest_per_target(clocks)
    return {t.value: _entry(latest[t], now, exact=True) for t in SlaTarget if t in latest}


def sla_summaries(ticket_ids: Iterable[int], now: datetime | None = None) -> dict[int, dict[str, dict]]:
    """`sla_summary` for a page of a queue in one query (without used/remaining business time; show
    "due in" as `due_at` - now)."""
    now = now or utcnow()
    ids = list(ticket_ids)
    by_ticket: dict[int, list[SlaClock]] = {i: [] for i in ids}
    if ids:
        for clock in db.session.scalars(sa.select(SlaClock).where(SlaClock.ticket_id.in_(ids))):
            by_ticket[clock.ticket_id].append(clock)
    return {tid: {t.value: _entry(c, now, exact=False) for t, c in _latest_per_target(clocks).items()}
            for tid, clocks in by_ticket.items()}


def next_due_at():
    """SQL: the earliest live due date of a ticket (NULL if none), correlated to `Ticket`. Queues sort
    by time to breach with ``.order_by(next_due_at().asc().nulls_last(), Ticket.id)``."""
    return (sa.select(sa.func.min(SlaClock.due_at))
            .where(SlaClock.ticket_id == Ticket.id, SlaClock.met_at.is_(None), SlaClock.stopped_at.is_(None),
                   SlaClock.breached_at.is_(None))
            .correlate(Ticket).scalar_subquery())


def sla_state(ticket: Ticket) -> SlaTicket | None:
    """The policy version the ticket runs under (`policy_version`), why (`match_reason`), and the pause."""
    return db.session.get(SlaTicket, ticket.id)


def sla_events(ticket: Ticket) -> list[SlaEvent]:
    """The ledger of a ticket, oldest first (GET /api/v1/tickets/{id}/sla/events; the history)."""
    return list(db.session.scalars(
        sa.select(SlaEvent).where(SlaEvent.ticket_id == ticket.id).order_by(SlaEvent.at, SlaEvent.id)))


@dataclass(frozen=True)
class Explanation:
    clock: SlaClock
    entries: list[TimelineEntry]
    #: wall-clock time per kind: counted, outside_hours, weekend, holiday, paused, stopped
    totals: dict[str, timedelta]


def explain_target(clock: SlaClock, now: datetime | None = None) -> Explanation:
    """Why a clock's due date is what it is: the timeline from its start ("paused 2 h 10 min awaiting
    requester", "outside business hours", "holiday: Christmas Day")."""
    now = now or utcnow()
    runs, gaps = runs_from_marks(Ledger().marks(clock))
    entries = explain_clock(runs, gaps, calendar_for(clock.policy_version.calendar), now)
    return Explanation(clock, entries, totals(entries))


def sla_explanations(ticket: Ticket, now: datetime | None = None) -> dict[str, Explanation]:
    """`explain_target` for each target of the ticket (the latest next-response clock), for the SLA panel."""
    clocks = db.session.scalars(sa.select(SlaClock).where(SlaClock.ticket_id == ticket.id))
    return {t.value: explain_target(c, now) for t, c in sorted(_latest_per_target(clocks).items(),
                                                                key=lambda item: list(SlaTarget).index(item[0]))}


def about_to_breach(within: timedelta = timedelta(hours=1), *, team_ids: Iterable[int] | None = None,
                    limit: int = 100, now: datetime | None = None) -> list[tuple[SlaClock, Ticket]]:
    """Live clocks due within `within` (not yet breached), soonest first, with their tickets."""
    now = now or utcnow()
    stmt = (sa.select(SlaClock, Ticket).join(Ticket, Ticket.id == SlaClock.ticket_id)
            .where(SlaClock.due_at <= now + within, SlaClock.due_at > now, SlaClock.met_at.is_(None),
                   SlaClock.breached_at.is_(None), SlaClock.stopped_at.is_(None),
                   Ticket.status.in_(OPEN_STATUSES))
            .order_by(SlaClock.due_at, SlaClock.id).limit(limit))
    if team_ids is not None:
        stmt = stmt.where(Ticket.team_id.in_(list(team_ids)))
    return [(clock, ticket) for clock, ticket in db.session.execute(stmt)]


def week_start(now: datetime, timezone: str | None = None) -> datetime:
    """Monday 00:00 of `now`'s week in the zone (default DEFAULT_TIMEZONE), as UTC."""
    zone = ZoneInfo(timezone or current_app.config["DEFAULT_TIMEZONE"])
    local = now.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).date()
    return datetime(monday.year, monday.month, monday.day, tzinfo=zone).astimezone(now.tzinfo)


def breached_this_week(*, team_ids: Iterable[int] | None = None, now: datetime | None = None,
                       timezone: str | None = None, limit: int = 500) -> list[tuple[SlaEvent, Ticket]]:
    """Breaches recorded since Monday 00:00 (local), newest first, with their tickets."""
    now = now or utcnow()
    stmt = (sa.select(SlaEvent, Ticket).join(Ticket, Ticket.id == SlaEvent.ticket_id)
            .where(SlaEvent.kind == SlaEventKind.breached, SlaEvent.at >= week_start(now, timezone),
                   SlaEvent.at <= now)
            .order_by(SlaEvent.at.desc(), SlaEvent.id.desc()).limit(limit))
    if team_ids is not None:
        stmt = stmt.where(Ticket.team_id.in_(list(team_ids)))
    return [(event, ticket) for event, ticket in db.session.execute(stmt)]


# -- configuration (admin UI, API, portal) ---------------------------------------------------------------------
def calendars() -> list[BusinessCalendar]:
    return list(db.session.scalars(sa.select(BusinessCalendar).order_by(BusinessCalendar.name)))


def policies(active_only: bool = False) -> list[tuple[SlaPolicy, SlaPolicyVersion]]:
    """Policies in evaluation order, each with its current version."""
    stmt = (sa.select(SlaPolicy, SlaPolicyVersion)
            .join(SlaPolicyVersion, sa.and_(SlaPolicyVersion.policy_id == SlaPolicy.id,
                                            SlaPolicyVersion.number == SlaPolicy.current_version))
            .order_by(SlaPolicy.position, SlaPolicy.id))
    if active_only:
        stmt = stmt.where(SlaPolicy.is_active.is_(True))
    return [(policy, version) for policy, version in db.session.execute(stmt)]


def policy_versions(policy: SlaPolicy) -> list[SlaPolicyVersion]:
    """Every version of a policy, newest first (the admin's history; what a ticket ran under)."""
    return list(db.session.scalars(sa.select(SlaPolicyVersion).where(SlaPolicyVersion.policy_id == policy.id)
                                   .order_by(SlaPolicyVersion.number.desc())))


def published_policies() -> list[tuple[SlaPolicy, SlaPolicyVersion]]:
    """What the portal publishes to requesters: the active policies and their current targets."""
    return policies(active_only=True)
