"""Probes and metrics for load balancers, orchestration and Prometheus; no login, no session."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request, request_finished, request_started
from flask_babel import gettext

from ..core.clock import utcnow
from ..core.errors import PermissionDenied
from ..core.version import VERSION
from . import metrics, queries, readiness

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """Alive: the process answers. Touches nothing else (a database outage must not restart workers)."""
    return _no_store(jsonify({"status": "ok"}))


@bp.get("/readyz")
def readyz():
    """Ready to serve: database reachable, schema at head, a scheduler leader beating, outbox moving."""
    now, config = utcnow(), current_app.config
    facts = queries.readiness_facts(now)
    checks = readiness.evaluate(
        facts, now, heartbeat_max_age=timedelta(seconds=config["READY_SCHEDULER_MAX_AGE_SECONDS"]),
        outbox_stuck_after=timedelta(minutes=config["READY_OUTBOX_STUCK_MINUTES"]))
    ready = all(check.ok for check in checks.values())
    body = {"status": "ok" if ready else "fail", "version": VERSION,
            "schema": {"current": facts.schema_current, "head": facts.schema_head},
            "checks": {name: check.as_json() for name, check in checks.items()}}
    return _no_store(jsonify(body)), 200 if ready else 503


@bp.get("/metrics")
def prometheus_metrics():
    forwarded = ",".join(request.headers.getlist("X-Forwarded-For")) or None
    if not metrics.allowed(request.remote_addr, forwarded, current_app.config["METRICS_ALLOW_IPS"]):
        raise PermissionDenied(gettext("Metrics are not available from this address (METRICS_ALLOW_IPS)."))
    body, content_type = metrics.render(
        utcnow(), timedelta(seconds=current_app.config["READY_SCHEDULER_MAX_AGE_SECONDS"]))
    return _no_store(Response(body, content_type=content_type))


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


# Request latency of every endpoint of the app, measured from the moment Flask has the request.
def _started(sender, **extra) -> None:
    g.ops_request_started = time.perf_counter()


def _finished(sender, response, **extra) -> None:
    started = g.get("ops_request_started")
    if started is not None:
        metrics.observe_request(request.endpoint, request.method, response.status_code,
                                time.perf_counter() - started)


@bp.record_once
def _measure_requests(state) -> None:
    app: Flask = state.app
    request_started.connect(_started, app, weak=False)
    request_finished.connect(_finished, app, weak=False)
