"""The readiness decision, from plain facts and `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.ops.readiness import Facts, evaluate

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LIMITS = {"heartbeat_max_age": timedelta(seconds=90), "outbox_stuck_after": timedelta(minutes=15)}
HEALTHY = Facts(schema_current="0006", schema_head="0006", heartbeat_at=NOW - timedelta(seconds=20),
                leader="app1 pid 42")


def failing(facts: Facts) -> dict[str, str]:
    return {name: check.detail for name, check in evaluate(facts, NOW, **LIMITS).items() if not check.ok}


def test_a_healthy_installation_passes_every_check():
    checks = evaluate(HEALTHY, NOW, **LIMITS)
    assert set(checks) == {"database", "migrations", "scheduler", "outbox"}
    assert all(check.ok for check in checks.values())
    assert "app1 pid 42" in checks["scheduler"].detail


def test_an_unreachable_database_fails_everything_and_says_why():
    failed = failing(Facts(database_error="OperationalError: connection refused", schema_head="0006"))
    assert set(failed) == {"database", "migrations", "scheduler", "outbox"}
    assert "connection refused" in failed["database"]


def test_a_schema_behind_head_names_both_revisions_and_the_fix():
    failed = failing(Facts(schema_current="0005", schema_head="0006"))
    assert "0005" in failed["migrations"] and "0006" in failed["migrations"]
    assert "servicedesk init" in failed["migrations"]


@pytest.mark.parametrize(("age", "ok"), [(89, True), (90, True), (91, False), (3600, False)])
def test_the_scheduler_check_follows_the_heartbeat_age(age, ok):
    facts = Facts(**{**HEALTHY.__dict__, "heartbeat_at": NOW - timedelta(seconds=age)})
    assert ("scheduler" not in failing(facts)) is ok


def test_no_heartbeat_at_all_explains_how_to_run_a_scheduler():
    facts = Facts(**{**HEALTHY.__dict__, "heartbeat_at": None, "leader": None})
    assert "SCHEDULER_ENABLED" in failing(facts)["scheduler"]


@pytest.mark.parametrize(("due_for", "ok"), [(None, True), (timedelta(minutes=14), True),
                                             (timedelta(minutes=15), False), (timedelta(hours=2), False)])
def test_the_outbox_is_stuck_when_a_delivery_waits_past_the_limit(due_for, ok):
    facts = Facts(**{**HEALTHY.__dict__, "due_deliveries": 0 if due_for is None else 3,
                     "oldest_due_delivery_at": None if due_for is None else NOW - due_for})
    failed = failing(facts)
    assert ("outbox" not in failed) is ok
    if not ok:
        assert "3 due deliveries" in failed["outbox"]
