"""Holidays for business calendars, from an iCalendar file or a country preset: pure, ``{date: name}`` out.

A holiday is a whole local day, so only all-day events (``DTSTART;VALUE=DATE``) are read from iCal;
timed events and cancelled ones are ignored. Two holidays on one day get their names joined.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

import holidays as holidays_lib
import icalendar
from dateutil.rrule import rrulestr

__all__ = ["country_preset", "from_ical", "preset_choices"]

# An all-day event's RRULE should end with a DATE; feeds often write a UTC date-time instead,
# which dateutil refuses next to a floating start. The date part is what is meant.
_UNTIL_DATETIME = re.compile(r"UNTIL=(\d{8})T\d{6}Z?")


def _add(result: dict[date, str], day: date, name: str) -> None:
    known = result.get(day)
    if known is None:
        result[day] = name
    elif name and name not in known.split(", "):
        result[day] = f"{known}, {name}" if known else name


def _dates(prop) -> list[date]:
    """The dates of an RDATE/EXDATE property (one, or a list when it occurs several times)."""
    if prop is None:
        return []
    found = []
    for item in prop if isinstance(prop, list) else [prop]:
        for value in getattr(item, "dts", []):
            moment = value.dt
            found.append(moment.date() if isinstance(moment, datetime) else moment)
    return found


def _starts(event, start: date, length: timedelta, years: range | None) -> list[date]:
    """Every first day of the event: DTSTART, or its recurrences (RRULE + RDATE - EXDATE)."""
    rules = event.rrules
    extra = _dates(event.get("RDATE"))
    excluded = set(_dates(event.get("EXDATE")))
    if not rules:
        return sorted({start, *extra} - excluded)
    begin = datetime.combine(start, time())
    found: set[date] = set(extra)
    for rule in rules:
        text = _UNTIL_DATETIME.sub(r"UNTIL=\1", rule.to_ical().decode())
        recurrence = rrulestr(text, dtstart=begin)
        if years is not None:
            if not years:
                continue
            # One that starts late in the year before can still reach into the first year asked for.
            lo = datetime(min(years), 1, 1) - length
            hi = datetime(max(years), 12, 31)
            found.update(moment.date() for moment in recurrence.between(lo, hi, inc=True))
        elif "COUNT=" in text or "UNTIL=" in text:
            found.update(moment.date() for moment in recurrence)
        else:
            summary = str(event.get("SUMMARY", "")).strip()
            raise ValueError(f"event {summary!r} repeats without end: give the years to import")
    return sorted(found - excluded)


def from_ical(data: bytes | str, years: range | None = None) -> dict[date, str]:
    """The holidays in an iCalendar file as ``{date: name}``, sorted by date.

    Multi-day events give every day from DTSTART up to DTEND (exclusive; or DTSTART + DURATION).
    Recurring events (RRULE, RDATE, EXDATE) are expanded for `years`; without `years` an endless
    RRULE is an error. With `years`, only days in those years are returned.
    """
    try:
        parsed = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise ValueError(f"not a readable iCalendar file: {exc}") from None
    result: dict[date, str] = {}
    for event in parsed.walk("VEVENT"):
        prop = event.get("DTSTART")
        if prop is None or isinstance(prop.dt, datetime):
            continue  # no start, or a timed event: not a holiday
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        start: date = prop.dt
        try:
            end = event.end
        except ValueError:  # icalendar.InvalidCalendar, e.g. DTEND before DTSTART
            end = None
        days = (end - start).days if isinstance(end, date) and not isinstance(end, datetime) else 1
        length = timedelta(days=max(days, 1))
        name = str(event.get("SUMMARY", "")).strip()
        for first in _starts(event, start, length, years):
            for offset in range(length.days):
                day = first + timedelta(days=offset)
                if years is None or day.year in years:
                    _add(result, day, name)
    return dict(sorted(result.items()))


def country_preset(
    country: str, years: Iterable[int], subdivision: str | None = None, language: str = "en_US"
) -> dict[date, str]:
    """Public holidays of a country (ISO 3166-1 alpha-2, e.g. ``"DE"``) and optionally a subdivision
    (e.g. ``"BY"`` for Bavaria) for the given years, from the `holidays` package, as ``{date: name}``.

    Names are in `language` where the package has it, else in the country's own language.
    """
    try:
        found = holidays_lib.country_holidays(
            country.upper(), subdiv=subdivision, years=list(years), language=language
        )
    except NotImplementedError as exc:
        raise ValueError(f"no holiday preset for {country!r}{f'/{subdivision!r}' if subdivision else ''}: {exc}") \
            from None
    return dict(sorted(found.items()))


def preset_choices() -> dict[str, list[str]]:
    """Country codes with a preset, each with its subdivision codes (for a picker in the admin UI)."""
    return {code: list(subdivisions) for code, subdivisions in sorted(holidays_lib.list_supported_countries().items())}
