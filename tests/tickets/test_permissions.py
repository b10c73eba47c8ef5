"""Who sees which ticket, for every role: the Python check and the SQL filter must agree."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.tickets import operations as ops
from app.tickets import permissions as perm
from app.tickets.models import Ticket
from app.users.models import Role, Team


@pytest.fixture
def world(make_user):
    desk, network = Team(name="Desk"), Team(name="Network")
    db.session.add_all([desk, network])
    db.session.commit()
    people = {
        "alice": make_user(Role.requester), "bob": make_user(Role.requester),
        "agent": make_user(Role.agent, teams=[desk]), "lead": make_user(Role.lead, teams=[network]),
        "admin": make_user(Role.admin), "auditor": make_user(Role.auditor),
    }
    tickets = {
        "alice_desk": ops.create_ticket(people["alice"], subject="a", team=desk),
        "alice_net": ops.create_ticket(people["alice"], subject="b", team=network),
        "bob_unrouted": ops.create_ticket(people["bob"], subject="c"),
        "bob_net_assigned": ops.create_ticket(people["bob"], subject="d", team=network, assignee=people["agent"]),
    }
    ops.add_watcher(tickets["bob_unrouted"], people["alice"], people["admin"])
    db.session.commit()
    return people, tickets


EXPECTED = {
    "alice": {"alice_desk", "alice_net", "bob_unrouted"},  # own + watched
    "bob": {"bob_unrouted", "bob_net_assigned"},
    "agent": {"alice_desk", "bob_unrouted", "bob_net_assigned"},  # team, unrouted, assigned to them
    "lead": {"alice_net", "bob_unrouted", "bob_net_assigned"},
    "admin": {"alice_desk", "alice_net", "bob_unrouted", "bob_net_assigned"},
    "auditor": {"alice_desk", "alice_net", "bob_unrouted", "bob_net_assigned"},
}


@pytest.mark.parametrize("who", EXPECTED)
def test_visibility_per_role_in_python_and_sql(world, who):
    people, tickets = world
    user = people[who]
    by_python = {name for name, t in tickets.items() if perm.can_view_ticket(user, t)}
    ids = set(db.session.scalars(sa.select(Ticket.id).where(perm.visible_tickets_clause(user))))
    by_sql = {name for name, t in tickets.items() if t.id in ids}
    assert by_python == by_sql == EXPECTED[who]


def test_agents_see_all_when_configured(world, app):
    people, tickets = world
    app.config["AGENTS_SEE_ALL_TICKETS"] = True
    try:
        assert all(perm.can_view_ticket(people["agent"], t) for t in tickets.values())
    finally:
        app.config["AGENTS_SEE_ALL_TICKETS"] = False


@pytest.mark.parametrize("who, may_work", [("alice", False), ("agent", True), ("lead", False), ("admin", True),
                                           ("auditor", False)])
def test_who_may_work_on_alice_desk_ticket(world, who, may_work):
    people, tickets = world
    assert perm.can_work_on_ticket(people[who], tickets["alice_desk"]) is may_work


def test_only_staff_see_internal(world):
    people, _ = world
    assert not perm.can_see_internal(people["alice"])
    assert all(perm.can_see_internal(people[r]) for r in ("agent", "lead", "admin", "auditor"))


def test_requesters_see_their_department_only_when_turned_on(world, make_user):
    from app.core.settings import set_setting

    people, tickets = world
    people["alice"].department = people["bob"].department = "Finance"
    carol = make_user(Role.requester, department="Finance")
    dave = make_user(Role.requester, department="Sales")
    db.session.commit()

    def visible(user):
        ids = set(db.session.scalars(sa.select(Ticket.id).where(perm.visible_tickets_clause(user))))
        by_python = {name for name, t in tickets.items() if perm.can_view_ticket(user, t)}
        assert by_python == {name for name, t in tickets.items() if t.id in ids}
        return by_python

    assert visible(carol) == set()
    set_setting("tickets.requesters_see_department", True, None)
    assert visible(carol) == set(tickets)  # all four were opened by Finance people
    assert visible(dave) == set()
    assert not perm.can_work_on_ticket(carol, tickets["alice_desk"])
