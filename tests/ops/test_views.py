"""/healthz, /readyz and /metrics through the test client, against the real database of the run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from app.core import migrate
from app.core.clock import utcnow
from app.core.scheduler import SchedulerHeartbeat, beat_heartbeat
from app.core.version import VERSION
from app.extensions import db
from app.notifications.models import Delivery, DeliveryChannel, DeliveryStatus
from app.sla.jobs import check_sla_deadlines
from app.sla.operations import ensure_default_policies
from app.tickets import operations as ticket_ops
from app.tickets.models import Level
from app.users.models import Role

from ..conftest import TEST_DB
from ..servers import free_port

HEAD = migrate.head_revision()


def samples(client, **kw) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", **kw)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/plain; version=")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True)) for s in family.samples}


def value(metrics, name, **labels) -> float:
    return metrics[(name, frozenset(labels.items()))]


def add_delivery(key: str, *, channel=DeliveryChannel.email, status=DeliveryStatus.pending, attempts=0,
                 next_attempt_at=None) -> None:
    db.session.add(Delivery(channel=channel, recipient="x@example.org", subject="s", body="b",
                            idempotency_key=key, status=status, attempts=attempts,
                            next_attempt_at=next_attempt_at if status is DeliveryStatus.pending else None))
    db.session.commit()


def test_healthz_answers_without_asking_the_database(tmp_path):
    # a database that cannot be reached: a file in a directory that does not exist
    broken = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/x.db", "DATA_DIR": str(tmp_path),
                         "SECRET_KEY": "test-secret-key-0123456789", "TESTING": True})
    client = broken.test_client()
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = ready.get_json()
    assert body["status"] == "fail" and body["checks"]["database"]["status"] == "fail"
    assert "unable to open database file" in body["checks"]["database"]["detail"]
    assert body["version"] == VERSION and body["schema"] == {"current": None, "head": HEAD}
    # the metrics say the same instead of failing the scrape
    assert value(samples(client), "servicedesk_database_up") == 0


def test_readyz_is_ready_with_a_fresh_heartbeat_and_names_version_and_schema(client):
    beat_heartbeat()
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ok" and body["version"] == VERSION
    assert body["schema"] == {"current": HEAD, "head": HEAD}
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok", "migrations": "ok", "scheduler": "ok", "outbox": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_fails_without_a_scheduler_and_when_the_leader_stopped_beating(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["scheduler"]["status"] == "fail"
    beat_heartbeat(now=utcnow() - timedelta(minutes=5))
    body = client.get("/readyz").get_json()
    assert body["status"] == "fail" and body["checks"]["scheduler"]["status"] == "fail"
    assert "300 s ago" in body["checks"]["scheduler"]["detail"]
    assert body["checks"]["database"]["status"] == "ok"


def test_a_new_leader_restarts_leader_since_and_the_same_one_keeps_it(app):
    start = utcnow() - timedelta(minutes=10)
    beat_heartbeat(now=start)
    beat_heartbeat(now=start + timedelta(seconds=15))
    row = db.session.get(SchedulerHeartbeat, 1)
    db.session.refresh(row)
    assert (row.leader_since, row.beat_at) == (start, start + timedelta(seconds=15))
    db.session.execute(sa.update(SchedulerHeartbeat).values(pid=row.pid + 1))  # another process led meanwhile
    db.session.commit()
    beat_heartbeat(now=start + timedelta(seconds=30))
    db.session.refresh(row)
    assert row.leader_since == start + timedelta(seconds=30)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SchedulerHeartbeat)) == 1


def test_readyz_fails_when_a_delivery_waits_past_the_limit_but_not_for_scheduled_retries(client):
    beat_heartbeat()
    add_delivery("later", next_attempt_at=utcnow() + timedelta(hours=1), attempts=2)  # a retry, not stuck
    add_delivery("fresh", next_attempt_at=utcnow() - timedelta(minutes=1))
    assert client.get("/readyz").status_code == 200
    add_delivery("stuck", next_attempt_at=utcnow() - timedelta(minutes=20))
    response = client.get("/readyz")
    assert response.status_code == 503
    outbox = response.get_json()["checks"]["outbox"]
    assert outbox["status"] == "fail" and "2 due deliveries" in outbox["detail"]


@pytest.fixture
def behind_head(tmp_path, request):
    """An app on a database one migration behind the code."""
    if TEST_DB == "postgresql":
        url = request.getfixturevalue("pg_cluster")(f"behind_{free_port()}")
    else:
        url = f"sqlite:///{tmp_path / 'behind.db'}"
    migrate.upgrade(url, "0005")
    application = create_app({"DATABASE_URL": url, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x" * 20,
                              "TESTING": True})
    yield application
    with application.app_context():
        db.engine.dispose()


def test_readyz_fails_on_a_schema_behind_head(behind_head):
    response = behind_head.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["schema"] == {"current": "0005", "head": HEAD}
    assert body["checks"]["migrations"]["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"


def test_probes_need_no_login_and_do_not_start_a_session(client):
    for path in ("/healthz", "/readyz", "/metrics"):
        response = client.get(path)
        assert response.status_code in (200, 503), path
        assert "Set-Cookie" not in response.headers, path


@pytest.mark.parametrize(("remote", "forwarded", "allow", "status"), [
    ("127.0.0.1", None, "127.0.0.1 ::1", 200),
    ("::1", None, "127.0.0.1 ::1", 200),
    ("10.1.2.3", None, "127.0.0.1 ::1", 403),
    # through nginx on loopback: the client nginx appended decides, a forged first entry does not help
    ("127.0.0.1", "10.1.2.3", "127.0.0.1 ::1", 403),
    ("127.0.0.1", "127.0.0.1, 10.1.2.3", "127.0.0.1 ::1", 403),
    ("127.0.0.1", "10.20.0.9", "127.0.0.1 ::1 10.20.0.0/24", 200),
    # a direct peer that is not allowed cannot talk its way in
    ("10.6.6.6", "127.0.0.1", "127.0.0.1 ::1 10.20.0.0/24", 403),
    ("10.20.0.9", None, "127.0.0.1 ::1 10.20.0.0/24", 200),
    ("127.0.0.1", None, "", 403),
])
def test_metrics_are_limited_to_the_configured_addresses(app, client, remote, forwarded, allow, status):
    app.config["METRICS_ALLOW_IPS"] = allow
    try:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        response = client.get("/metrics", environ_base={"REMOTE_ADDR": remote}, headers=headers)
    finally:
        app.config["METRICS_ALLOW_IPS"] = "127.0.0.1 ::1"
    assert response.status_code == status
    if status == 403:
        assert b"servicedesk_" not in response.data


def test_request_latency_is_labelled_by_endpoint_not_by_path(client, make_user, login):
    before = samples(client)
    agent = make_user(Role.agent)
    login(client, agent)
    for ticket_id in (11, 12, 13):  # three paths, one endpoint
        client.get(f"/tickets/{ticket_id}")
    client.get("/no/such/page")
    after = samples(client)

    def count(endpoint, status):
        key = ("servicedesk_http_request_duration_seconds_count",
               frozenset({"endpoint": endpoint, "method": "GET", "status": status}.items()))
        return after.get(key, 0) - before.get(key, 0)

    assert count("tickets.ticket", "4xx") == 3
    assert count("unmatched", "4xx") == 1
    paths = [labels for name, labels in after if name.startswith("servicedesk_http_request_duration_seconds")]
    assert not any("/tickets/1" in value for labels in paths for _, value in labels)


def test_gauges_show_sla_lag_until_the_job_catches_up(app, client, make_user):
    start = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)  # Monday, business hours in Berlin
    with time_machine.travel(start, tick=False) as traveller:
        ensure_default_policies("Europe/Berlin")
        db.session.commit()
        requester = make_user(Role.requester)
        ticket_ops.create_ticket(requester, subject="Mail down", requester=requester, impact=Level.high,
                                 urgency=Level.high)
        db.session.commit()
        assert value(samples(client), "servicedesk_sla_engine_lag_seconds", kind="breach") == 0
        traveller.move_to(start + timedelta(days=3))
        metrics = samples(client)
        warning_lag = value(metrics, "servicedesk_sla_engine_lag_seconds", kind="warning")
        breach_lag = value(metrics, "servicedesk_sla_engine_lag_seconds", kind="breach")
        assert 0 < breach_lag < warning_lag < timedelta(days=3).total_seconds()
        assert value(metrics, "servicedesk_sla_due_unprocessed", kind="breach") >= 1
        check_sla_deadlines()
        metrics = samples(client)
        assert value(metrics, "servicedesk_sla_engine_lag_seconds", kind="warning") == 0
        assert value(metrics, "servicedesk_sla_engine_lag_seconds", kind="breach") == 0
        assert value(metrics, "servicedesk_sla_due_unprocessed", kind="breach") == 0


def test_gauges_show_outbox_depth_by_state_mail_queue_and_heartbeat(client):
    now = utcnow()
    add_delivery("m1", next_attempt_at=now - timedelta(minutes=4))
    add_delivery("m2", next_attempt_at=now + timedelta(minutes=5), attempts=3)
    add_delivery("m3", status=DeliveryStatus.dead, attempts=8)
    add_delivery("m4", status=DeliveryStatus.sent, attempts=1)
    add_delivery("w1", channel=DeliveryChannel.webhook, status=DeliveryStatus.dead, attempts=8)
    metrics = samples(client)
    assert value(metrics, "servicedesk_outbox_deliveries", channel="email", state="pending") == 1
    assert value(metrics, "servicedesk_outbox_deliveries", channel="email", state="retrying") == 1
    assert value(metrics, "servicedesk_outbox_deliveries", channel="email", state="dead") == 1
    assert value(metrics, "servicedesk_outbox_deliveries", channel="webhook", state="dead") == 1
    assert value(metrics, "servicedesk_outbox_deliveries", channel="webhook", state="pending") == 0
    assert value(metrics, "servicedesk_mail_queue_length") == 2
    assert 235 < value(metrics, "servicedesk_outbox_oldest_due_age_seconds") < 300
    assert value(metrics, "servicedesk_scheduler_heartbeat_age_seconds") == float("inf")
    assert value(metrics, "servicedesk_scheduler_leader_present") == 0
    beat_heartbeat(now=now - timedelta(seconds=30))
    metrics = samples(client)
    assert 30 <= value(metrics, "servicedesk_scheduler_heartbeat_age_seconds") < 60
    assert value(metrics, "servicedesk_scheduler_leader_present") == 1
    assert value(metrics, "servicedesk_scheduler_is_leader") == 1  # the beat came from this host
    assert value(metrics, "servicedesk_build_info", version=VERSION, schema_head=HEAD) == 1
    assert value(metrics, "servicedesk_schema_at_head") == 1
