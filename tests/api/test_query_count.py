"""Creating a ticket through the API runs a small, fixed number of SQL statements (the create path is what
the benchmark's throughput measures; a lazy load or a per-clock flush creeping back shows here first)."""

from __future__ import annotations

from app.extensions import db
from app.sla.operations import ensure_default_policies
from app.tickets.models import Ticket

from ..tickets.test_views_query_count import counted_statements

#: token, requester, ticket, search row (2 on SQLite), 2 history events, policies (one join), SLA state,
#: 3 clocks, ledger (one statement), acknowledge met, the clocks for the response
MAX_STATEMENTS = 16


def test_create_runs_a_bounded_number_of_statements_with_the_sla_started(api, agent, requester):
    ensure_default_policies("Europe/Berlin")
    db.session.commit()
    payload = {"subject": "Phone line dead", "description": "Since this morning", "type": "incident",
               "impact": "high", "urgency": "high", "requester": requester.id}
    api.post("/tickets", agent, json=payload)  # warm: the token's first use writes last_used_at
    db.session.remove()
    with counted_statements() as statements:
        response = api.post("/tickets", agent, json=payload)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body["sla"]) == {"acknowledge", "first_response", "resolution"}
    assert body["sla"]["acknowledge"]["met_at"] is not None  # logged by an agent: acknowledged at once
    assert body["sla"]["resolution"]["due_at"] is not None
    assert len(statements) <= MAX_STATEMENTS, "\n".join(s.split("\n")[0][:120] for s in statements)
    assert db.session.get(Ticket, body["id"]).subject == "Phone line dead"
