"""How SLA facts read on pages, in the reader's language: durations, target and state names, badge texts,
timeline lines, targets in business hours or days. No database; `now` is a parameter.

Registered as Jinja filters/globals by `views.init_display` so that the workspace, the portal and the SLA
pages share one formatter.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .clock import TimelineEntry

TARGET_LABELS = {
    "acknowledge": _l("Acknowledge"),
    "first_response": _l("First response"),
    "next_response": _l("Next response"),
    "resolution": _l("Resolution"),
}

STATE_LABELS = {
    "ok": _l("on track"),
    "warning": _l("warning"),
    "breached": _l("breached"),
    "met": _l("met"),
    "paused": _l("paused"),
    "stopped": _l("stopped"),
}

#: a requester's words for the pause reasons the engine writes
PAUSE_REASONS = {
    "awaiting requester": _l("awaiting requester"),
    "awaiting third party": _l("awaiting third party"),
}


def target_label(target: str) -> str:
    return str(TARGET_LABELS.get(target, target))


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


#: only the units a duration shows are translated (a queue page shows ~50)
_UNITS = {"d": lambda n: _("%(n)d d", n=n), "h": lambda n: _("%(n)d h", n=n), "min": lambda n: _("%(n)d min", n=n)}


def format_duration(value: timedelta, parts: int = 2, *, days: bool = True) -> str:
    """``2 d 3 h``, ``2 h 10 min``, ``45 min``: the `parts` largest non-zero units, rounded down to the
    minute (``0 min``; ``< 1 min`` for a few seconds). Negative values are shown by their size. Without
    `days` (business time, whose days are not 24 h long): ``27 h``."""
    seconds = abs(int(value.total_seconds()))
    if seconds < 60:
        return _("< 1 min") if seconds else _("%(n)d min", n=0)
    day_count, rest = divmod(seconds // 60, 24 * 60) if days else (0, seconds // 60)
    hours, minutes = divmod(rest, 60)
    units = [(amount, unit) for amount, unit in ((day_count, "d"), (hours, "h"), (minutes, "min")) if amount][:parts]
    return " ".join(_UNITS[unit](amount) for amount, unit in units)


def format_business_duration(value: timedelta) -> str:
    """Business time in hours and minutes ("27 h", "2 h 10 min"): a business day is not 24 h."""
    return format_duration(value, days=False)


def badge_text(state: str, at: datetime | None, now: datetime) -> str:
    """What a badge says besides its target: "3 h 20 min left", "breached 2 h ago", "paused", "met"."""
    if state in ("ok", "warning") and at is not None:
        return _("%(time)s left", time=format_duration(at - now))
    if state == "breached" and at is not None:
        return _("breached %(time)s ago", time=format_duration(now - at)) if at <= now else _("breached")
    return state_label(state)


def business_target(minutes: int | None, day_minutes: int, is_always: bool) -> str:
    """A target in the words of the published policy: "4 business hours", "3 business days", "30 minutes"
    (short targets), "4 hours, around the clock" (24x7 calendars count every hour)."""
    if minutes is None:
        return _("no promise")
    if is_always:
        if minutes % 60 == 0:
            return ngettext("%(num)d hour, around the clock", "%(num)d hours, around the clock", minutes // 60)
        return ngettext("%(num)d minute, around the clock", "%(num)d minutes, around the clock", minutes)
    if day_minutes and minutes >= day_minutes and minutes % day_minutes == 0:
        return ngettext("%(num)d business day", "%(num)d business days", minutes // day_minutes)
    if minutes % 60 == 0:
        return ngettext("%(num)d business hour", "%(num)d business hours", minutes // 60)
    if minutes < 60:
        return ngettext("%(num)d minute in business hours", "%(num)d minutes in business hours", minutes)
    return _("%(time)s in business hours", time=format_duration(timedelta(minutes=minutes)))


def timeline_text(entry: TimelineEntry, timezone: str = "UTC") -> str:
    """One line of a clock's timeline: "counted 2 h", "paused 2 h 10 min awaiting requester", "outside
    business hours", "weekend", "holiday: 25 Dec (Christmas Day)", "stopped 1 h: resolved". A holiday's
    day is the calendar's (`timezone`), whatever the reader's zone."""
    length = format_duration(entry.duration)
    if entry.kind == "counted":
        return _("counted %(time)s", time=length)
    if entry.kind == "paused":
        reason = PAUSE_REASONS.get(entry.pause_reason or "", entry.pause_reason or "")
        return _("paused %(time)s %(reason)s", time=length, reason=reason).strip()
    if entry.kind == "stopped":
        return _("stopped %(time)s: %(reason)s", time=length, reason=entry.pause_reason or "").rstrip(": ")
    if entry.kind == "holiday":
        day = format_date(entry.start.astimezone(ZoneInfo(timezone)).date(), "d MMM")
        if entry.holiday:
            return _("holiday: %(day)s (%(name)s)", day=day, name=entry.holiday)
        return _("holiday: %(day)s", day=day)
    if entry.kind == "weekend":
        return _("weekend")
    return _("outside business hours")
