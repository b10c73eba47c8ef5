from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.clock import utcnow
from app.core.errors import ValidationFailed
from app.extensions import db
from app.tickets import operations as ops
from app.tickets.models import Level, Status
from app.tickets.queries import COUNT_CAP, SORTS, TicketFilter, list_tickets
from app.users.models import Role


@pytest.fixture
def admin_and_tickets(make_user):
    requester, admin = make_user(Role.requester), make_user(Role.admin)
    base = utcnow() - timedelta(days=3)
    tickets = []
    for i in range(23):
        t = ops.create_ticket(requester, subject=f"t{i}", impact=[Level.low, Level.medium, Level.high][i % 3])
        t.created_at = base + timedelta(minutes=i // 2)  # pairs share a timestamp: the id breaks ties
        t.updated_at = base + timedelta(minutes=(i * 7) % 23)
        tickets.append(t)
    db.session.commit()
    return admin, tickets


@pytest.mark.parametrize("sort", SORTS)
def test_keyset_pages_cover_everything_once_in_order(admin_and_tickets, sort):
    admin, tickets = admin_and_tickets
    seen, cursor = [], None
    while True:
        page = list_tickets(admin, TicketFilter(), sort=sort, limit=5, cursor=cursor)
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(t.id for t in seen) == sorted(t.id for t in tickets)
    columns, descending = SORTS[sort]
    keys = [tuple([getattr(t, c) for c in columns] + [t.id]) for t in seen]
    keys = [tuple(k.rank if hasattr(k, "rank") else k for k in key) for key in keys]
    assert keys == sorted(keys, reverse=descending)


def test_bad_cursor_and_limits_are_clear_errors(admin_and_tickets):
    admin, _ = admin_and_tickets
    for cursor in ["garbage", "W10", "WyJ4IiwgMV0"]:
        with pytest.raises(ValidationFailed, match="cursor"):
            list_tickets(admin, TicketFilter(), cursor=cursor)
    with pytest.raises(ValidationFailed):
        list_tickets(admin, TicketFilter(), limit=0)
    with pytest.raises(ValidationFailed):
        list_tickets(admin, TicketFilter(), sort="subject")


def test_filters(admin_and_tickets, make_user):
    admin, tickets = admin_and_tickets
    agent = make_user(Role.agent)
    ops.update_ticket(tickets[0], admin, assignee=agent)
    ops.transition_ticket(tickets[1], Status.resolved, admin)
    db.session.commit()
    assert [t.id for t in list_tickets(admin, TicketFilter(assignee_id=agent.id)).items] == [tickets[0].id]
    assert tickets[0].id not in [t.id for t in list_tickets(admin, TicketFilter(assignee_id=0)).items]
    open_ids = [t.id for t in list_tickets(admin, TicketFilter(), limit=100).items]
    assert tickets[1].id not in open_ids and len(open_ids) == 22
    done = list_tickets(admin, TicketFilter(statuses=[Status.resolved])).items
    assert [t.id for t in done] == [tickets[1].id]
    assert list_tickets(admin, TicketFilter(), limit=100).count == 22


def test_count_is_capped(admin_and_tickets, monkeypatch):
    admin, _ = admin_and_tickets
    monkeypatch.setattr("app.tickets.queries.COUNT_CAP", 10)
    page = list_tickets(admin, TicketFilter())
    assert page.count == 11 and COUNT_CAP == 1000


def test_open_condition_names_exactly_the_done_statuses():
    from app.tickets.models import DONE_STATUSES, OPEN_CONDITION

    listed = OPEN_CONDITION.removeprefix("status NOT IN (").removesuffix(")").split(", ")
    assert sorted(listed) == sorted(f"'{s.value}'" for s in DONE_STATUSES)
