"""Business-time arithmetic on a calendar: pure, plain values in, aware UTC datetimes out.

A `Calendar` is an IANA zone, weekly working hours in that zone's local wall-clock time (split shifts
allowed) and holidays. The functions answer "when has `duration` of business time elapsed after
`start`?" (`add_business_time`), "how much business time lies between a and b?"
(`business_time_between`) and "why?" (`explain`: the timeline of counted and not counted stretches).

Decisions (tested in tests/sla):

* **24:00.** `datetime.time` has no 24:00, so `time.max` (23:59:59.999999) is the marker for "end of
  the day" (`END_OF_DAY`); an interval ending there runs to the next local midnight. `time.max` is
  therefore not usable as an ordinary end time, and never as a start. Intervals never cross midnight:
  a night shift 22:00-06:00 is Mon 22:00-24:00 plus Tue 00:00-06:00, which count as one stretch.
* **Wall-clock hours and DST.** Working hours are local wall-clock times, converted per day through
  the zone (zoneinfo) to UTC. A boundary maps to *the first instant at which the wall clock reads that
  time or later*. For ordinary times that is the time itself; for an ambiguous time (the repeated hour
  when clocks go back) it is the first occurrence (zoneinfo ``fold=0``); for a nonexistent time (the
  skipped hour when clocks go forward) it is the instant of the transition. So 08:00-17:00 is 9 h on
  DST days as well; 01:00-04:00 is 2 h when the clocks skip 02:00-03:00 and 4 h when 02:00-03:00 is
  repeated; an interval wholly inside a skipped hour is empty. The mapping is monotonic, so intervals
  never turn negative or overlap. All arithmetic is done in integer microseconds of UTC, so results
  are exact.
* **Zero duration.** `add_business_time(start, 0)` is `start` itself if `start` is within working
  hours, otherwise the next opening (like common ITSM tools). Working intervals are half-open
  ``[open, close)``: at exactly closing time the calendar is closed.
* **Landing on a closing time.** A positive duration that is used up exactly at a closing time returns
  that closing time (e.g. Friday 17:00), not the next opening.
* **24x7.** A calendar whose seven days are all 00:00-24:00 and has no holidays is plain UTC addition.

Efficiency: the walk goes interval by interval and day by day (never minute by minute), whole weeks
are skipped when the remaining duration exceeds a week's business time, and each calendar memoises its
per-day UTC intervals (a bounded cache; a calendar is immutable, so this is invisible to callers).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "END_OF_DAY",
    "WEEKDAY_NAMES",
    "Calendar",
    "GapKind",
    "Segment",
    "add_business_time",
    "business_intervals",
    "business_time_between",
    "explain",
    "format_hours",
    "is_open",
    "parse_hours",
]

#: Marks an interval that ends at midnight at the end of the day ("24:00").
END_OF_DAY = time.max

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_US = timedelta(microseconds=1)
_DAY_US = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORD = date(1970, 1, 1).toordinal()
_ZERO = timedelta(0)
_CACHE_LIMIT = 4096  # days (and weeks) memoised per calendar, about 11 years

Interval = tuple[time, time]


class GapKind(enum.Enum):
    """Why a stretch of time does not count (see `Segment`)."""

    outside_hours = "outside_hours"  #: a working day, but outside its working intervals (night, lunch)
    weekend = "weekend"  #: a day with no working hours in the weekly schedule
    holiday = "holiday"  #: a holiday of the calendar


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of the timeline ``[start, end)`` (aware UTC) and whether it counts as business time.

    `reason` is an English sentence for logs and tests ("outside business hours", "weekend",
    "holiday: Christmas Day"); user interfaces translate from `kind` and `holiday` instead.
    """

    start: datetime
    end: datetime
    counted: bool
    reason: str | None = None
    kind: GapKind | None = None
    holiday: str | None = None

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def _fmt_time(t: time) -> str:
    if t == END_OF_DAY:
        return "24:00"
    text = f"{t.hour:02d}:{t.minute:02d}"
    if t.second or t.microsecond:
        text += f":{t.second:02d}"
    if t.microsecond:
        text += f".{t.microsecond:06d}"
    return text


def format_hours(intervals: Iterable[Interval]) -> str:
    """``((08:00, 12:00), (13:00, END_OF_DAY))`` -> ``"08:00-12:00, 13:00-24:00"``; closed -> ``""``."""
    return ", ".join(f"{_fmt_time(a)}-{_fmt_time(b)}" for a, b in intervals)


_HOURS_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


def parse_hours(text: str) -> tuple[Interval, ...]:
    """Parse ``"08:00-12:00, 13:00-17:00"`` (``24:00`` allowed as an end; empty means closed).

    Only the syntax is checked here; order and overlaps are checked by `Calendar`.
    """
    result = []
    for part in text.split(","):
        if not part.strip():
            continue
        match = _HOURS_RE.match(part)
        if not match:
            raise ValueError(f"cannot read working hours {part.strip()!r}: expected e.g. 08:00-17:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            raise ValueError(f"not a time of day in {part.strip()!r}")
        result.append((time(h1, m1), END_OF_DAY if h2 == 24 else time(h2, m2)))
    return tuple(result)


def _us_of_day(t: time) -> int:
    if t == END_OF_DAY:
        return _DAY_US
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _normalise_day(weekday: int, intervals: Iterable) -> tuple[Interval, ...]:
    day = WEEKDAY_NAMES[weekday]
    pairs = []
    for item in intervals:
        try:
            start, end = item
        except (TypeError, ValueError):
            raise ValueError(f"{day}: an interval must be a (start, end) pair of times, got {item!r}") from None
        if not isinstance(start, time) or not isinstance(end, time):
            raise ValueError(f"{day}: an interval must be a (start, end) pair of times, got {item!r}")
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"{day}: working hours are local wall-clock times; give times without tzinfo")
        if start == END_OF_DAY:
            raise ValueError(f"{day}: 24:00 (END_OF_DAY) can only end an interval")
        if end <= start:
            raise ValueError(
                f"{day}: interval {_fmt_time(start)}-{_fmt_time(end)} is reversed or empty "
                "(an interval cannot cross midnight: split it at 24:00)"
            )
        pairs.append((start, end))
    pairs.sort()
    merged: list[Interval] = []
    for start, end in pairs:
        if merged and start < merged[-1][1]:
            prev = merged[-1]
            raise ValueError(
                f"{day}: intervals {_fmt_time(prev[0])}-{_fmt_time(prev[1])} and "
                f"{_fmt_time(start)}-{_fmt_time(end)} overlap"
            )
        if merged and start == merged[-1][1]:  # touching: one interval
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


class Calendar:
    """Working hours in an IANA zone, plus holidays. Immutable and hashable.

    `weekly` maps a weekday (0 = Monday ... 6 = Sunday) to a list of ``(start, end)`` local times
    (or to a string for `parse_hours`, e.g. ``"08:00-12:00, 13:00-17:00"``); a missing day is closed.
    `END_OF_DAY` (``time.max``) as an end means 24:00. `holidays` is a set of dates or a mapping
    ``date -> name``; a holiday is closed all day.

    Build one per calendar version and reuse it: it memoises its days' UTC intervals (bounded; safe to
    share between threads, the worst case is a day computed twice).
    """

    __slots__ = ("_tz", "_zone", "_weekly", "_holidays", "_holiday_ords", "_name", "_specs",
                 "_is_always", "_has_hours", "_nominal_week_us", "_days", "_offsets", "_weeks", "_key")

    def __init__(
        self,
        tz: str,
        weekly: Mapping[int, Iterable[Interval] | str],
        holidays: Mapping[date, str] | Iterable[date] = (),
        name: str = "",
    ) -> None:
        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"unknown time zone {tz!r}: use an IANA name such as 'Europe/Berlin'") from None
        days: list[tuple[Interval, ...]] = [()] * 7
        for weekday, intervals in weekly.items():
            if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be an int from 0 (Monday) to 6 (Sunday), got {weekday!r}")
            if isinstance(intervals, str):
                intervals = parse_hours(intervals)
            days[weekday] = _normalise_day(weekday, intervals)
        named: dict[date, str] = {}
        items = holidays.items() if isinstance(holidays, Mapping) else ((d, "") for d in holidays)
        for day, label in items:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise ValueError(f"a holiday must be a date, got {day!r}")
            named[day] = str(label or "").strip()
        set_ = object.__setattr__
        set_(self, "_tz", tz)
        set_(self, "_zone", zone)
        set_(self, "_weekly", tuple(days))
        set_(self, "_holidays", MappingProxyType(dict(sorted(named.items()))))
        set_(self, "_holiday_ords", {d.toordinal(): label for d, label in named.items()})
        set_(self, "_name", name)
        # Per weekday: ((start_us_of_day, start_parts), (end_us_of_day, end_parts)); parts are the
        # (h, m, s, us) wall-clock fields, None for 24:00 (= next local midnight).
        specs = []
        for intervals in days:
            specs.append(tuple(
                ((_us_of_day(a), (a.hour, a.minute, a.second, a.microsecond)),
                 (_us_of_day(b), None if b == END_OF_DAY else (b.hour, b.minute, b.second, b.microsecond)))
                for a, b in intervals
            ))
        set_(self, "_specs", tuple(specs))
        full_day = ((time(0), END_OF_DAY),)
        set_(self, "_is_always", not named and all(d == full_day for d in days))
        set_(self, "_has_hours", any(days))
        set_(self, "_nominal_week_us", sum(_us_of_day(b) - _us_of_day(a) for d in days for a, b in d))
        set_(self, "_days", {})
        set_(self, "_offsets", {})
        set_(self, "_weeks", {})
        set_(self, "_key", (tz, tuple(days), tuple(self._holidays.items()), name))

    @classmethod
    def always(cls, tz: str = "UTC", name: str = "24x7") -> Calendar:
        """Every hour of every day, no holidays: business time is plain elapsed time."""
        return cls(tz, {d: [(time(0), END_OF_DAY)] for d in range(7)}, (), name)

    # -- read-only attributes -------------------------------------------------------------------------
    @property
    def tz(self) -> str:
        return self._tz

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def weekly(self) -> Mapping[int, tuple[Interval, ...]]:
        """All seven weekdays (closed ones map to ``()``), intervals sorted, touching ones merged."""
        return MappingProxyType(dict(enumerate(self._weekly)))

    @property
    def holidays(self) -> Mapping[date, str]:
        return self._holidays

    @property
    def name(self) -> str:
        return self._name

    @property
    def is_always(self) -> bool:
        return self._is_always

    def __setattr__(self, key, value):
        raise AttributeError("Calendar is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Calendar) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        hours = "; ".join(f"{WEEKDAY_NAMES[i][:3]} {format_hours(d)}" for i, d in enumerate(self._weekly) if d)
        return f"Calendar({self._name!r}, {self._tz}, {hours}, {len(self._holidays)} holidays)"

    # -- internals: local wall clock -> UTC microseconds -----------------------------------------------
    def _wall_to_us(self, ordinal: int, year: int, month: int, day: int, parts: tuple[int, int, int, int]) -> int:
        """The first instant (UTC µs since 1970) at which the wall clock reads this local time or later."""
        h, m, s, us = parts
        naive = datetime(year, month, day, h, m, s, us)
        zone = self._zone
        before = zone.utcoffset(naive)  # fold=0: the offset in force before a transition
        after = zone.utcoffset(naive.replace(fold=1))
        local = (ordinal - _EPOCH_ORD) * _DAY_US + ((h * 60 + m) * 60 + s) * 1_000_000 + us
        if after <= before:  # an ordinary time, or ambiguous (clocks went back): the first occurrence
            return local - before // _US
        # Nonexistent (clocks went forward): the transition instant lies in (local-after, local-before].
        lo, hi = local - after // _US, local - before // _US
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if (_EPOCH + timedelta(microseconds=mid)).astimezone(zone).utcoffset() == before:
                lo = mid
            else:
                hi = mid
        return hi

    def _day(self, ordinal: int) -> tuple[int, tuple[tuple[int, int], ...], int]:
        """(start of the local day, working intervals, their total) in UTC µs; memoised."""
        entry = self._days.get(ordinal)
        if entry is not None:
            return entry
        offset = self._midnight_offset(ordinal)
        base = (ordinal - _EPOCH_ORD) * _DAY_US
        specs = () if ordinal in self._holiday_ords else self._specs[(ordinal - 1) % 7]
        if offset == self._midnight_offset(ordinal + 1) == self._midnight_offset(ordinal + 2):
            # The usual day: no transition between this midnight and the day after tomorrow's (the
            # fold=0 offset changes at the *end* of a skipped or repeated stretch, so one that touches
            # this day changes it by then; tzdata never changes an offset twice within two days).
            local = base - offset
            day_start = local
            intervals = tuple((local + a_us, local + b_us) for (a_us, _a), (b_us, _b) in specs)
        else:  # a DST change (or another transition) is near: convert each boundary exactly
            midnight = date.fromordinal(ordinal)
            day_start = self._wall_to_us(ordinal, midnight.year, midnight.month, midnight.day, (0, 0, 0, 0))
            found = []
            for (_a_us, a_parts), (_b_us, b_parts) in specs:
                a = self._wall_to_us(ordinal, midnight.year, midnight.month, midnight.day, a_parts)
                if b_parts is None:
                    n = date.fromordinal(ordinal + 1)
                    b = self._wall_to_us(ordinal + 1, n.year, n.month, n.day, (0, 0, 0, 0))
                else:
                    b = self._wall_to_us(ordinal, midnight.year, midnight.month, midnight.day, b_parts)
                if b > a:  # empty when it lies wholly in a skipped stretch
                    found.append((a, b))
            intervals = tuple(found)
        entry = (day_start, intervals, sum(b - a for a, b in intervals))
        if len(self._days) >= _CACHE_LIMIT:
            self._days.clear()
        self._days[ordinal] = entry
        return entry

    def _midnight_offset(self, ordinal: int) -> int:
        """The UTC offset (µs, fold=0) at local midnight starting day `ordinal`; memoised."""
        offset = self._offsets.get(ordinal)
        if offset is None:
            offset = self._zone.utcoffset(datetime.fromordinal(ordinal)) // _US
            if len(self._offsets) >= _CACHE_LIMIT:
                self._offsets.clear()
            self._offsets[ordinal] = offset
        return offset

    def _week_total(self, ordinal: int) -> int:
        """Business µs in the seven local days starting with `ordinal`; memoised."""
        total = self._weeks.get(ordinal)
        if total is None:
            total = sum(self._day(o)[2] for o in range(ordinal, ordinal + 7))
            if len(self._weeks) >= _CACHE_LIMIT:
                self._weeks.clear()
            self._weeks[ordinal] = total
        return total

    @staticmethod
    def _first_day(us: int) -> int:
        """A local day that starts at or before instant `us`, so earlier days' intervals end before it.

        UTC offsets lie within ±24 h, so the local midnight two UTC days back is never later than `us`.
        Cheaper than converting; the walk skips the day or two too many.
        """
        return us // _DAY_US + _EPOCH_ORD - 2

    def _gap_reason(self, ordinal: int) -> tuple[GapKind, str | None, str]:
        label = self._holiday_ords.get(ordinal)
        if label is not None:
            return GapKind.holiday, label, f"holiday: {label}" if label else "holiday"
        if not self._weekly[(ordinal - 1) % 7]:
            return GapKind.weekend, None, "weekend"
        return GapKind.outside_hours, None, "outside business hours"


# -- conversions ----------------------------------------------------------------------------------------
def _to_us(moment: datetime, what: str) -> int:
    if not isinstance(moment, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(moment).__name__}")
    if moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (store and pass UTC)")
    return (moment - _EPOCH) // _US


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


# -- the public calculations ----------------------------------------------------------------------------
def add_business_time(start: datetime, duration: timedelta, cal: Calendar) -> datetime:
    """The instant (aware UTC) at which `duration` of business time has elapsed after `start`.

    Outside working hours the clock starts at the next opening; a zero duration returns `start`
    if it is within working hours, else the next opening.
    """
    s = _to_us(start, "start")
    if not isinstance(duration, timedelta):
        raise TypeError(f"duration must be a timedelta, got {type(duration).__name__}")
    if duration < _ZERO:
        raise ValueError("duration must not be negative")
    remaining = duration // _US
    if cal._is_always:
        return _from_us(s + remaining)
    if not cal._has_hours:
        raise ValueError(f"calendar {cal.name!r} has no working hours")
    ordinal = cal._first_day(s)
    nominal_week = cal._nominal_week_us
    while True:
        day_start, intervals, _total = cal._day(ordinal)
        if remaining > nominal_week and day_start >= s:
            # Probably more than a week to go: skip the week whole if it really is (holidays, DST).
            week = cal._week_total(ordinal)
            if remaining > week:
                remaining -= week
                ordinal += 7
                continue
        for a, b in intervals:
            if b <= s:
                continue
            if a < s:
                a = s
            available = b - a
            if remaining <= available:
                return _from_us(a + remaining)
            remaining -= available
        ordinal += 1


def business_time_between(a: datetime, b: datetime, cal: Calendar) -> timedelta:
    """Business time in ``[a, b)``; zero if ``b <= a``."""
    x, y = _to_us(a, "a"), _to_us(b, "b")
    if y <= x:
        return _ZERO
    if cal._is_always:
        return timedelta(microseconds=y - x)
    total = 0
    ordinal = cal._first_day(x)
    while True:
        day_start, intervals, day_total = cal._day(ordinal)
        if day_start >= y:
            break
        if day_start >= x and y - day_start > 8 * _DAY_US and cal._day(ordinal + 7)[0] <= y:
            total += cal._week_total(ordinal)
            ordinal += 7
            continue
        for start, end in intervals:
            if end <= x:
                continue
            if start >= y:
                break
            total += min(end, y) - max(start, x)
        ordinal += 1
    return timedelta(microseconds=total)


def _walk(x: int, y: int, cal: Calendar) -> Iterator[tuple[int, int, int, tuple[tuple[int, int], ...]]]:
    """Yield (ordinal, lo, hi, intervals) for each local day, clipped to ``[x, y)``; the days tile it."""
    ordinal = cal._first_day(x)
    day_start, intervals, _ = cal._day(ordinal)
    while day_start < y:
        next_start, next_intervals, _ = cal._day(ordinal + 1)
        lo, hi = max(day_start, x), min(next_start, y)
        if lo < hi:
            yield ordinal, lo, hi, intervals
        ordinal, day_start, intervals = ordinal + 1, next_start, next_intervals


def explain(a: datetime, b: datetime, cal: Calendar) -> list[Segment]:
    """The timeline of ``[a, b)``: consecutive segments that tile it exactly, counted or not, and why not.

    Counted stretches carry no reason; the others are split by local day and say why they do not count
    (outside business hours, weekend, or the holiday's name). Neighbours with the same reason are merged.
    """
    x, y = _to_us(a, "a"), _to_us(b, "b")
    if y <= x:
        return []
    raw: list[tuple[int, int, bool, GapKind | None, str | None, str | None]] = []

    def emit(start: int, end: int, counted: bool, why=(None, None, None)) -> None:
        kind, label, reason = why
        if raw and raw[-1][1] == start and raw[-1][2] == counted and raw[-1][3] == kind and raw[-1][5] == reason:
            raw[-1] = (raw[-1][0], end, counted, kind, label, reason)
        else:
            raw.append((start, end, counted, kind, label, reason))

    if cal._is_always:
        emit(x, y, True)
    else:
        for ordinal, lo, hi, intervals in _walk(x, y, cal):
            why = cal._gap_reason(ordinal)
            cursor = lo
            for start, end in intervals:
                start, end = max(start, lo), min(end, hi)
                if start >= end:
                    continue
                if cursor < start:
                    emit(cursor, start, False, why)
                emit(start, end, True)
                cursor = end
            if cursor < hi:
                emit(cursor, hi, False, why)
    return [
        Segment(_from_us(start), _from_us(end), counted, reason, kind, label)
        for start, end, counted, kind, label, reason in raw
    ]


def business_intervals(a: datetime, b: datetime, cal: Calendar) -> Iterator[tuple[datetime, datetime]]:
    """The working stretches within ``[a, b)`` as (start, end) aware UTC pairs, clipped and merged."""
    for segment in explain(a, b, cal):
        if segment.counted:
            yield segment.start, segment.end


def is_open(moment: datetime, cal: Calendar) -> bool:
    """Whether `moment` lies within working hours (intervals are half-open: closed at closing time)."""
    x = _to_us(moment, "moment")
    if cal._is_always:
        return True
    return any(start <= x < end for _o, lo, hi, intervals in _walk(x, x + 1, cal) for start, end in intervals)
