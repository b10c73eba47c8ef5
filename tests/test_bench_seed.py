"""The benchmark's seeded data reads as app-made data: machine reasons are the codes with the parameters
the app writes (the priority rule's result included), never English sentences (PostgreSQL only: the
seeding is set-based PostgreSQL SQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core import migrate
from app.tickets.labels import reason_text
from app.tickets.models import Level
from app.tickets.priority import compute_priority
from app.tickets.reasons import Reason, ReasonCode


@pytest.fixture(scope="module")
def seeded(pg_cluster):
    from bench import sla

    url = pg_cluster("bench_seed_check")
    migrate.upgrade(url)
    sla.seed(url, 150)  # bench/seed.py's 2000 tickets with history, then bench/sla.py's 150 open ones
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()


def test_every_seeded_priority_explanation_is_the_apps(seeded):
    with seeded.connect() as conn:
        rows = conn.execute(sa.text("""
            SELECT t.subject, t.impact, t.urgency, t.priority, t.priority_reason, t.priority_reason_code,
                   t.priority_reason_params, u.is_vip, s.name AS service, s.criticality = 'critical' AS critical
            FROM ticket t JOIN "user" u ON u.id = t.requester_id LEFT JOIN service s ON s.id = t.service_id
            """)).all()
    assert len(rows) == 2150
    overrides = [r for r in rows if r.priority_reason_code == "priority_set_by"]
    computed = [r for r in rows if r.priority_reason_code == "priority_matrix"]
    assert len(overrides) + len(computed) == len(rows)
    for r in computed:
        expected = compute_priority(Level(r.impact), Level(r.urgency), is_vip=r.is_vip, service_name=r.service,
                                    service_is_critical=bool(r.critical))
        assert (expected[0].value, expected[1]) == (
            r.priority, Reason(ReasonCode.priority_matrix, r.priority_reason_params)), r
        assert r.priority_reason == ""
    causes = {step["cause"] for r in computed for step in r.priority_reason_params["raised"]}
    assert causes == {"business_critical_service", "vip_requester"}  # both raises occur in the data
    for r in overrides:  # bench/sla.py: any priority but the matrix's P3 was set by hand
        assert r.subject.startswith("Bench ticket") and r.priority != "P3"
        params = {**r.priority_reason_params, "reason": r.priority_reason}
        assert reason_text(r.priority_reason_code, params, english=True) == "set by Bench Admin: bench"


def test_seeded_history_reasons_are_codes(seeded):
    with seeded.connect() as conn:
        events = conn.execute(sa.text("""
            SELECT e.kind, e.field, e.reason, e.reason_code, e.reason_params, t.channel,
                   t.priority_reason_params AS ticket_params
            FROM ticket_event e JOIN ticket t ON t.id = e.ticket_id""")).all()
    assert events and all(e.reason is None for e in events)  # no English sentences stored
    created = [e for e in events if e.kind == "created"]
    priority = [e for e in events if e.field == "priority"]
    assert created and priority
    for e in created:
        assert (e.reason_code, e.reason_params) == ("created_via", {"channel": e.channel})
        assert reason_text(e.reason_code, e.reason_params, english=True) == f"via {e.channel}"
    for e in priority:
        assert (e.reason_code, e.reason_params) == ("priority_matrix", e.ticket_params)
        assert reason_text(e.reason_code, e.reason_params, english=True).startswith("impact ")
