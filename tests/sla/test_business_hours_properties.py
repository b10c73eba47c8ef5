"""Business-hours arithmetic: hypothesis properties over generated calendars (split shifts, 24:00,
holidays) in zones with DST changes (incl. Lord Howe's half hour and Santiago's midnight change) and
instants across 2025-2028, biased towards the days of DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.sla.business_hours import (
    END_OF_DAY,
    Calendar,
    add_business_time,
    business_intervals,
    business_time_between,
    explain,
    is_open,
)

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Pacific/Chatham",
         "Asia/Kolkata", "UTC"]
FIRST, LAST = datetime(2025, 1, 1, tzinfo=UTC), datetime(2028, 12, 31, tzinfo=UTC)
WEEK = timedelta(days=7)

PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _changes(name: str) -> list[datetime]:
    """Local midnights (as UTC) of the days on which the zone's offset changes, 2025-2028."""
    zone, found, day = ZoneInfo(name), [], date(2025, 1, 1)
    while day.year < 2029:
        midnight = datetime.combine(day, time())
        if zone.utcoffset(midnight) != zone.utcoffset(midnight + timedelta(days=1)):
            found.append(midnight.replace(tzinfo=zone).astimezone(UTC))
        day += timedelta(days=1)
    return found


CHANGES = sorted(moment for name in ZONES for moment in _changes(name))


@st.composite
def day_hours(draw):
    """0, 1 or 2 intervals on quarter hours; the last may end at 24:00."""
    count = draw(st.sampled_from([0, 1, 2, 2]))
    points = sorted(draw(st.sets(st.integers(0, 96), min_size=2 * count, max_size=2 * count)))
    as_time = [END_OF_DAY if p == 96 else time(p // 4, p % 4 * 15) for p in points]
    return [(as_time[i], as_time[i + 1]) for i in range(0, len(as_time), 2)]


@st.composite
def calendars(draw):
    name = draw(st.sampled_from(ZONES))
    if draw(st.integers(0, 9)) == 0:
        return Calendar.always(name)
    weekly = {d: draw(day_hours()) for d in range(7)}
    if not any(weekly.values()):
        weekly[draw(st.integers(0, 6))] = [(time(9), time(17))]
    holidays = draw(st.dictionaries(st.dates(date(2025, 1, 1), date(2029, 2, 1)), st.sampled_from(["A", "B"]),
                                    max_size=8))
    return Calendar(name, weekly, holidays, "generated")


instants = st.one_of(
    st.integers(0, int((LAST - FIRST).total_seconds()) // 60).map(lambda m: FIRST + timedelta(minutes=m)),
    st.tuples(st.sampled_from(CHANGES), st.integers(-36 * 60, 60 * 60))
    .map(lambda pair: pair[0] + timedelta(minutes=pair[1])),
    st.integers(0, int((LAST - FIRST).total_seconds()) * 10**6).map(lambda us: FIRST + timedelta(microseconds=us)),
)
durations = st.one_of(
    st.integers(0, 3 * 7 * 24 * 60).map(lambda m: timedelta(minutes=m)),
    st.integers(0, 10**11).map(lambda us: timedelta(microseconds=us)),
)
positive = durations.filter(lambda d: d > timedelta(0))


@PROFILE
@given(calendars(), instants, positive)
def test_add_then_between_gives_the_duration_back(cal, start, duration):
    assert business_time_between(start, add_business_time(start, duration, cal), cal) == duration


@PROFILE
@given(calendars(), instants, durations, durations)
def test_add_is_monotonic_in_the_duration(cal, start, d1, d2):
    d1, d2 = sorted((d1, d2))
    assert start <= add_business_time(start, d1, cal) <= add_business_time(start, d2, cal)


@PROFILE
@given(calendars(), instants, durations, positive)
def test_add_is_additive(cal, start, d1, d2):
    assert add_business_time(add_business_time(start, d1, cal), d2, cal) == add_business_time(start, d1 + d2, cal)


@PROFILE
@given(calendars(), instants, durations)
def test_result_lies_in_working_hours_or_at_a_closing_time(cal, start, duration):
    due = add_business_time(start, duration, cal)
    assert due.tzinfo is UTC
    if duration:
        stretches = business_intervals(due - 2 * WEEK, due + WEEK, cal)
        assert any(opened < due <= closed for opened, closed in stretches)
    else:
        assert is_open(due, cal)
        assert business_time_between(start, due, cal) == timedelta(0)


@PROFILE
@given(calendars(), instants, instants, instants)
def test_between_adds_up_over_consecutive_spans(cal, a, b, c):
    a, b, c = sorted((a, b, c))
    assert business_time_between(a, b, cal) + business_time_between(b, c, cal) == business_time_between(a, c, cal)
    assert business_time_between(c, a, cal) == timedelta(0)


@PROFILE
@given(calendars(), instants, durations)
def test_explain_tiles_the_span_and_its_counted_parts_sum_to_between(cal, a, length):
    b = a + length
    segments = explain(a, b, cal)
    if length == timedelta(0):
        assert segments == []
        return
    assert segments[0].start == a and segments[-1].end == b
    for previous, current in zip(segments, segments[1:]):
        assert previous.end == current.start
        assert (previous.counted, previous.reason) != (current.counted, current.reason)  # neighbours merged
    for segment in segments:
        assert segment.start < segment.end
        assert segment.counted == (segment.reason is None) == (segment.kind is None)
        assert is_open(segment.start, cal) == segment.counted
    counted = sum((s.duration for s in segments if s.counted), timedelta(0))
    assert counted == business_time_between(a, b, cal)


@PROFILE
@given(st.sampled_from(ZONES), instants, durations)
def test_24x7_is_plain_utc_addition_also_through_the_general_walk(name, start, duration):
    # A holiday long ago keeps the calendar off its 24x7 shortcut, so the day walk is checked too.
    for cal in (Calendar.always(name), Calendar(name, {d: [(time(0), END_OF_DAY)] for d in range(7)},
                                                {date(1999, 1, 1): "long ago"})):
        assert add_business_time(start, duration, cal) == start + duration
        assert business_time_between(start, start + duration, cal) == duration
