"""Holidays from iCalendar files and country presets: pure tests (the real icalendar and holidays packages)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from app.sla.business_hours import Calendar, add_business_time, explain
from app.sla.holidays_import import country_preset, from_ical, preset_choices


def ics(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\nUID:{n}@test\r\n{e.strip()}\r\nEND:VEVENT\r\n" for n, e in enumerate(events))
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n".encode()


def lines(*items: str) -> str:
    return "\r\n".join(items)


def test_all_day_events_become_named_holidays_and_timed_events_are_ignored():
    data = ics(
        lines("DTSTART;VALUE=DATE:20251225", "SUMMARY:Christmas Day"),
        lines("DTSTART:20251222T100000Z", "DTEND:20251222T110000Z", "SUMMARY:Team meeting"),
        lines("DTSTART;VALUE=DATE:20251231", "STATUS:CANCELLED", "SUMMARY:Office party"),
    )
    assert from_ical(data) == {date(2025, 12, 25): "Christmas Day"}


def test_multi_day_events_give_every_day_up_to_the_exclusive_end():
    data = ics(
        lines("DTSTART;VALUE=DATE:20251224", "DTEND;VALUE=DATE:20251227", "SUMMARY:Christmas break"),
        lines("DTSTART;VALUE=DATE:20250818", "DURATION:P2D", "SUMMARY:Company retreat"),
    )
    assert from_ical(data) == {
        date(2025, 8, 18): "Company retreat",
        date(2025, 8, 19): "Company retreat",
        date(2025, 12, 24): "Christmas break",
        date(2025, 12, 25): "Christmas break",
        date(2025, 12, 26): "Christmas break",
    }


def test_yearly_recurring_events_are_expanded_for_the_years_asked_for():
    data = ics(
        lines("DTSTART;VALUE=DATE:20100101", "RRULE:FREQ=YEARLY", "SUMMARY:New Year's Day"),
        lines("DTSTART;VALUE=DATE:20100531", "RRULE:FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO", "SUMMARY:Memorial Day"),
        lines("DTSTART;VALUE=DATE:20101224", "DTEND;VALUE=DATE:20101227", "RRULE:FREQ=YEARLY",
              "EXDATE;VALUE=DATE:20261224", "SUMMARY:Christmas"),
        lines("DTSTART;VALUE=DATE:20230704", "SUMMARY:Independence Day 2023"),
    )
    result = from_ical(data, years=range(2025, 2027))
    assert result == {
        date(2025, 1, 1): "New Year's Day",
        date(2025, 5, 26): "Memorial Day",
        date(2025, 12, 24): "Christmas",
        date(2025, 12, 25): "Christmas",
        date(2025, 12, 26): "Christmas",
        date(2026, 1, 1): "New Year's Day",
        date(2026, 5, 25): "Memorial Day",
    }


def test_bounded_recurrences_and_extra_dates_need_no_years():
    data = ics(
        lines("DTSTART;VALUE=DATE:20250101", "RRULE:FREQ=YEARLY;COUNT=2", "SUMMARY:New Year"),
        lines("DTSTART;VALUE=DATE:20250501", "RRULE:FREQ=YEARLY;UNTIL=20270501T000000Z",
              "RDATE;VALUE=DATE:20250502", "SUMMARY:May Day"),
    )
    assert from_ical(data) == {
        date(2025, 1, 1): "New Year",
        date(2025, 5, 1): "May Day",
        date(2025, 5, 2): "May Day",
        date(2026, 1, 1): "New Year",
        date(2026, 5, 1): "May Day",
        date(2027, 5, 1): "May Day",
    }


def test_an_endless_recurrence_without_years_is_refused():
    with pytest.raises(ValueError, match="'Boxing Day' repeats without end: give the years"):
        from_ical(ics(lines("DTSTART;VALUE=DATE:20101226", "RRULE:FREQ=YEARLY", "SUMMARY:Boxing Day")))


def test_two_events_on_one_day_share_it():
    data = ics(lines("DTSTART;VALUE=DATE:20250501", "SUMMARY:Labour Day"),
               lines("DTSTART;VALUE=DATE:20250501", "SUMMARY:Company day"),
               lines("DTSTART;VALUE=DATE:20250501", "SUMMARY:Labour Day"))
    assert from_ical(data) == {date(2025, 5, 1): "Labour Day, Company day"}


def test_garbage_is_not_an_icalendar_file():
    with pytest.raises(ValueError, match="not a readable iCalendar file"):
        from_ical(b"this is not a calendar")


def test_imported_holidays_drive_the_calendar_and_its_explanation():
    holidays = from_ical(ics(lines("DTSTART;VALUE=DATE:20251225", "SUMMARY:Christmas Day")))
    cal = Calendar("Europe/Berlin", {d: [(time(8), time(17))] for d in range(5)}, holidays)
    start = datetime(2025, 12, 24, 16, tzinfo=cal.zone)
    due = add_business_time(start, timedelta(hours=2), cal)
    assert due == datetime(2025, 12, 26, 9, tzinfo=cal.zone)
    assert "holiday: Christmas Day" in [s.reason for s in explain(start, due, cal)]


def test_bavarian_preset_has_the_regional_holidays():
    bavaria = country_preset("DE", range(2025, 2027), subdivision="BY")
    berlin = country_preset("de", range(2025, 2027), subdivision="BE")
    assert bavaria[date(2025, 12, 25)] == "Christmas Day"
    assert bavaria[date(2025, 1, 6)] == "Epiphany"  # Heilige Drei Könige: Bavaria, not Berlin
    assert date(2025, 1, 6) not in berlin
    assert date(2026, 1, 6) in bavaria
    assert all(day.year in (2025, 2026) for day in bavaria)
    assert list(bavaria) == sorted(bavaria)


def test_unknown_country_or_subdivision_is_a_value_error():
    with pytest.raises(ValueError, match="no holiday preset for 'XX'"):
        country_preset("XX", range(2025, 2026))
    with pytest.raises(ValueError, match="no holiday preset for 'DE'/'ZZ'"):
        country_preset("DE", range(2025, 2026), subdivision="ZZ")


def test_preset_choices_list_countries_with_their_subdivisions():
    choices = preset_choices()
    assert "BY" in choices["DE"]
    assert "US" in choices
