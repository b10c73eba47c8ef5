"""The SLA in the API: the `sla` key of the ticket JSON and the ledger endpoint."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from app.core.clock import utcnow
from app.extensions import db
from app.sla.operations import ensure_default_policies


@pytest.fixture
def policies(app):
    ensure_default_policies()
    db.session.commit()


def test_ticket_json_carries_each_target(api, policies, requester, agent):
    start = datetime(2026, 11, 23, 9, 0, tzinfo=utcnow().tzinfo)  # a Monday, inside business hours
    with time_machine.travel(start, tick=False):
        created = api.post("/tickets", requester, json={"subject": "VPN down", "description": "",
                                                        "type": "incident", "impact": "medium",
                                                        "urgency": "medium"})
    assert created.status_code == 201, created.get_json()
    sla = created.get_json()["sla"]
    assert set(sla) >= {"acknowledge", "first_response", "resolution"}
    ack = sla["acknowledge"]
    assert ack["met_at"] is None and ack["breached_at"] is None and ack["paused"] is False
    # P3 on business hours: acknowledge within 1 h
    assert datetime.fromisoformat(ack["due_at"]) == start + timedelta(hours=1)
    listed = api.get("/tickets?status=all", agent).get_json()["items"]
    assert listed[0]["sla"]["acknowledge"]["due_at"] == ack["due_at"]


def test_ledger_endpoint_explains_and_respects_visibility(api, policies, requester, other_requester, agent,
                                                          make_ticket):
    ticket = make_ticket()
    events = api.get(f"/tickets/{ticket.id}/sla/events", agent)
    assert events.status_code == 200
    kinds = [e["kind"] for e in events.get_json()]
    assert "policy_changed" in kinds and "started" in kinds
    chosen = next(e for e in events.get_json() if e["kind"] == "policy_changed")
    assert chosen["reason"] == "policy 'P3 medium' (v1): priority is P3"  # which rule fired, and why
    assert api.get(f"/tickets/{ticket.id}/sla/events", other_requester).status_code == 404
    assert api.get("/tickets/999999/sla/events", agent).status_code == 404
