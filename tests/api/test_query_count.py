"""Creating a ticket through the API runs a small, fixed number of SQL statements (the create path is what
the benchmark's throughput measures; a lazy load or a per-clock flush creeping back shows here first)."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.sla.operations import ensure_default_policies
from app.tickets.models import Ticket

from ..tickets.test_views_query_count import counted_statements

#: token and its user, requester, ticket, search row, history events, policies (one join), 3 clocks, SLA state,
#: ledger, the clocks for the response; each one statement on PostgreSQL. SQLite has no batched INSERT ...
#: RETURNING here: the events and the clocks go one by one, and the search row is deleted, then inserted.
MAX_STATEMENTS = {"postgresql": 10, "sqlite": 14}


def test_create_runs_a_bounded_number_of_statements_with_the_sla_started(api, agent, requester):
    ensure_default_policies("Europe/Berlin")
    db.session.commit()
    payload = {"subject": "Phone line dead", "description": "Since this morning", "type": "incident",
               "impact": "high", "urgency": "high", "requester": requester.id}
    api.post("/tickets", agent, json=payload)  # warm: the token's first use writes last_used_at
    db.session.remove()
    commits: list[int] = []  # statements run before each commit

    def committed(conn):
        commits.append(len(statements))

    sa.event.listen(db.engine, "commit", committed)
    try:
        with counted_statements() as statements:
            response = api.post("/tickets", agent, json=payload)
    finally:
        sa.event.remove(db.engine, "commit", committed)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body["sla"]) == {"acknowledge", "first_response", "resolution"}
    assert body["sla"]["acknowledge"]["met_at"] is not None  # logged by an agent: acknowledged at once
    assert body["sla"]["resolution"]["due_at"] is not None
    listing = "\n".join(s.split("\n")[0][:120] for s in statements)
    assert len(statements) <= MAX_STATEMENTS[db.engine.dialect.name], listing
    # one transaction: the answer reads nothing after the commit (that would open a second one)
    assert commits == [len(statements)], listing
    assert db.session.get(Ticket, body["id"]).subject == "Phone line dead"
