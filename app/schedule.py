"""Every recurring job and its interval, in one list. Jobs select due rows and call operations."""

from __future__ import annotations

import atexit

from flask import Flask

from .auth.jobs import CHECK_EVERY_SECONDS, sync_directory_when_due
from .core.scheduler import HEARTBEAT_SECONDS, beat_heartbeat
from .notifications.jobs import deliver_due
from .sla.jobs import check_sla_deadlines, recompute_pending
from .tickets.jobs import close_resolved_tickets

#: (job, interval in seconds)
JOBS = [
    (deliver_due, 10),
    (close_resolved_tickets, 15 * 60),
    # runs the LDAP sync when the setting ldap.sync_interval_minutes says it is due
    (sync_directory_when_due, CHECK_EVERY_SECONDS),
    (check_sla_deadlines, 30),  # SLA warnings and breaches that came due
    (recompute_pending, 10),  # due-date rebuilds queued by SLA calendar/policy edits, ~8 s of batches a run
    (beat_heartbeat, HEARTBEAT_SECONDS),  # the leader's sign of life, read by /readyz and /metrics
]


def init_scheduler(app: Flask) -> None:
    """Start the in-process scheduler when SCHEDULER_ENABLED; only the leader process runs the jobs."""
    if not app.config["SCHEDULER_ENABLED"]:
        return
    from .core.scheduler import Runner

    runner = Runner(app, JOBS)
    runner.start()
    app.extensions["scheduler"] = runner
    atexit.register(runner.shutdown)
