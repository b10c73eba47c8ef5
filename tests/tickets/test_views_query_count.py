"""No N+1: a queue page and a ticket page run the same number of SQL statements whatever their size."""

from __future__ import annotations

import io
from contextlib import contextmanager

import sqlalchemy as sa

from app.catalog.models import Service
from app.extensions import db
from app.tickets import operations as ops
from app.users.models import Role, Team

from .test_views import listed


@contextmanager
def counted_statements():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def statements_for(client, url: str) -> list[str]:
    db.session.remove()  # nothing cached from set-up: every lazy load would have to hit the database
    with counted_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return statements


def seed_tickets(n: int, make_user, agent, team) -> None:
    """n tickets, each with its own requester, assignee, team, service and tags: a lazy load per row shows."""
    for i in range(n):
        requester = make_user(Role.requester)
        assignee = make_user(Role.agent, teams=[team])
        own_team = Team(name=f"Team {n}-{i}")
        service = Service(name=f"Service {n}-{i}", default_team=own_team)
        db.session.add_all([own_team, service])
        ops.create_ticket(agent, subject=f"ticket {i}", requester=requester, assignee=assignee, team=own_team,
                          service=service, tags=[f"tag-{n}-{i}", "common"])
    db.session.commit()


def test_queue_page_query_count_does_not_grow_with_rows(client, login, make_user):
    team = Team(name="Desk")
    db.session.add(team)
    admin = make_user(Role.admin, teams=[team])
    login(client, admin)
    seed_tickets(50, make_user, admin, team)
    small = statements_for(client, "/tickets/?status=all&limit=5")
    large = statements_for(client, "/tickets/?status=all&limit=50")
    assert len(listed(client.get("/tickets/?status=all&limit=50"))) == 50
    assert len(large) == len(small), "\n".join(large)
    assert len(small) <= 12, "\n".join(small)
    # the same holds for a filtered, sorted search page (PostgreSQL first asks the planner how many tickets
    # the words match, then, for a selective search, the text index for their ids: two statements more)
    searched = statements_for(client, "/tickets/?status=all&sort=priority&limit=20&q=ticket")
    extra = 2 if db.engine.dialect.name == "postgresql" else 0
    assert len(small) <= len(searched) <= len(small) + extra, "\n".join(searched)


def seed_conversation(ticket, n: int, make_user, agent) -> None:
    """n comments by n different people (notes among them), with an attachment and a field change each."""
    for i in range(n):
        author = make_user(Role.agent)
        comment = ops.add_comment(ticket, author, f"comment {i}", internal=bool(i % 3 == 0))
        ops.add_attachment(ticket, author, f"file{i}.txt", io.BytesIO(f"content {i}".encode()), "text/plain",
                           comment=comment)
        ops.update_ticket(ticket, agent, tags=[f"t{i}"])
        ops.add_watcher(ticket, make_user(Role.requester), agent)
    db.session.commit()


def test_ticket_page_query_count_does_not_grow_with_comments(client, login, make_user):
    team = Team(name="Desk")
    db.session.add(team)
    agent = make_user(Role.agent, teams=[team])
    login(client, agent)
    requester = make_user(Role.requester)
    small_ticket = ops.create_ticket(requester, subject="small", team=team, assignee=agent)
    large_ticket = ops.create_ticket(requester, subject="large", team=team, assignee=agent)
    db.session.commit()
    seed_conversation(small_ticket, 2, make_user, agent)
    seed_conversation(large_ticket, 30, make_user, agent)
    small_id, large_id = small_ticket.id, large_ticket.id
    small = statements_for(client, f"/tickets/{small_id}")
    large = statements_for(client, f"/tickets/{large_id}")
    assert client.get(f"/tickets/{large_id}").get_data(as_text=True).count('class="entry') == 30
    assert len(large) == len(small), "\n".join(large)
    assert len(small) <= 20, "\n".join(small)
