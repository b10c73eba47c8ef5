"""How SLA facts read: the shared duration formatter, targets in business words, and which target a queue
badge shows (plain values, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.sla import display
from app.sla.queries import Headline, headline

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        yield


@pytest.mark.parametrize(("value", "text"), [
    (timedelta(0), "0 min"), (timedelta(seconds=20), "< 1 min"), (timedelta(minutes=45), "45 min"),
    (timedelta(hours=3), "3 h"), (timedelta(hours=2, minutes=10, seconds=59), "2 h 10 min"),
    (timedelta(days=2, hours=3, minutes=5), "2 d 3 h"), (-timedelta(minutes=90), "1 h 30 min"),
])
def test_durations_show_the_two_largest_units(value, text):
    assert display.format_duration(value) == text


def test_business_time_is_never_shown_in_24_hour_days():
    assert display.format_business_duration(timedelta(minutes=1620)) == "27 h"


@pytest.mark.parametrize(("minutes", "day", "always", "text"), [
    (15, 540, True, "15 minutes, around the clock"), (240, 540, True, "4 hours, around the clock"),
    (30, 540, False, "30 minutes in business hours"), (120, 540, False, "2 business hours"),
    (540, 540, False, "1 business day"), (1620, 540, False, "3 business days"),
    (90, 540, False, "1 h 30 min in business hours"), (None, 540, False, "no promise"),
])
def test_targets_read_in_business_hours_or_days(minutes, day, always, text):
    assert display.business_target(minutes, day, always) == text


def test_badge_texts():
    assert display.badge_text("ok", NOW + timedelta(hours=3, minutes=20), NOW) == "3 h 20 min left"
    assert display.badge_text("breached", NOW - timedelta(hours=2), NOW) == "breached 2 h ago"
    assert display.badge_text("paused", None, NOW) == "paused"
    assert display.badge_text("met", None, NOW) == "met"


def _clock(state, due=None, met=None, stopped=None, breached=None, paused=False):
    return {"state": state, "due_at": due, "met_at": met, "stopped_at": stopped, "breached_at": breached,
            "paused": paused}


def test_the_badge_shows_a_live_breach_first_then_the_soonest_due_then_a_pause():
    soon, later = NOW + timedelta(minutes=10), NOW + timedelta(hours=5)
    summary = {"acknowledge": _clock("met", met=NOW), "first_response": _clock("warning", due=soon),
               "resolution": _clock("ok", due=later)}
    assert headline(summary) == Headline("first_response", "warning", soon)
    summary["resolution"] = _clock("breached", due=NOW - timedelta(hours=1))
    assert headline(summary) == Headline("resolution", "breached", NOW - timedelta(hours=1))
    paused = {"first_response": _clock("paused", paused=True), "resolution": _clock("paused", paused=True)}
    assert headline(paused) == Headline("first_response", "paused", None)


def test_with_nothing_live_the_badge_shows_a_breach_on_record_else_met_else_stopped():
    late = NOW - timedelta(days=1)
    assert headline({"first_response": _clock("breached", met=NOW, breached=late),
                     "resolution": _clock("met", met=NOW)}) == Headline("first_response", "breached", late)
    assert headline({"first_response": _clock("stopped", stopped=NOW),
                     "resolution": _clock("met", met=NOW)}) == Headline("resolution", "met", None)
    assert headline({"first_response": _clock("stopped", stopped=NOW)}) == Headline("first_response", "stopped",
                                                                                    None)
    assert headline({}) is None
