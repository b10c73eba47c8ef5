"""Clock arithmetic from ledger marks: pure, no app, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from app.sla.business_hours import Calendar, business_time_between
from app.sla.clock import (
    Gap,
    Mark,
    MarkKind,
    Run,
    compute,
    explain_clock,
    format_duration,
    reach,
    runs_from_marks,
    totals,
    warning_amount,
)

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = Calendar("Europe/Berlin", {d: [(time(8), time(17))] for d in range(5)},
                  {date(2025, 12, 25): "Christmas Day", date(2025, 12, 26): "St Stephen's Day"}, "office")
ALWAYS = Calendar.always("Europe/Berlin")


def local(*fields) -> datetime:
    return datetime(*fields, tzinfo=BERLIN).astimezone(UTC)


def mark(kind: str, *fields, reason: str = "") -> Mark:
    return Mark(local(*fields), MarkKind(kind), reason)


def test_runs_and_gaps_follow_the_marks_and_repeated_marks_change_nothing():
    marks = [
        mark("start", 2025, 3, 7, 16, 0),
        mark("pause", 2025, 3, 7, 16, 30, reason="awaiting requester"),
        mark("pause", 2025, 3, 7, 16, 45, reason="awaiting requester"),  # written twice: ignored
        mark("resume", 2025, 3, 10, 10, 0),
        mark("resume", 2025, 3, 10, 10, 5),  # already running: ignored
        mark("stop", 2025, 3, 10, 11, 0, reason="reply by Ann"),
    ]
    runs, gaps = runs_from_marks(marks)
    assert runs == [Run(local(2025, 3, 7, 16, 0), local(2025, 3, 7, 16, 30)),
                    Run(local(2025, 3, 10, 10, 0), local(2025, 3, 10, 11, 0))]
    assert gaps == [Gap(local(2025, 3, 7, 16, 30), local(2025, 3, 10, 10, 0), "awaiting requester", True),
                    Gap(local(2025, 3, 10, 11, 0), None, "reply by Ann", False)]


def test_pause_over_a_weekend_moves_the_due_date_by_the_paused_business_time_only():
    # P3 first response (2 business hours) from Friday 16:00; paused 16:30 until Monday 10:00.
    start = [mark("start", 2025, 3, 7, 16, 0)]
    paused = start + [mark("pause", 2025, 3, 7, 16, 30, reason="awaiting requester")]
    resumed = paused + [mark("resume", 2025, 3, 10, 10, 0)]
    two_hours = timedelta(hours=2)

    running = compute(two_hours, runs_from_marks(start)[0], OFFICE, local(2025, 3, 7, 16, 10))
    assert running.due_at == local(2025, 3, 10, 9, 0) and running.is_running
    assert running.used == timedelta(minutes=10) and running.remaining == timedelta(minutes=110)

    on_saturday = compute(two_hours, runs_from_marks(paused)[0], OFFICE, local(2025, 3, 8, 12, 0))
    assert on_saturday.due_at is None and on_saturday.warn_at is None and not on_saturday.is_running
    assert on_saturday.used == timedelta(minutes=30)

    after = compute(two_hours, runs_from_marks(resumed)[0], OFFICE, local(2025, 3, 10, 10, 0))
    # 30 min used on Friday, 90 min left from Monday 10:00 -> 11:30 (not 09:00 as without the pause)
    assert after.due_at == local(2025, 3, 10, 11, 30)
    assert after.warn_at == local(2025, 3, 10, 11, 0)  # 75 % = 90 min: 30 on Friday + 60 on Monday


def test_warning_at_75_percent_of_a_24x7_target():
    state = compute(timedelta(hours=4), [Run(local(2025, 3, 9, 2, 0))], ALWAYS, local(2025, 3, 9, 2, 0))
    assert state.warn_at == local(2025, 3, 9, 5, 0) and state.due_at == local(2025, 3, 9, 6, 0)
    assert compute(timedelta(hours=4), [Run(local(2025, 3, 9, 2, 0))], ALWAYS, local(2025, 3, 9, 2, 0),
                   warning_percent=50).warn_at == local(2025, 3, 9, 4, 0)
    assert warning_amount(timedelta(minutes=5), 75) == timedelta(minutes=3, seconds=45)


def test_a_due_instant_reached_before_a_pause_stays_in_the_past():
    runs = [Run(local(2025, 3, 10, 8, 0), local(2025, 3, 10, 12, 0))]  # 4 h run, target 1 h
    state = compute(timedelta(hours=1), runs, OFFICE, local(2025, 3, 11, 9, 0))
    assert state.due_at == local(2025, 3, 10, 9, 0) and not state.is_running
    assert state.remaining == timedelta(hours=-3) and state.used_percent == 400.0


def test_due_date_landing_exactly_at_the_end_of_a_run_is_that_end():
    runs = [Run(local(2025, 3, 10, 16, 0), local(2025, 3, 10, 17, 0)), Run(local(2025, 3, 11, 8, 0))]
    assert reach(timedelta(hours=1), runs, OFFICE) == local(2025, 3, 10, 17, 0)
    assert reach(timedelta(hours=1, minutes=1), runs, OFFICE) == local(2025, 3, 11, 8, 1)


def test_explanation_names_pauses_nights_weekends_and_holidays():
    marks = [
        mark("start", 2025, 12, 23, 15, 0),
        mark("pause", 2025, 12, 23, 15, 20, reason="awaiting requester"),
        mark("resume", 2025, 12, 23, 17, 30),  # paused 2 h 10 min
    ]
    runs, gaps = runs_from_marks(marks)
    now = local(2025, 12, 29, 9, 0)
    entries = explain_clock(runs, gaps, OFFICE, now)
    reasons = [e.reason for e in entries]
    assert reasons == [
        "counted",  # Tue 15:00-15:20
        "paused 2 h 10 min awaiting requester",  # 15:20-17:30
        "outside business hours",  # Tue 17:30 - Wed 08:00
        "counted",  # Wed 24 Dec 08:00-17:00
        "outside business hours",
        "holiday: Christmas Day",
        "holiday: St Stephen's Day",
        "weekend",
        "outside business hours",  # Mon 00:00-08:00
        "counted",  # Mon 29 Dec 08:00-09:00
    ]
    assert entries[0].start == local(2025, 12, 23, 15, 0) and entries[-1].end == now
    assert all(a.end == b.start for a, b in zip(entries, entries[1:], strict=False))  # they tile the time
    summed = totals(entries)
    assert summed["paused"] == timedelta(hours=2, minutes=10)
    assert summed["counted"] == timedelta(minutes=20 + 9 * 60 + 60)
    assert sum((e.counted for e in entries), timedelta()) == compute(
        timedelta(hours=27), runs, OFFICE, now).used
    assert entries[5].holiday == "Christmas Day" and entries[1].pause_reason == "awaiting requester"


def test_a_met_clock_explains_up_to_its_end_and_a_reopen_shows_the_stop():
    marks = [mark("start", 2025, 3, 10, 9, 0), mark("stop", 2025, 3, 10, 10, 0, reason="resolved by Ann")]
    runs, gaps = runs_from_marks(marks)
    entries = explain_clock(runs, gaps, OFFICE, local(2025, 3, 12, 9, 0))
    assert [e.kind for e in entries] == ["counted"] and entries[-1].end == local(2025, 3, 10, 10, 0)
    reopened = marks + [mark("resume", 2025, 3, 10, 11, 30, reason="reopened")]
    runs, gaps = runs_from_marks(reopened)
    entries = explain_clock(runs, gaps, OFFICE, local(2025, 3, 10, 12, 0))
    assert [e.reason for e in entries] == ["counted", "stopped 1 h 30 min: resolved by Ann", "counted"]
    assert compute(timedelta(hours=4), runs, OFFICE, local(2025, 3, 10, 12, 0)).used == timedelta(hours=1, minutes=30)


def test_durations_read_like_people_write_them():
    assert format_duration(timedelta(hours=2, minutes=10)) == "2 h 10 min"
    assert format_duration(timedelta(minutes=45, seconds=59)) == "45 min"
    assert format_duration(timedelta(hours=27)) == "27 h"
    assert format_duration(timedelta(seconds=20)) == "0 min"


# -- properties -------------------------------------------------------------------------------------------------
_base = local(2025, 3, 3, 0, 0)
_steps = st.lists(st.integers(min_value=1, max_value=4 * 24 * 60), min_size=1, max_size=7)


def _marks_from(steps: list[int]) -> list[Mark]:
    """Alternating start/pause/resume marks at the given minute gaps, ending running or paused."""
    marks, at = [], _base
    for index, minutes in enumerate(steps):
        at += timedelta(minutes=minutes)
        kind = MarkKind.start if index == 0 else (MarkKind.pause if index % 2 else MarkKind.resume)
        marks.append(Mark(at, kind, "awaiting requester" if kind is MarkKind.pause else ""))
    return marks


@settings(max_examples=150, deadline=None)
@given(_steps, st.integers(min_value=1, max_value=5 * 9 * 60), st.sampled_from([OFFICE, ALWAYS]))
def test_the_business_time_counted_up_to_the_due_instant_is_exactly_the_target(steps, minutes, cal):
    runs, _gaps = runs_from_marks(_marks_from(steps))
    target = timedelta(minutes=minutes)
    now = runs[-1].start + timedelta(days=30)
    state = compute(target, runs, cal, now)
    if state.due_at is None:
        assert not state.is_running and state.used < target
        return
    counted = sum((business_time_between(r.start, min(r.end or state.due_at, state.due_at), cal)
                   for r in runs if r.start < state.due_at), timedelta())
    assert counted == target
    assert state.warn_at is not None and state.warn_at <= state.due_at
    assert state.used + state.remaining == target


@settings(max_examples=100, deadline=None)
@given(_steps, st.sampled_from([OFFICE, ALWAYS]))
def test_the_timeline_tiles_the_clock_and_its_counted_time_is_the_time_used(steps, cal):
    runs, gaps = runs_from_marks(_marks_from(steps))
    now = max(r.start for r in runs) + timedelta(days=2)
    entries = explain_clock(runs, gaps, cal, now)
    assert entries[0].start == runs[0].start and entries[-1].end == now
    assert all(a.end == b.start for a, b in zip(entries, entries[1:], strict=False))
    assert sum((e.counted for e in entries), timedelta()) == compute(timedelta(0), runs, cal, now).used
