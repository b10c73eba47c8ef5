"""Prometheus metrics (prometheus-client) that stay correct with several gunicorn workers.

Two kinds, chosen so that whichever worker answers a scrape gives the installation's true values:

* Request latency is measured in each worker. Under gunicorn the master sets PROMETHEUS_MULTIPROC_DIR
  (multiprocess.py, from the gunicorn ``on_starting`` hook, under the systemd runtime directory)
  before forking, every worker writes its histogram to memory-mapped files there, and a
  scrape sums the files of all workers, past ones included, so counters never go backwards when a
  worker is recycled. Without the variable (development server, tests) the histogram is per process.
* Everything else (SLA engine lag, scheduler heartbeat, outbox, mail queue) is state in the shared
  database, so it is read from there at scrape time: one indexed query each, identical in every
  worker and on every app host, and nothing to keep in sync.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from datetime import datetime, timedelta

import sqlalchemy as sa
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from ..core import migrate
from ..core.version import VERSION
from ..extensions import db
from . import queries
from .multiprocess import ENV

log = logging.getLogger(__name__)
#: prometheus-client picks its value store when first imported, so this is read once, like it does
MULTIPROCESS = bool(os.environ.get(ENV))
_LOCAL = CollectorRegistry()

REQUEST_SECONDS = Histogram(
    "servicedesk_http_request_duration_seconds",
    "Time to answer an HTTP request, by Flask endpoint (not path: the label set stays small)",
    ["endpoint", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=None if MULTIPROCESS else _LOCAL,
)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def observe_request(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(endpoint=endpoint or "unmatched", method=method if method in _METHODS else "other",
                           status=f"{status // 100}xx").observe(seconds)


def allowed(remote_addr: str | None, forwarded_for: str | None, allow: str) -> bool:
    """Whether a scrape may see the metrics. ``allow``: space-separated addresses and networks.

    The peer must be allowed; behind a reverse proxy (which is on loopback, so allowed) the client the
    proxy appended last to X-Forwarded-For must be allowed too, so nginx cannot expose /metrics to the
    world and a client cannot talk its way in with a forged header."""
    try:
        networks = [ipaddress.ip_network(item, strict=False) for item in allow.split()]
    except ValueError:
        return False

    def ok(address: str | None) -> bool:
        try:
            ip = ipaddress.ip_address((address or "").strip())
        except ValueError:
            return False
        ip = getattr(ip, "ipv4_mapped", None) or ip
        return any(ip in net for net in networks)

    if not ok(remote_addr):
        return False
    return forwarded_for is None or ok(forwarded_for.split(",")[-1])


def render(now: datetime, heartbeat_max_age: timedelta) -> tuple[bytes, str]:
    """The exposition: request histograms (all workers when multiprocess) + gauges read from the database."""
    if MULTIPROCESS:
        requests = CollectorRegistry()
        MultiProcessCollector(requests)
    else:
        requests = _LOCAL
    state = CollectorRegistry()
    state.register(_DatabaseCollector(now, heartbeat_max_age))
    return generate_latest(requests) + generate_latest(state), CONTENT_TYPE_LATEST


class _DatabaseCollector:
    def __init__(self, now: datetime, heartbeat_max_age: timedelta):
        self.now, self.heartbeat_max_age = now, heartbeat_max_age

    def collect(self):
        head = migrate.head_revision()
        yield _gauge("servicedesk_build_info", "Version and schema head of the running code", 1,
                     version=VERSION, schema_head=head)
        try:
            snap = queries.ops_snapshot(self.now)
        except sa.exc.SQLAlchemyError:
            log.warning("metrics: the database did not answer", exc_info=True)
            db.session.rollback()
            yield _gauge("servicedesk_database_up", "Whether the database answered this scrape", 0)
            return
        yield _gauge("servicedesk_database_up", "Whether the database answered this scrape", 1)
        yield _gauge("servicedesk_schema_at_head", "Whether the database schema is at the code's head revision",
                     int(snap.schema_current == head))

        lag = GaugeMetricFamily("servicedesk_sla_engine_lag_seconds",
                                "Age of the oldest SLA warning or breach that is due but not yet processed "
                                "(0: the SLA job is keeping up)", labels=["kind"])
        due = GaugeMetricFamily("servicedesk_sla_due_unprocessed",
                                "SLA warnings and breaches that are due but not yet processed", labels=["kind"])
        for kind, (count, oldest) in snap.sla_due.items():
            lag.add_metric([kind], self._age(oldest))
            due.add_metric([kind], count)
        yield lag
        yield due

        beat = snap.heartbeat
        age = self._age(beat.beat_at) if beat else float("inf")
        yield _gauge("servicedesk_scheduler_heartbeat_age_seconds",
                     "Seconds since the scheduler leader's last heartbeat (+Inf: never)", age)
        yield _gauge("servicedesk_scheduler_leader_present", "Whether some process holds the scheduler "
                     "leader lock and beats (heartbeat fresh)", int(age <= self.heartbeat_max_age.total_seconds()))
        yield _gauge("servicedesk_scheduler_is_leader", "Whether the fresh scheduler leader runs on this host",
                     int(bool(beat) and age <= self.heartbeat_max_age.total_seconds()
                         and beat.hostname == socket.gethostname()[:255]))

        outbox = GaugeMetricFamily("servicedesk_outbox_deliveries",
                                   "Undelivered outbox messages by channel and state: pending (not tried yet), "
                                   "retrying (failed, will retry), dead (gave up)", labels=["channel", "state"])
        for (channel, state_), count in sorted(snap.outbox.items()):
            outbox.add_metric([channel, state_], count)
        yield outbox
        yield _gauge("servicedesk_outbox_oldest_due_age_seconds",
                     "How long the oldest due delivery has waited (0: none waiting)",
                     self._age(snap.outbox_oldest_due_at))
        yield _gauge("servicedesk_mail_queue_length", "E-mails waiting in the outbox (pending and retrying)",
                     snap.outbox[("email", "pending")] + snap.outbox[("email", "retrying")])

    def _age(self, since: datetime | None) -> float:
        return max(0.0, (self.now - since).total_seconds()) if since else 0.0


def _gauge(name: str, documentation: str, value: float, **labels: str) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=list(labels))
    family.add_metric(list(labels.values()), value)
    return family
