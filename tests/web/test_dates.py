"""Dates on pages: the `dt` filter says what Babel's format_datetime says, in the user's language and zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from babel import dates
from flask_babel import refresh

from app.web import datetime_formatter

MOMENTS = [datetime(2026, 3, 29, 0, 59, tzinfo=UTC), datetime(2026, 3, 29, 1, 1, tzinfo=UTC),  # Berlin DST
           datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 12, 31, 23, 59, tzinfo=UTC)]


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"])
@pytest.mark.parametrize("fmt", ["short", "medium", "long", "full"])
def test_formatter_matches_babel(app, monkeypatch, language, zone, fmt):
    monkeypatch.setitem(app.config, "DEFAULT_LANGUAGE", language)
    monkeypatch.setitem(app.config, "DEFAULT_TIMEZONE", zone)
    with app.test_request_context("/"):
        refresh()
        for moment in MOMENTS:
            assert datetime_formatter(fmt)(moment) == dates.format_datetime(moment, fmt, tzinfo=zone, locale=language)


def test_filter_renders_in_the_users_zone(app, monkeypatch):
    monkeypatch.setitem(app.config, "DEFAULT_LANGUAGE", "de")
    monkeypatch.setitem(app.config, "DEFAULT_TIMEZONE", "Europe/Berlin")
    with app.test_request_context("/"):
        refresh()
        rendered = app.jinja_env.from_string("{{ when|dt('short') }}").render(
            when=datetime(2026, 11, 23, 16, 5, tzinfo=UTC))
    assert rendered == "23.11.26, 17:05"
