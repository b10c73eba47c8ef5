"""Micro-benchmark of the business-hours arithmetic (app/sla/business_hours.py): µs per call.

    .venv/bin/python bench/business_hours.py [--number 20000]

"warm" reuses one calendar (its per-day memo filled, as in a job that computes many deadlines);
"cold" is the first call on a freshly built calendar (nothing memoised; construction not included,
it is printed separately).
Start instants are spread over 2025-2027 so that DST days and holidays are part of the mix. Times are
CPU time of this process (time.process_time), so that a busy machine does not inflate them.
"""

from __future__ import annotations

import argparse
import random
import sys
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.sla.business_hours import (  # noqa: E402
    Calendar,
    add_business_time,
    business_time_between,
    explain,
)

WEEKLY = {d: [(time(8), time(12)), (time(13), time(17))] for d in range(5)}
BUSINESS_DAY = timedelta(hours=8)


def berlin() -> Calendar:
    import holidays

    days = holidays.country_holidays("DE", subdiv="BY", years=range(2024, 2030), language="en_US")
    return Calendar("Europe/Berlin", WEEKLY, dict(days), "Berlin office")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20000, help="calls per case (warm)")
    args = parser.parse_args()
    rng = random.Random(4)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60)) for _ in range(1000)]
    cal = berlin()
    always = Calendar.always("Europe/Berlin")

    cases = [
        ("P1 resolution 4 h, 24x7", always, timedelta(hours=4)),
        ("P2 first response 30 min, business hours", cal, timedelta(minutes=30)),
        ("P3 first response 2 h", cal, timedelta(hours=2)),
        ("P2 resolution 1 business day", cal, BUSINESS_DAY),
        ("P3 resolution 3 business days", cal, 3 * BUSINESS_DAY),
        ("P4 resolution 5 business days", cal, 5 * BUSINESS_DAY),
        ("6 business weeks (week skipping)", cal, 30 * BUSINESS_DAY),
    ]
    n = 2000
    t0 = clock.process_time()
    for _ in range(n):
        Calendar(cal.tz, WEEKLY, dict(cal.holidays), "x")
    print(f"building a calendar (Mon-Fri split shift, {len(cal.holidays)} holidays): "
          f"{(clock.process_time() - t0) / n * 1e6:.1f} µs")
    print(f"{'case':45} {'add warm':>10} {'add cold':>10} {'between':>10} {'explain':>10}   (µs per call)")
    for label, calendar, duration in cases:
        n = args.number
        for s in starts:  # fill the memo
            add_business_time(s, duration, calendar)
        t0 = clock.process_time()
        for i in range(n):
            add_business_time(starts[i % 1000], duration, calendar)
        warm = (clock.process_time() - t0) / n * 1e6

        n_cold = max(n // 20, 100)
        fresh = [Calendar(calendar.tz, calendar.weekly, dict(calendar.holidays), "fresh") for _ in range(n_cold)]
        t0 = clock.process_time()
        for i in range(n_cold):
            add_business_time(starts[i % 1000], duration, fresh[i])
        cold = (clock.process_time() - t0) / n_cold * 1e6

        ends = [add_business_time(s, duration, calendar) for s in starts]
        t0 = clock.process_time()
        for i in range(n):
            business_time_between(starts[i % 1000], ends[i % 1000], calendar)
        between = (clock.process_time() - t0) / n * 1e6

        t0 = clock.process_time()
        for i in range(n // 4):
            explain(starts[i % 1000], ends[i % 1000], calendar)
        explained = (clock.process_time() - t0) / (n // 4) * 1e6
        print(f"{label:45} {warm:10.1f} {cold:10.1f} {between:10.1f} {explained:10.1f}")


if __name__ == "__main__":
    main()
