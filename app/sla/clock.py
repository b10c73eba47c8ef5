"""Clock arithmetic on plain values: from a clock's ledger marks to its due date, and the explanation.

Pure: no database, no Flask, no clock calls (`now` is a parameter). A clock's ledger entries become
`Mark`s (start, pause, resume, stop); `runs_from_marks` turns them into the stretches in which the clock
ran (`Run`) and the gaps between them (`Gap`, with the reason it stopped); `compute` gives the state at
`now` (business time used, remaining, due and warning instants); `explain_clock` gives the timeline that
explains it: counted business time, "outside business hours", "weekend", "holiday: Christmas Day",
"paused 2 h 10 min awaiting requester".

Definitions:

* **Due instant**: the instant at which the business time counted over the runs reaches the target.
  It lies inside a run (or at its end). While the clock does not run and has not reached it, there is no
  due instant (None): nobody can say when the clock will run again. Reached in an earlier run, it stays
  (a past instant: the clock is overdue, whatever happened since).
* **Warning instant**: the same for ``warning_percent`` % of the target (rounded down to a microsecond).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .business_hours import Calendar, add_business_time, business_time_between, explain

__all__ = [
    "ClockState",
    "Gap",
    "Mark",
    "MarkKind",
    "Run",
    "TimelineEntry",
    "compute",
    "explain_clock",
    "format_duration",
    "reach",
    "runs_from_marks",
    "totals",
    "warning_amount",
]

_ZERO = timedelta(0)


class MarkKind(enum.Enum):
    start = "start"  #: the clock begins to run
    pause = "pause"  #: it stops counting for a while (waiting on the requester or a third party)
    resume = "resume"  #: it runs again (also after a reopen)
    stop = "stop"  #: it stops: met, or ended without being met


@dataclass(frozen=True, slots=True)
class Mark:
    at: datetime
    kind: MarkKind
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch ``[start, end)`` in which the clock ran; `end` None = still running."""

    start: datetime
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class Gap:
    """A stretch in which the clock did not run: paused (`is_pause`) or stopped, with the reason."""

    start: datetime
    end: datetime | None
    reason: str
    is_pause: bool


def runs_from_marks(marks: Iterable[Mark]) -> tuple[list[Run], list[Gap]]:
    """Runs and gaps from marks in ledger order. Redundant marks (a pause while paused, a resume while
    running) change nothing, so a ledger written twice for the same trigger gives the same runs."""
    runs: list[Run] = []
    gaps: list[Gap] = []
    running_since: datetime | None = None
    for mark in marks:
        if mark.kind in (MarkKind.start, MarkKind.resume):
            if running_since is not None:
                continue
            at = mark.at if not runs else max(mark.at, runs[-1].end)
            if gaps and gaps[-1].end is None:
                gaps[-1] = Gap(gaps[-1].start, at, gaps[-1].reason, gaps[-1].is_pause)
            running_since = at
        elif running_since is not None:  # pause or stop
            end = max(mark.at, running_since)
            runs.append(Run(running_since, end))
            gaps.append(Gap(end, None, mark.reason, mark.kind is MarkKind.pause))
            running_since = None
    if running_since is not None:
        runs.append(Run(running_since, None))
    return runs, gaps


def warning_amount(target: timedelta, warning_percent: int) -> timedelta:
    return timedelta(microseconds=(target // timedelta(microseconds=1)) * warning_percent // 100)


def reach(amount: timedelta, runs: Sequence[Run], cal: Calendar) -> datetime | None:
    """The instant at which business time counted over `runs` reaches `amount`; None if the runs end
    before that (the clock is not running)."""
    remaining = amount
    for run in runs:
        if run.end is None:
            return add_business_time(run.start, remaining, cal)
        counted = business_time_between(run.start, run.end, cal)
        if counted and remaining <= counted:
            return min(add_business_time(run.start, remaining, cal), run.end)
        remaining -= counted
    return None


def used(runs: Sequence[Run], cal: Calendar, now: datetime) -> timedelta:
    """Business time counted over the runs up to `now`."""
    total = _ZERO
    for run in runs:
        end = now if run.end is None else min(run.end, now)
        if end > run.start:
            total += business_time_between(run.start, end, cal)
    return total


@dataclass(frozen=True, slots=True)
class ClockState:
    target: timedelta
    used: timedelta
    due_at: datetime | None
    warn_at: datetime | None
    is_running: bool

    @property
    def remaining(self) -> timedelta:
        """Business time left; negative when overdue."""
        return self.target - self.used

    @property
    def used_percent(self) -> float:
        return 100.0 if not self.target else 100.0 * (self.used / self.target)


def compute(target: timedelta, runs: Sequence[Run], cal: Calendar, now: datetime,
            warning_percent: int = 75) -> ClockState:
    """The clock at `now`: business time used, due and warning instants (see the module docstring)."""
    if target < _ZERO:
        raise ValueError("a target must not be negative")
    if not 0 < warning_percent <= 100:
        raise ValueError("the warning threshold is a percentage from 1 to 100")
    running = bool(runs) and runs[-1].end is None
    return ClockState(
        target=target,
        used=used(runs, cal, now),
        due_at=reach(target, runs, cal),
        warn_at=reach(warning_amount(target, warning_percent), runs, cal),
        is_running=running,
    )


# -- explanation ------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One stretch of a clock's life and whether it counted.

    `kind`: "counted", "outside_hours", "weekend", "holiday", "paused" or "stopped". `reason` is English
    for logs and tests; user interfaces translate from `kind`, `holiday`, `pause_reason` and the times.
    """

    start: datetime
    end: datetime
    kind: str
    reason: str
    counted: timedelta
    holiday: str | None = None
    pause_reason: str | None = None

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def format_duration(value: timedelta) -> str:
    """``2 h 10 min``, ``45 min``, ``3 h``; seconds are dropped, under a minute is ``0 min``."""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def explain_clock(runs: Sequence[Run], gaps: Sequence[Gap], cal: Calendar, now: datetime) -> list[TimelineEntry]:
    """The clock's timeline from its start to its end (or `now` while it runs or is paused): each run
    split by `business_hours.explain` into counted and not-counted stretches, and each gap as one entry
    ("paused 2 h 10 min awaiting requester"; "stopped 1 h: resolved" before a reopen). A pause that has
    not ended yet runs to `now`."""
    entries: list[TimelineEntry] = []
    stretches: list[tuple[datetime, datetime | None, object]] = [(r.start, r.end, r) for r in runs]
    stretches += [(g.start, g.end, g) for g in gaps]
    stretches.sort(key=lambda item: (item[0], isinstance(item[2], Run)))
    for start, end, item in stretches:
        if end is None and isinstance(item, Gap) and not item.is_pause:
            continue  # the clock has ended (met or stopped): its timeline ends there
        end = now if end is None else min(end, now)
        if end <= start:
            continue
        if isinstance(item, Run):
            for segment in explain(start, end, cal):
                kind = "counted" if segment.counted else segment.kind.value
                entries.append(TimelineEntry(
                    segment.start, segment.end, kind, "counted" if segment.counted else segment.reason,
                    segment.duration if segment.counted else _ZERO, holiday=segment.holiday))
        else:
            length = format_duration(end - start)
            reason = f"paused {length} {item.reason}".rstrip() if item.is_pause else \
                f"stopped {length}: {item.reason}".rstrip(": ")
            entries.append(TimelineEntry(start, end, "paused" if item.is_pause else "stopped", reason, _ZERO,
                                         pause_reason=item.reason or None))
    return entries


def totals(entries: Iterable[TimelineEntry]) -> dict[str, timedelta]:
    """Wall-clock time per entry kind (what the panel sums up: counted 5 h, paused 2 h 10 min, ...)."""
    result: dict[str, timedelta] = {}
    for entry in entries:
        result[entry.kind] = result.get(entry.kind, _ZERO) + entry.duration
    return result
