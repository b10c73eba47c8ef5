"""Read helpers for the ticket page, queues, dashboards, the API and the portal. No writes.

Visibility is the caller's business: pass only tickets the user may see (tickets.queries.ticket_for),
or restrict the lists with `team_ids`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from ..catalog.models import Service
from ..core.clock import utcnow
from ..core.db import MAX_ID
from ..core.errors import ValidationFailed
from ..extensions import db
from ..tickets import queries as ticket_queries
from ..tickets.models import OPEN_STATUSES, Priority, Ticket, TicketType
from ..tickets.permissions import visible_tickets_clause
from .business_hours import END_OF_DAY
from .clock import TimelineEntry, compute, explain_clock, runs_from_marks, totals
from .models import (
    BusinessCalendar,
    CalendarHoliday,
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


@dataclass(frozen=True, slots=True)
class ClockRow:
    """The columns of a clock that a badge needs, read without the ORM (a queue page reads ~150)."""

    ticket_id: int
    target: SlaTarget
    cycle: int
    started_at: datetime
    target_minutes: int
    due_at: datetime | None
    warn_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    warned_at: datetime | None
    stopped_at: datetime | None
    is_paused: bool

    @property
    def is_live(self) -> bool:
        return self.met_at is None and self.stopped_at is None


_CLOCK_ROW = sa.select(*(SlaClock.__table__.c[name] for name in ClockRow.__slots__))


def sla_summaries(ticket_ids: Iterable[int], now: datetime | None = None) -> dict[int, dict[str, dict]]:
    """`sla_summary` for a page of a queue in one query (without used/remaining business time; show
    "due in" as `due_at` - now)."""
    now = now or utcnow()
    ids = list(ticket_ids)
    by_ticket: dict[int, list[ClockRow]] = {i: [] for i in ids}
    if ids:
        for row in db.session.execute(_CLOCK_ROW.where(SlaClock.ticket_id.in_(ids))):
            by_ticket[row.ticket_id].append(ClockRow(*row))
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
    stmt = about_to_breach_stmt(within, now or utcnow(), limit)
    if team_ids is not None:
        stmt = stmt.where(Ticket.team_id.in_(list(team_ids)))
    return [(clock, ticket) for clock, ticket in db.session.execute(stmt)]


def about_to_breach_stmt(within: timedelta, now: datetime, limit: int) -> sa.Select:
    return (sa.select(SlaClock, Ticket).join(Ticket, Ticket.id == SlaClock.ticket_id)
            .where(SlaClock.due_at <= now + within, SlaClock.due_at > now, SlaClock.met_at.is_(None),
                   SlaClock.breached_at.is_(None), SlaClock.stopped_at.is_(None),
                   Ticket.status.in_(OPEN_STATUSES))
            .order_by(SlaClock.due_at, SlaClock.id).limit(limit))


def week_start(now: datetime, timezone: str | None = None) -> datetime:
    """Monday 00:00 of `now`'s week in the zone (default DEFAULT_TIMEZONE), as UTC."""
    zone = ZoneInfo(timezone or current_app.config["DEFAULT_TIMEZONE"])
    local = now.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).date()
    return datetime(monday.year, monday.month, monday.day, tzinfo=zone).astimezone(now.tzinfo)


def breached_this_week(*, team_ids: Iterable[int] | None = None, now: datetime | None = None,
                       timezone: str | None = None, limit: int = 500) -> list[tuple[SlaEvent, Ticket]]:
    """Breaches recorded since Monday 00:00 (local), newest first, with their tickets."""
    stmt = breached_this_week_stmt(now or utcnow(), timezone, limit)
    if team_ids is not None:
        stmt = stmt.where(Ticket.team_id.in_(list(team_ids)))
    return [(event, ticket) for event, ticket in db.session.execute(stmt)]


def breached_this_week_stmt(now: datetime, timezone: str | None, limit: int) -> sa.Select:
    return (sa.select(SlaEvent, Ticket).join(Ticket, Ticket.id == SlaEvent.ticket_id)
            .where(SlaEvent.kind == SlaEventKind.breached, SlaEvent.at >= week_start(now, timezone),
                   SlaEvent.at <= now)
            .order_by(SlaEvent.at.desc(), SlaEvent.id.desc()).limit(limit))


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


# -- workspace: queue badges, time-to-breach sort, the ticket's SLA panel ------------------------------------
#: the order in which a ticket's targets are shown
TARGET_ORDER = {t.value: i for i, t in enumerate(SlaTarget)}


@dataclass(frozen=True)
class Headline:
    """The one target a queue badge shows for a ticket."""

    target: str
    #: one of STATES
    state: str
    #: ok / warning: when it is due; breached: when it breached; else None
    at: datetime | None


def headline(summary: dict[str, dict]) -> Headline | None:
    """What matters most about a ticket's clocks (an `sla_summaries` entry), for a badge. Live clocks
    first: the earliest breached one, else the one due soonest, else a paused one; with no live clock, a
    breach on record, else "met" if a target was met, else "stopped". None: the ticket has no SLA."""
    if not summary:
        return None
    ordered = sorted(summary.items(), key=lambda item: TARGET_ORDER[item[0]])
    live = [(t, e) for t, e in ordered if e["met_at"] is None and e["stopped_at"] is None]
    breached = [(t, e) for t, e in live if e["state"] == "breached"]
    if breached:
        target, entry = min(breached, key=lambda item: item[1]["breached_at"] or item[1]["due_at"])
        return Headline(target, "breached", entry["breached_at"] or entry["due_at"])
    running = [(t, e) for t, e in live if e["due_at"] is not None and not e["paused"]]
    if running:
        target, entry = min(running, key=lambda item: item[1]["due_at"])
        return Headline(target, entry["state"], entry["due_at"])
    if live:
        return Headline(live[0][0], "paused", None)
    late = [(t, e) for t, e in ordered if e["breached_at"] is not None]
    if late:
        target, entry = max(late, key=lambda item: item[1]["breached_at"])
        return Headline(target, "breached", entry["breached_at"])
    met = [t for t, e in ordered if e["met_at"] is not None]
    if met:
        return Headline(met[-1], "met", None)
    return Headline(ordered[-1][0], "stopped", None)


def headlines(ticket_ids: Iterable[int], now: datetime | None = None) -> dict[int, Headline | None]:
    """`headline` for a page of tickets, in one query."""
    return {tid: headline(summary) for tid, summary in sla_summaries(ticket_ids, now).items()}


def _decode_due_cursor(cursor: str) -> tuple[datetime | None, int]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if (not isinstance(raw, list) or len(raw) != 2 or not isinstance(raw[1], int)
                or not 0 <= raw[1] <= MAX_ID):
            raise ValueError
        due = None if raw[0] is None else datetime.fromisoformat(raw[0])
        if due is not None:
            if due.tzinfo is None:
                raise ValueError
            due.astimezone(UTC)
        return due, raw[1]
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationFailed(_("The cursor is not valid; start again from the first page."),
                               {"field": "cursor"}) from None


def _unmet(clock) -> tuple:
    return clock.met_at.is_(None), clock.stopped_at.is_(None)


def _due_candidates(after: tuple[datetime, int] | None) -> sa.Subquery:
    """The clocks that can set a ticket's place in the "time to breach" order: neither met nor stopped,
    with a due date (breached ones included), read in due order. An index on ``sla_clock (due_at) WHERE
    met_at IS NULL AND stopped_at IS NULL`` lets the database stop after a page."""
    stmt = sa.select(SlaClock.id, SlaClock.ticket_id, SlaClock.due_at).where(
        *_unmet(SlaClock), SlaClock.due_at.is_not(None))
    if after is not None:
        bound = sa.literal(after[0], SlaClock.due_at.type)
        stmt = stmt.where(SlaClock.due_at >= bound,
                          sa.tuple_(SlaClock.due_at, SlaClock.ticket_id) > sa.tuple_(bound, sa.literal(after[1])))
    return stmt.subquery("due_clock")


def tickets_by_time_to_breach(user, f: ticket_queries.TicketFilter, limit: int = 50, cursor: str | None = None,
                              with_count: bool = True) -> ticket_queries.Page:
    """A queue page sorted by time to breach: by the earliest due date among the ticket's clocks that are
    neither met nor stopped (breached ones too, so overdue tickets come first of all and stay there after
    the job has recorded the breach), then the tickets with no such date (paused, met, no SLA) by number.
    Keyset-paginated on (due, id) like the other sorts (the cursor's due is empty in the second part)."""
    if not 1 <= limit <= ticket_queries.MAX_LIMIT:
        raise ValidationFailed(_("The limit must be between 1 and %(max)d.", max=ticket_queries.MAX_LIMIT),
                               {"field": "limit"})
    found = ticket_queries.visible_filtered(user, f)
    base = found.stmt
    count, estimated = found.count() if with_count else (0, False)
    after_due, after_id = _decode_due_cursor(cursor) if cursor else (None, None)
    options = (joinedload(Ticket.requester), joinedload(Ticket.assignee), joinedload(Ticket.team),
               joinedload(Ticket.service), joinedload(Ticket.category), selectinload(Ticket.tags))
    rows: list[tuple[Ticket, datetime | None]] = []
    if after_id is None or after_due is not None:  # first part: tickets with a due date
        due = _due_candidates((after_due, after_id) if after_due is not None else None)
        other = sa.orm.aliased(SlaClock)
        earlier = sa.exists().where(  # the ticket's earliest due clock only: one row per ticket
            other.ticket_id == due.c.ticket_id, *_unmet(other), other.due_at.is_not(None),
            sa.or_(other.due_at < due.c.due_at, sa.and_(other.due_at == due.c.due_at, other.id < due.c.id)))
        stmt = (base.add_columns(due.c.due_at).join(due, due.c.ticket_id == Ticket.id).where(~earlier)
                .order_by(due.c.due_at, Ticket.id).limit(limit + 1).options(*options))
        rows = [(ticket, at) for ticket, at in db.session.execute(stmt).unique().all()]
    if len(rows) <= limit:  # second part: tickets without a due date, by number
        dated = sa.exists().where(SlaClock.ticket_id == Ticket.id, *_unmet(SlaClock), SlaClock.due_at.is_not(None))
        stmt = base.where(~dated).order_by(Ticket.id).limit(limit + 1 - len(rows)).options(*options)
        if after_due is None and after_id is not None:
            stmt = stmt.where(Ticket.id > after_id)
        rows += [(ticket, None) for ticket in db.session.scalars(stmt).unique().all()]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last, last_due = rows[-1]
        next_cursor = ticket_queries.encode_cursor([last_due, last.id])
    return ticket_queries.Page(items=[ticket for ticket, _due in rows], next_cursor=next_cursor, count=count,
                              count_is_estimate=estimated)


@dataclass(frozen=True)
class PanelTarget:
    """One target on the ticket's SLA panel."""

    target: str
    clock: SlaClock
    state: str
    used: timedelta
    #: business time left (negative: overdue)
    remaining: timedelta
    entries: list[TimelineEntry]
    totals: dict[str, timedelta]
    #: the calendar's business day in minutes, and whether it counts every hour (for "3 business days")
    business_day_minutes: int
    is_always: bool


def sla_panel(ticket: Ticket, now: datetime | None = None) -> list[PanelTarget]:
    """Each target of the ticket (next response: the latest cycle) with its state, business time used and
    left, and the timeline that explains its due date. A fixed number of queries whatever the ledger's
    length: the clocks with their versions and calendars, the holidays, one read of the ledger."""
    now = now or utcnow()
    clocks = db.session.scalars(
        sa.select(SlaClock).where(SlaClock.ticket_id == ticket.id)
        .options(joinedload(SlaClock.policy_version).joinedload(SlaPolicyVersion.calendar)
                 .selectinload(BusinessCalendar.holidays))).unique()
    latest = sorted(_latest_per_target(clocks).values(), key=lambda c: TARGET_ORDER[c.target.value])
    ledger = Ledger.for_clocks([c.id for c in latest])
    panel = []
    for clock in latest:
        calendar = calendar_for(clock.policy_version.calendar)
        runs, gaps = runs_from_marks(ledger.marks(clock))
        until = now if clock.is_live else min(now, clock.met_at or clock.stopped_at)
        state = compute(timedelta(minutes=clock.target_minutes), runs, calendar, until, clock.warning_percent)
        entries = explain_clock(runs, gaps, calendar, now)
        panel.append(PanelTarget(clock.target.value, clock, clock_state(clock, now), state.used,
                                 state.remaining, entries, totals(entries), _day_minutes(calendar),
                                 calendar.is_always))
    return panel


def visible_about_to_breach(user, within: timedelta, *, team_id: int | None = None, limit: int = 100,
                            now: datetime | None = None) -> list[tuple[SlaClock, Ticket]]:
    """`about_to_breach` restricted to the tickets `user` may see (as the queues are), optionally one team."""
    return _visible(about_to_breach_stmt(within, now or utcnow(), limit), user, team_id)


def visible_breached_this_week(user, *, team_id: int | None = None, limit: int = 200,
                               now: datetime | None = None) -> list[tuple[SlaEvent, Ticket]]:
    """`breached_this_week` restricted to the tickets `user` may see, optionally one team; newest first."""
    return _visible(breached_this_week_stmt(now or utcnow(), None, limit), user, team_id)


def _visible(stmt: sa.Select, user, team_id: int | None) -> list[tuple]:
    stmt = stmt.where(visible_tickets_clause(user)).options(
        joinedload(Ticket.assignee), joinedload(Ticket.team), joinedload(Ticket.requester))
    if team_id is not None:
        stmt = stmt.where(Ticket.team_id == team_id)
    return [(first, ticket) for first, ticket in db.session.execute(stmt)]


# -- the portal: what requesters are told --------------------------------------------------------------------
#: conditions about the requester (VIP, department) are internal agreements: such policies are not published
_PRIVATE_CONDITIONS = ("requester_vip", "departments")


def is_publishable(version: SlaPolicyVersion) -> bool:
    conditions = version.conditions or {}
    return not any(conditions.get(key) not in (None, [], "") for key in _PRIVATE_CONDITIONS)


def business_day_minutes(calendar: BusinessCalendar) -> int:
    """The calendar's longest working day in minutes: a "business day" of the targets."""
    return _day_minutes(calendar_for(calendar))


def _day_minutes(calendar) -> int:
    def minute(t) -> int:
        return 24 * 60 if t == END_OF_DAY else t.hour * 60 + t.minute

    return max((sum(minute(b) - minute(a) for a, b in day) for day in calendar.weekly.values()), default=0)


def expected_resolution(ticket: Ticket, now: datetime | None = None) -> datetime | None:
    """The date the portal may promise ("we aim to resolve this by ..."): the resolution due date while the
    ticket is open and its clock runs and is not overdue. None otherwise: a paused clock has no date, and a
    date already missed is no promise to repeat (the status text and the agent's ETA speak then)."""
    now = now or utcnow()
    if not ticket.status.is_open:
        return None
    clock = db.session.scalars(
        sa.select(SlaClock).where(SlaClock.ticket_id == ticket.id, SlaClock.target == SlaTarget.resolution)
        .order_by(SlaClock.cycle.desc()).limit(1)).first()
    if clock is None or not clock.is_live or clock.is_paused or clock.breached_at is not None:
        return None
    if clock.due_at is None or clock.due_at <= now:
        return None
    return clock.due_at


@dataclass(frozen=True)
class PublishedPolicy:
    """A policy as the portal tells it: whom it covers and its targets, nothing internal (no warning
    thresholds, actions, versions or requester conditions)."""

    name: str
    priorities: list[Priority]
    types: list[TicketType]
    service_names: list[str]
    #: target -> business minutes (None: no promise)
    targets: dict[str, int | None]
    calendar: BusinessCalendar
    business_day_minutes: int
    is_always: bool


@dataclass(frozen=True)
class PublishedCalendar:
    calendar: BusinessCalendar
    #: weekday (0 = Monday) -> "08:00-12:00, 13:00-17:00" ("" = closed)
    hours: dict[int, str]
    is_always: bool
    #: holidays from today on, for a year
    holidays: list[CalendarHoliday]


def published_service_levels(now: datetime | None = None) -> tuple[list[PublishedPolicy], list[PublishedCalendar]]:
    """What the portal publishes: the active policies that do not single out requesters, in evaluation
    order, and the calendars they count on with the coming year's holidays."""
    now = now or utcnow()
    chosen = [(p, v) for p, v in published_policies() if is_publishable(v)]
    service_ids = {int(i) for _p, v in chosen for i in (v.conditions or {}).get("service_ids") or []}
    names = dict(db.session.execute(sa.select(Service.id, Service.name).where(Service.id.in_(service_ids)))) \
        if service_ids else {}
    policies_out, calendars_out = [], {}
    for policy, version in chosen:
        model = version.calendar
        calendar = calendar_for(model)
        conditions = version.conditions or {}
        policies_out.append(PublishedPolicy(
            policy.name, _members(Priority, conditions.get("priorities")),
            _members(TicketType, conditions.get("types")),
            sorted(names[int(i)] for i in conditions.get("service_ids") or [] if int(i) in names),
            {t.value: version.target_minutes(t) for t in SlaTarget}, model, _day_minutes(calendar),
            calendar.is_always))
        if model.id not in calendars_out:
            today = now.astimezone(ZoneInfo(model.timezone)).date()
            upcoming = [h for h in model.holidays if today <= h.day < today + timedelta(days=366)]
            calendars_out[model.id] = PublishedCalendar(
                model, {day: (model.weekly_hours or {}).get(str(day), "") for day in range(7)}, calendar.is_always,
                upcoming)
    return policies_out, list(calendars_out.values())


def _members(enum_cls, values) -> list:
    return [enum_cls._value2member_map_[v] for v in values or [] if v in enum_cls._value2member_map_]
