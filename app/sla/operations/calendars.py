"""Business calendars: create and edit them (each edit bumps the version), holidays, and the pure
`business_hours.Calendar` that the arithmetic uses (built once per calendar version and reused)."""

from __future__ import annotations

import threading
from datetime import date

import sqlalchemy as sa

from ...core import signals
from ...core.actors import SYSTEM, actor_id
from ...core.clock import utcnow
from ...core.errors import Conflict, ValidationFailed
from ...extensions import db
from ..business_hours import WEEKDAY_NAMES, Calendar, format_hours
from ..models import BusinessCalendar, CalendarHoliday, SlaPolicyVersion

_CACHE_LIMIT = 64
_cache: dict[tuple, Calendar] = {}
_cache_lock = threading.Lock()


def to_calendar(model: BusinessCalendar) -> Calendar:
    """The pure calendar of a row (not cached; see `calendar_for`)."""
    weekly = {int(day): hours for day, hours in (model.weekly_hours or {}).items()}
    return Calendar(model.timezone, weekly, {h.day: h.name for h in model.holidays}, model.name)


def calendar_for(model: BusinessCalendar) -> Calendar:
    """The pure calendar of a row, reused while the row is unchanged (a Calendar memoises its days, so
    reuse makes the job and recomputes fast). Keyed by id, version and edit time: an edit that was
    rolled back can never be mistaken for a later one."""
    key = (model.id, model.version, model.updated_at)
    found = _cache.get(key)
    if found is None:
        found = to_calendar(model)
        with _cache_lock:
            if len(_cache) >= _CACHE_LIMIT:
                _cache.clear()
            _cache[key] = found
    return found


def forget_cached_calendars() -> None:
    """Empty the cache (tests that start from an empty database, whose ids repeat)."""
    with _cache_lock:
        _cache.clear()


def _weekly(weekly_hours) -> dict[str, str]:
    """Normalised {"0": "08:00-12:00, 13:00-17:00", ...} for all seven days; ValidationFailed if wrong."""
    if not isinstance(weekly_hours, dict):
        raise ValidationFailed("Working hours must be given per weekday.", {"field": "weekly_hours"})
    try:
        days = {int(day): hours for day, hours in weekly_hours.items()}
        calendar = Calendar("UTC", days)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"Working hours: {exc}", {"field": "weekly_hours"}) from None
    if not any(calendar.weekly.values()):
        raise ValidationFailed("A calendar needs working hours on at least one day.", {"field": "weekly_hours"})
    return {str(day): format_hours(intervals) for day, intervals in calendar.weekly.items()}


def _check_zone(timezone: str) -> str:
    try:
        Calendar(timezone, {})
    except ValueError as exc:
        raise ValidationFailed(str(exc), {"field": "timezone"}) from None
    return timezone


def check_unique_name(model, name: str, current=None, *, what: str) -> str:
    """The trimmed name of a calendar or policy (`model`), unique among its kind (`current` may keep its own)."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationFailed(f"A {what} needs a name of at most 120 characters.", {"field": "name"})
    clash = db.session.scalar(sa.select(model).where(model.name == name))
    if clash is not None and clash is not current:
        raise ValidationFailed(f"There is already a {what} called {name!r}.", {"field": "name"})
    return name


def _check_name(name: str, calendar: BusinessCalendar | None = None) -> str:
    return check_unique_name(BusinessCalendar, name, calendar, what="calendar")


def _holidays(holidays) -> dict[date, str]:
    result = {}
    for day, label in dict(holidays or {}).items():
        if not isinstance(day, date):
            raise ValidationFailed(f"A holiday must be a date, got {day!r}.", {"field": "holidays"})
        result[day] = str(label or "").strip()[:200]
    return result


def _set_holidays(calendar: BusinessCalendar, wanted: dict[date, str]) -> None:
    """Row by row (a day is unique per calendar: replacing the list would insert before it deletes)."""
    existing = {h.day: h for h in calendar.holidays}
    for day, holiday in existing.items():
        if day not in wanted:
            calendar.holidays.remove(holiday)
        elif holiday.name != wanted[day]:
            holiday.name = wanted[day]
    for day, name in sorted(wanted.items()):
        if day not in existing:
            calendar.holidays.append(CalendarHoliday(day=day, name=name))


def create_calendar(name: str, timezone: str, weekly_hours: dict, holidays: dict[date, str] | None = None,
                    actor=SYSTEM) -> BusinessCalendar:
    """`weekly_hours`: weekday (0 = Monday) -> "08:00-12:00, 13:00-17:00" (or a list of (start, end)
    times); `holidays`: date -> name."""
    now = utcnow()
    calendar = BusinessCalendar(name=_check_name(name), timezone=_check_zone(timezone),
                                weekly_hours=_weekly(weekly_hours), version=1, created_at=now, updated_at=now)
    calendar.holidays = [CalendarHoliday(day=d, name=n) for d, n in sorted(_holidays(holidays).items())]
    db.session.add(calendar)
    db.session.flush()
    signals.configuration_changed.send(None, actor=actor, what="sla.calendar_created",
                                       details={"calendar_id": calendar.id, "name": calendar.name})
    return calendar


def update_calendar(calendar: BusinessCalendar, actor, *, name: str | None = None, timezone: str | None = None,
                    weekly_hours: dict | None = None, holidays: dict[date, str] | None = None) -> list[str]:
    """Change a calendar; `holidays` replaces the whole list. Returns the changed fields (the version is
    bumped if any). Due dates of open tickets move only when `recompute_open_tickets(calendar=...)` runs:
    the admin editor calls it on save, after showing `preview_recompute`."""
    changed = []
    if name is not None and name.strip() != calendar.name:
        calendar.name = _check_name(name, calendar)
        changed.append("name")
    if timezone is not None and timezone != calendar.timezone:
        calendar.timezone = _check_zone(timezone)
        changed.append("timezone")
    if weekly_hours is not None:
        hours = _weekly(weekly_hours)
        if hours != calendar.weekly_hours:
            calendar.weekly_hours = hours
            changed.append("weekly_hours")
    if holidays is not None:
        wanted = _holidays(holidays)
        if wanted != {h.day: h.name for h in calendar.holidays}:
            _set_holidays(calendar, wanted)
            changed.append("holidays")
    if changed:
        calendar.version += 1
        calendar.updated_at = utcnow()
        db.session.flush()
        signals.configuration_changed.send(None, actor=actor, what="sla.calendar_changed", details={
            "calendar_id": calendar.id, "name": calendar.name, "version": calendar.version, "changed": changed,
            "by": actor_id(actor)})
    return changed


def add_holidays(calendar: BusinessCalendar, holidays: dict[date, str], actor) -> list[str]:
    """Merge holidays (from `holidays_import.from_ical` or `country_preset`) into the calendar's list;
    a day already there keeps its name."""
    merged = {**_holidays(holidays), **{h.day: h.name for h in calendar.holidays}}
    return update_calendar(calendar, actor, holidays=merged)


def delete_calendar(calendar: BusinessCalendar, actor) -> None:
    if db.session.scalar(sa.select(sa.func.count()).where(SlaPolicyVersion.calendar_id == calendar.id)):
        raise Conflict(f"The calendar {calendar.name!r} is used by SLA policies (also by earlier versions).")
    details = {"calendar_id": calendar.id, "name": calendar.name}
    db.session.delete(calendar)
    db.session.flush()
    signals.configuration_changed.send(None, actor=actor, what="sla.calendar_deleted", details=details)


__all__ = ["WEEKDAY_NAMES", "add_holidays", "calendar_for", "create_calendar", "delete_calendar", "to_calendar",
           "update_calendar"]
