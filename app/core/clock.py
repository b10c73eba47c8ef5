"""The one source of "now". Always timezone-aware UTC; tests move it with time-machine."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
