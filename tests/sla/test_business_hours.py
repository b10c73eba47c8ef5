"""Business-hours arithmetic: explicit cases (DST in three zones, holidays, weekends, split shifts, 24:00).

Pure: no app, no database. Times are written in the calendar's local zone and compared as instants;
results must come back as aware UTC.
"""

from __future__ import annotations

import os
import struct
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest

from app.sla.business_hours import (
    END_OF_DAY,
    Calendar,
    GapKind,
    add_business_time,
    business_intervals,
    business_time_between,
    explain,
    format_hours,
    is_open,
    parse_hours,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")

OFFICE = {d: [(time(8), time(17))] for d in range(5)}  # Mon-Fri 08:00-17:00
SPLIT = {d: [(time(8), time(12)), (time(13), time(17))] for d in range(5)}
CHRISTMAS = {date(2025, 12, 25): "Christmas Day", date(2025, 12, 26): "Second Day of Christmas"}


def at(zone, *fields, fold=0) -> datetime:
    """A local wall-clock time as a UTC instant (so that comparisons never meet PEP 495's rule that an
    ambiguous local time is unequal to every instant in another zone)."""
    return datetime(*fields, tzinfo=zone, fold=fold).astimezone(UTC)


def utc(*fields) -> datetime:
    return datetime(*fields, tzinfo=UTC)


def hours(h: float) -> timedelta:
    return timedelta(hours=h)


def assert_utc(moment: datetime) -> None:
    assert moment.tzinfo is UTC


def day_length(cal: Calendar, day: date) -> timedelta:
    zone = ZoneInfo(cal.tz)
    return business_time_between(at(zone, day.year, day.month, day.day),
                                 at(zone, *(day + timedelta(days=1)).timetuple()[:3]), cal)


def local_segments(segments, zone):
    return [(s.start.astimezone(zone).replace(tzinfo=None), s.end.astimezone(zone).replace(tzinfo=None),
             s.counted, s.reason) for s in segments]


# -- Europe/Berlin: 30 March 2025 02:00 CET -> 03:00 CEST, 26 October 2025 03:00 CEST -> 02:00 CET ----------
BERLIN_OFFICE = Calendar("Europe/Berlin", OFFICE, CHRISTMAS, "Berlin office")


def test_p3_first_response_from_friday_afternoon_over_the_march_dst_weekend_lands_monday_0930():
    due = add_business_time(at(BERLIN, 2025, 3, 28, 16, 30), hours(2), BERLIN_OFFICE)
    assert due == at(BERLIN, 2025, 3, 31, 9, 30) == utc(2025, 3, 31, 7, 30)
    assert_utc(due)


def test_p3_first_response_over_the_october_dst_weekend_lands_monday_0930():
    due = add_business_time(at(BERLIN, 2025, 10, 24, 16, 30), hours(2), BERLIN_OFFICE)
    assert due == at(BERLIN, 2025, 10, 27, 9, 30) == utc(2025, 10, 27, 8, 30)


def test_a_working_day_keeps_its_wall_clock_length_on_both_dst_sundays():
    every_day = Calendar("Europe/Berlin", {d: [(time(8), time(17))] for d in range(7)})
    assert day_length(every_day, date(2025, 3, 30)) == hours(9)  # a 23-hour day
    assert day_length(every_day, date(2025, 10, 26)) == hours(9)  # a 25-hour day


def test_hours_spanning_the_change_count_the_real_elapsed_time():
    night = Calendar("Europe/Berlin", {6: [(time(1), time(4))]})
    assert day_length(night, date(2025, 3, 30)) == hours(2)  # 02:00-03:00 does not exist
    assert day_length(night, date(2025, 10, 26)) == hours(4)  # 02:00-03:00 happens twice
    assert day_length(night, date(2025, 6, 1)) == hours(3)


def test_opening_time_inside_the_skipped_hour_opens_at_the_transition():
    cal = Calendar("Europe/Berlin", {6: [(time(2, 30), time(6))]})
    opening = add_business_time(at(BERLIN, 2025, 3, 29, 12), timedelta(0), cal)
    assert opening == at(BERLIN, 2025, 3, 30, 3, 0) == utc(2025, 3, 30, 1, 0)
    assert day_length(cal, date(2025, 3, 30)) == hours(3)


def test_interval_wholly_inside_the_skipped_hour_is_empty_that_day_only():
    cal = Calendar("Europe/Berlin", {0: [(time(8), time(17))], 6: [(time(2), time(2, 45))]})
    assert day_length(cal, date(2025, 3, 30)) == timedelta(0)
    assert day_length(cal, date(2025, 4, 6)) == timedelta(minutes=45)
    due = add_business_time(at(BERLIN, 2025, 3, 29, 12), timedelta(minutes=1), cal)
    assert due == at(BERLIN, 2025, 3, 31, 8, 1)
    sunday = explain(at(BERLIN, 2025, 3, 30), at(BERLIN, 2025, 3, 31), cal)
    assert [(s.counted, s.reason) for s in sunday] == [(False, "outside business hours")]


def test_opening_time_inside_the_repeated_hour_opens_at_its_first_occurrence():
    cal = Calendar("Europe/Berlin", {6: [(time(2, 30), time(6))]})
    opening = add_business_time(at(BERLIN, 2025, 10, 25, 12), timedelta(0), cal)
    assert opening == at(BERLIN, 2025, 10, 26, 2, 30, fold=0) == utc(2025, 10, 26, 0, 30)
    assert day_length(cal, date(2025, 10, 26)) == hours(4.5)


def test_24x7_in_berlin_is_plain_elapsed_time_across_both_changes():
    cal = Calendar.always("Europe/Berlin")
    assert add_business_time(at(BERLIN, 2025, 3, 29, 23), hours(4), cal) == at(BERLIN, 2025, 3, 30, 4)
    autumn = add_business_time(at(BERLIN, 2025, 10, 25, 23), hours(4), cal)
    assert autumn == at(BERLIN, 2025, 10, 26, 2, fold=1) == utc(2025, 10, 26, 1)
    assert day_length(cal, date(2025, 3, 30)) == hours(23)
    assert day_length(cal, date(2025, 10, 26)) == hours(25)


# -- America/New_York: 9 March 2025 02:00 EST -> 03:00 EDT, 2 November 2025 02:00 EDT -> 01:00 EST --------
NY_OFFICE = Calendar("America/New_York", {d: [(time(9), time(17))] for d in range(5)})


def test_new_york_deadline_over_the_march_change_keeps_local_office_hours():
    due = add_business_time(at(NEW_YORK, 2025, 3, 7, 16), hours(2), NY_OFFICE)
    assert due == at(NEW_YORK, 2025, 3, 10, 10) == utc(2025, 3, 10, 14)


def test_new_york_deadline_over_the_november_change_keeps_local_office_hours():
    due = add_business_time(at(NEW_YORK, 2025, 10, 31, 16), hours(2), NY_OFFICE)
    assert due == at(NEW_YORK, 2025, 11, 3, 10) == utc(2025, 11, 3, 15)


def test_new_york_round_the_clock_weekend_desk_has_23_and_25_hour_sundays():
    weekend_desk = Calendar("America/New_York", {5: [(time(0), END_OF_DAY)], 6: [(time(0), END_OF_DAY)]})
    assert day_length(weekend_desk, date(2025, 3, 9)) == hours(23)
    assert day_length(weekend_desk, date(2025, 11, 2)) == hours(25)
    start = at(NEW_YORK, 2025, 11, 1, 12)
    assert add_business_time(start, hours(24), weekend_desk) == start + hours(24) == at(NEW_YORK, 2025, 11, 2, 11)


def test_new_york_24x7_equals_utc_addition():
    cal = Calendar.always("America/New_York")
    for start in (at(NEW_YORK, 2025, 3, 9, 1, 30), at(NEW_YORK, 2025, 11, 2, 1, 30, fold=0)):
        assert add_business_time(start, hours(1), cal) == start.astimezone(UTC) + hours(1)


# -- Australia/Lord_Howe: half-hour shifts. 6 April 2025 02:00 (+11) -> 01:30 (+10:30);
#    5 October 2025 02:00 (+10:30) -> 02:30 (+11) -----------------------------------------------------------
def test_lord_howe_24x7_follows_the_half_hour_shift():
    cal = Calendar.always("Australia/Lord_Howe")
    assert add_business_time(at(LORD_HOWE, 2025, 10, 5, 1, 45), hours(1), cal) == at(LORD_HOWE, 2025, 10, 5, 3, 15)
    april = add_business_time(at(LORD_HOWE, 2025, 4, 6, 1, 15), hours(1), cal)
    assert april == at(LORD_HOWE, 2025, 4, 6, 1, 45, fold=1) == utc(2025, 4, 5, 15, 15)
    assert day_length(cal, date(2025, 10, 5)) == hours(23.5)
    assert day_length(cal, date(2025, 4, 6)) == hours(24.5)


def test_lord_howe_business_hours_across_the_half_hour_shift():
    night = Calendar("Australia/Lord_Howe", {6: [(time(0), time(6))]})
    assert day_length(night, date(2025, 10, 5)) == hours(5.5)
    assert day_length(night, date(2025, 4, 6)) == hours(6.5)
    in_gap = Calendar("Australia/Lord_Howe", {6: [(time(2, 15), time(3))]})
    assert day_length(in_gap, date(2025, 10, 5)) == timedelta(minutes=30)  # opens at 02:00 -> 02:30
    assert add_business_time(at(LORD_HOWE, 2025, 10, 4), timedelta(0), in_gap) == utc(2025, 10, 4, 15, 30)
    in_fold = Calendar("Australia/Lord_Howe", {6: [(time(1, 45), time(3))]})
    assert day_length(in_fold, date(2025, 4, 6)) == timedelta(hours=1, minutes=45)
    assert add_business_time(at(LORD_HOWE, 2025, 4, 5), timedelta(0), in_fold) == utc(2025, 4, 5, 14, 45)


def test_lord_howe_office_deadline_over_the_october_change():
    office = Calendar("Australia/Lord_Howe", {d: [(time(9), time(17))] for d in range(5)})
    due = add_business_time(at(LORD_HOWE, 2025, 10, 3, 16), hours(2), office)
    assert due == at(LORD_HOWE, 2025, 10, 6, 10) == utc(2025, 10, 5, 23)


# -- Holidays and weekends --------------------------------------------------------------------------------
def test_christmas_is_skipped_and_the_explanation_names_it():
    start = at(BERLIN, 2025, 12, 24, 16)
    due = add_business_time(start, hours(2), BERLIN_OFFICE)
    assert due == at(BERLIN, 2025, 12, 29, 9)
    assert local_segments(explain(start, due, BERLIN_OFFICE), BERLIN) == [
        (datetime(2025, 12, 24, 16), datetime(2025, 12, 24, 17), True, None),
        (datetime(2025, 12, 24, 17), datetime(2025, 12, 25), False, "outside business hours"),
        (datetime(2025, 12, 25), datetime(2025, 12, 26), False, "holiday: Christmas Day"),
        (datetime(2025, 12, 26), datetime(2025, 12, 27), False, "holiday: Second Day of Christmas"),
        (datetime(2025, 12, 27), datetime(2025, 12, 29), False, "weekend"),
        (datetime(2025, 12, 29), datetime(2025, 12, 29, 8), False, "outside business hours"),
        (datetime(2025, 12, 29, 8), datetime(2025, 12, 29, 9), True, None),
    ]
    christmas = explain(start, due, BERLIN_OFFICE)[2]
    assert christmas.kind is GapKind.holiday and christmas.holiday == "Christmas Day"
    assert christmas.duration == hours(24)


def test_clock_started_on_a_holiday_starts_at_the_next_opening():
    start = at(BERLIN, 2025, 12, 25, 10)
    assert not is_open(start, BERLIN_OFFICE)
    assert add_business_time(start, timedelta(0), BERLIN_OFFICE) == at(BERLIN, 2025, 12, 29, 8)
    assert add_business_time(start, hours(1), BERLIN_OFFICE) == at(BERLIN, 2025, 12, 29, 9)
    assert business_time_between(start, at(BERLIN, 2025, 12, 29, 8), BERLIN_OFFICE) == timedelta(0)


def test_holidays_given_as_plain_dates_are_explained_without_a_name():
    cal = Calendar("Europe/Berlin", OFFICE, frozenset({date(2025, 5, 1)}))
    segments = explain(at(BERLIN, 2025, 5, 1, 9), at(BERLIN, 2025, 5, 1, 10), cal)
    assert [(s.reason, s.kind, s.holiday) for s in segments] == [("holiday", GapKind.holiday, "")]
    assert cal.holidays == {date(2025, 5, 1): ""}


def test_weekend_is_skipped_and_explained_as_one_stretch():
    start = at(BERLIN, 2025, 6, 6, 16)  # a Friday
    due = add_business_time(start, hours(2), BERLIN_OFFICE)
    assert due == at(BERLIN, 2025, 6, 9, 9)
    weekend = [s for s in explain(start, due, BERLIN_OFFICE) if s.kind is GapKind.weekend]
    assert local_segments(weekend, BERLIN) == [(datetime(2025, 6, 7), datetime(2025, 6, 9), False, "weekend")]


def test_closed_weekday_of_a_sunday_to_thursday_week_is_a_weekend_day():
    cal = Calendar("Asia/Jerusalem", {d: [(time(8), time(17))] for d in (6, 0, 1, 2, 3)})
    friday = explain(at(ZoneInfo("Asia/Jerusalem"), 2025, 6, 6, 9), at(ZoneInfo("Asia/Jerusalem"), 2025, 6, 6, 10), cal)
    assert [s.reason for s in friday] == ["weekend"]
    assert add_business_time(at(ZoneInfo("Asia/Jerusalem"), 2025, 6, 5, 16), hours(2), cal) == at(
        ZoneInfo("Asia/Jerusalem"), 2025, 6, 8, 9)


# -- Split shifts, 24:00, start outside hours, zero duration, long durations --------------------------------
SPLIT_CAL = Calendar("Europe/Berlin", SPLIT)


def test_lunch_break_of_a_split_shift_is_not_counted():
    start = at(BERLIN, 2025, 6, 2, 11, 30)  # a Monday
    due = add_business_time(start, hours(1), SPLIT_CAL)
    assert due == at(BERLIN, 2025, 6, 2, 13, 30)
    assert local_segments(explain(start, due, SPLIT_CAL), BERLIN) == [
        (datetime(2025, 6, 2, 11, 30), datetime(2025, 6, 2, 12), True, None),
        (datetime(2025, 6, 2, 12), datetime(2025, 6, 2, 13), False, "outside business hours"),
        (datetime(2025, 6, 2, 13), datetime(2025, 6, 2, 13, 30), True, None),
    ]
    assert business_time_between(at(BERLIN, 2025, 6, 2, 0), at(BERLIN, 2025, 6, 3, 0), SPLIT_CAL) == hours(8)


def test_duration_used_up_at_a_closing_time_ends_there_not_at_the_next_opening():
    assert add_business_time(at(BERLIN, 2025, 6, 2, 11), hours(1), SPLIT_CAL) == at(BERLIN, 2025, 6, 2, 12)
    assert add_business_time(at(BERLIN, 2025, 6, 6, 16), hours(1), SPLIT_CAL) == at(BERLIN, 2025, 6, 6, 17)


def test_night_shift_across_midnight_via_24_00_counts_as_one_stretch():
    night = Calendar("Europe/Berlin", {0: [(time(22), END_OF_DAY)], 1: [(time(0), time(6))]})
    start = at(BERLIN, 2025, 6, 2, 23, 30)
    due = add_business_time(start, hours(1), night)
    assert due == at(BERLIN, 2025, 6, 3, 0, 30)
    assert [(s.counted, s.duration) for s in explain(start, due, night)] == [(True, hours(1))]
    assert list(business_intervals(at(BERLIN, 2025, 6, 2), at(BERLIN, 2025, 6, 4), night)) == [
        (at(BERLIN, 2025, 6, 2, 22), at(BERLIN, 2025, 6, 3, 6))
    ]


def test_clock_started_outside_hours_starts_at_the_next_opening():
    assert add_business_time(at(BERLIN, 2025, 6, 3, 6), hours(1), BERLIN_OFFICE) == at(BERLIN, 2025, 6, 3, 9)
    assert add_business_time(at(BERLIN, 2025, 6, 3, 20), hours(1), BERLIN_OFFICE) == at(BERLIN, 2025, 6, 4, 9)
    assert add_business_time(at(BERLIN, 2025, 6, 7, 10), hours(1), BERLIN_OFFICE) == at(BERLIN, 2025, 6, 9, 9)


def test_zero_duration_is_the_start_within_hours_else_the_next_opening():
    zero = timedelta(0)
    inside = at(BERLIN, 2025, 6, 3, 10, 15, 30, 123)
    result = add_business_time(inside, zero, BERLIN_OFFICE)
    assert result == inside
    assert_utc(result)
    assert add_business_time(at(BERLIN, 2025, 6, 3, 7), zero, BERLIN_OFFICE) == at(BERLIN, 2025, 6, 3, 8)
    assert add_business_time(at(BERLIN, 2025, 6, 3, 17), zero, BERLIN_OFFICE) == at(BERLIN, 2025, 6, 4, 8)
    assert add_business_time(at(BERLIN, 2025, 6, 3, 8), zero, BERLIN_OFFICE) == at(BERLIN, 2025, 6, 3, 8)
    assert add_business_time(at(BERLIN, 2025, 6, 7, 12), zero, BERLIN_OFFICE) == at(BERLIN, 2025, 6, 9, 8)


def test_several_weeks_of_business_time():
    four_weeks = 4 * hours(45)
    start = at(BERLIN, 2025, 6, 2, 10)
    assert add_business_time(start, four_weeks, BERLIN_OFFICE) == at(BERLIN, 2025, 6, 30, 10)
    # across the March change: the same local time four weeks later, one hour less in UTC
    march = add_business_time(at(BERLIN, 2025, 3, 3, 10), four_weeks, BERLIN_OFFICE)
    assert march == at(BERLIN, 2025, 3, 31, 10) == utc(2025, 3, 31, 8)
    # a holiday (Whit Monday) in the span pushes it by a day
    whit = Calendar("Europe/Berlin", OFFICE, {date(2025, 6, 9): "Whit Monday"})
    assert add_business_time(start, four_weeks, whit) == at(BERLIN, 2025, 7, 1, 10)
    assert business_time_between(start, at(BERLIN, 2025, 7, 1, 10), whit) == four_weeks


def test_a_week_that_gains_an_hour_ends_at_its_last_closing_time():
    nights = Calendar("Europe/Berlin", {d: [(time(1), time(4))] for d in range(7)})  # 21 h a week
    start = at(BERLIN, 2025, 10, 20)
    assert business_time_between(start, at(BERLIN, 2025, 10, 27), nights) == hours(22)
    assert add_business_time(start, hours(22), nights) == at(BERLIN, 2025, 10, 26, 4)
    assert add_business_time(start, hours(22 + 21), nights) == at(BERLIN, 2025, 11, 2, 4)


def test_a_year_of_business_time_matches_a_count_of_working_days():
    start, end = at(BERLIN, 2025, 1, 1), at(BERLIN, 2026, 1, 1)
    working_days = sum(1 for n in range(365) if (date(2025, 1, 1) + timedelta(days=n)).weekday() < 5) - 2
    assert business_time_between(start, end, BERLIN_OFFICE) == working_days * hours(9)
    assert add_business_time(start, working_days * hours(9), BERLIN_OFFICE) == at(BERLIN, 2025, 12, 31, 17)


def test_calendar_always_is_plain_utc_arithmetic():
    cal = Calendar.always()
    start = at(LORD_HOWE, 2025, 10, 5, 1, 59)
    assert add_business_time(start, hours(5), cal) == start.astimezone(UTC) + hours(5)
    assert business_time_between(start, start + hours(30), cal) == hours(30)
    assert [(s.counted, s.duration) for s in explain(start, start + hours(30), cal)] == [(True, hours(30))]
    assert cal.is_always and is_open(start, cal)


def test_between_is_zero_when_the_end_is_not_after_the_start():
    a = at(BERLIN, 2025, 6, 3, 10)
    assert business_time_between(a, a, BERLIN_OFFICE) == timedelta(0)
    assert business_time_between(a, a - hours(5), BERLIN_OFFICE) == timedelta(0)
    assert explain(a, a - hours(5), BERLIN_OFFICE) == []


# -- Construction and validation --------------------------------------------------------------------------
def test_parse_and_format_hours_round_trip_with_24_00():
    parsed = parse_hours("08:00-12:00, 13:00–24:00")
    assert parsed == ((time(8), time(12)), (time(13), END_OF_DAY))
    assert format_hours(parsed) == "08:00-12:00, 13:00-24:00"
    assert parse_hours("") == ()
    with pytest.raises(ValueError, match="expected e.g. 08:00-17:00"):
        parse_hours("8 to 5")
    with pytest.raises(ValueError, match="not a time of day"):
        parse_hours("08:00-24:30")


def test_weekly_hours_may_be_given_as_text():
    assert Calendar("Europe/Berlin", {0: "08:00-12:00, 13:00-24:00"}) == Calendar(
        "Europe/Berlin", {0: [(time(8), time(12)), (time(13), END_OF_DAY)]})


def test_overlapping_intervals_are_refused_with_the_day_and_times():
    with pytest.raises(ValueError, match="Monday: intervals 08:00-12:00 and 11:00-13:00 overlap"):
        Calendar("Europe/Berlin", {0: [(time(11), time(13)), (time(8), time(12))]})


@pytest.mark.parametrize(
    ("weekly", "message"),
    [
        ({2: [(time(17), time(8))]}, "Wednesday: interval 17:00-08:00 is reversed or empty"),
        ({2: [(time(9), time(9))]}, "Wednesday: interval 09:00-09:00 is reversed or empty"),
        ({4: [(END_OF_DAY, END_OF_DAY)]}, "24:00 .* can only end an interval"),
        ({7: [(time(8), time(17))]}, "weekday must be an int from 0"),
        ({0: [time(8)]}, "pair of times"),
        ({0: [(time(8, tzinfo=UTC), time(17))]}, "without tzinfo"),
    ],
)
def test_invalid_weekly_hours_are_refused(weekly, message):
    with pytest.raises(ValueError, match=message):
        Calendar("Europe/Berlin", weekly)


def test_unknown_zone_and_non_date_holidays_are_refused():
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        Calendar("Mars/Olympus", OFFICE)
    with pytest.raises(ValueError, match="a holiday must be a date"):
        Calendar("Europe/Berlin", OFFICE, {datetime(2025, 12, 25): "Christmas"})


def test_naive_instants_and_negative_durations_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(datetime(2025, 6, 3, 10), hours(1), BERLIN_OFFICE)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_time_between(datetime(2025, 6, 3, 10), at(BERLIN, 2025, 6, 4), BERLIN_OFFICE)
    with pytest.raises(ValueError, match="negative"):
        add_business_time(at(BERLIN, 2025, 6, 3, 10), -hours(1), BERLIN_OFFICE)


def test_calendar_without_hours_cannot_reach_a_deadline_but_counts_zero():
    closed = Calendar("Europe/Berlin", {}, name="closed")
    with pytest.raises(ValueError, match="'closed' has no working hours"):
        add_business_time(at(BERLIN, 2025, 6, 3), hours(1), closed)
    assert business_time_between(at(BERLIN, 2025, 6, 3), at(BERLIN, 2025, 7, 3), closed) == timedelta(0)


def test_calendar_is_an_immutable_value():
    touching = Calendar("Europe/Berlin", {0: [(time(13), time(17)), (time(8), time(13))]}, name="x")
    assert touching.weekly[0] == ((time(8), time(17)),)
    assert touching.weekly[6] == ()
    assert touching == Calendar("Europe/Berlin", {0: [(time(8), time(17))]}, name="x")
    assert hash(touching) == hash(Calendar("Europe/Berlin", {0: [(time(8), time(17))]}, name="x"))
    assert touching != Calendar("Europe/Vienna", {0: [(time(8), time(17))]}, name="x")
    with pytest.raises(AttributeError):
        touching.tz = "UTC"
    with pytest.raises(TypeError):
        touching.holidays[date(2025, 1, 1)] = "New Year"


# -- The DST rule against brute force ---------------------------------------------------------------------
ZONES_WITH_CHANGES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago",
                      "Pacific/Chatham", "America/Havana"]


def _transition_days(zone: ZoneInfo, year: int) -> list[date]:
    days, day = [], date(year, 1, 1)
    while day.year == year:
        if zone.utcoffset(datetime.combine(day, time())) != zone.utcoffset(datetime.combine(day, time()) + hours(24)):
            days.append(day)
        day += timedelta(days=1)
    return days


def _first_instant_reading(zone: ZoneInfo, local: datetime) -> datetime:
    """Brute force: scan UTC in 5-minute steps for the first instant whose wall clock reads `local` or later."""
    moment = local.replace(tzinfo=zone).astimezone(UTC) - hours(3)  # DST changes here are at most 1 h
    assert moment.astimezone(zone).replace(tzinfo=None) < local
    while moment.astimezone(zone).replace(tzinfo=None) < local:
        moment += timedelta(minutes=5)
    return moment


def _check_opening(zone: ZoneInfo, day: date, opening: time) -> None:
    """A calendar open from `opening` to 24:00 on `day` opens when the brute force says, or not at all
    that day if the whole stretch was skipped by the clocks."""
    cal = Calendar(zone.key, {day.weekday(): [(opening, END_OF_DAY)]})
    expected = _first_instant_reading(zone, datetime.combine(day, opening))
    if expected == _first_instant_reading(zone, datetime.combine(day + timedelta(days=1), time())):
        assert day_length(cal, day) == timedelta(0), (day, opening)
    else:
        found = add_business_time(datetime.combine(day, time(), UTC) - hours(40), timedelta(0), cal)
        assert found == expected, (day, opening)


@pytest.mark.parametrize("name", ZONES_WITH_CHANGES)
def test_opening_times_near_dst_changes_match_a_brute_force_reading_of_the_wall_clock(name):
    zone = ZoneInfo(name)
    checked = 0
    for change in _transition_days(zone, 2025)[:2]:
        for day in (change - timedelta(days=1), change, change + timedelta(days=1)):
            for quarter in range(0, 96, 3):
                opening = time(quarter // 4, quarter % 4 * 15)
                _check_opening(zone, day, opening)
                checked += 1
    assert checked == 2 * 3 * 32


def test_a_skipped_hour_that_straddles_midnight_toronto_1919():
    """Toronto went from 23:30 straight to 00:30 on 30/31 March 1919: both days have nonexistent times."""
    zone = ZoneInfo("America/Toronto")
    for day in (date(1919, 3, 29), date(1919, 3, 30), date(1919, 3, 31)):
        for quarter in range(96):
            opening = time(quarter // 4, quarter % 4 * 15)
            _check_opening(zone, day, opening)
    late = Calendar("America/Toronto", {6: [(time(23), END_OF_DAY)]})
    assert day_length(late, date(1919, 3, 30)) == timedelta(minutes=30)


def _tzif_offset_changes(path: str) -> list[int]:
    """UTC instants (s) at which the zone's offset changes, from the 64-bit block of a TZif file."""
    with open(path, "rb") as handle:
        data = handle.read()
    counts = struct.unpack(">6l", data[20:44])
    isutc, isstd, leap, timecnt, typecnt, charcnt = counts
    start = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isutc + 44
    isutc, isstd, leap, timecnt, typecnt, charcnt = struct.unpack(">6l", data[start - 24:start])
    times = struct.unpack(f">{timecnt}q", data[start:start + 8 * timecnt])
    indexes = data[start + 8 * timecnt:start + 9 * timecnt]
    types = data[start + 9 * timecnt:]
    offsets = [struct.unpack(">l", types[6 * i:6 * i + 4])[0] for i in indexes]
    changes, current = [], struct.unpack(">l", types[:4])[0]
    for moment, offset in zip(times, offsets):
        if offset != current:
            changes.append(moment)
            current = offset
    return changes


def test_tzdata_never_changes_an_offset_twice_within_two_days():
    """The fast path of business_hours assumes this (it compares offsets at three midnights)."""
    import tzdata

    root = os.path.join(os.path.dirname(tzdata.__file__), "zoneinfo")
    checked = 0
    for name in sorted(available_timezones()):
        path = os.path.join(root, *name.split("/"))
        if not os.path.isfile(path):
            continue
        changes = _tzif_offset_changes(path)
        close = [(a, b) for a, b in zip(changes, changes[1:]) if b - a <= 2 * 86400]
        assert not close, (name, close)
        checked += 1
    assert checked > 400
