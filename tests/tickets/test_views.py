"""The agent workspace through the test client: queue views, filters, sorting, paging, bulk actions.

Shared fixtures and helpers of the other test_views_*.py modules live here too.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.catalog.models import Category, Service
from app.core.clock import utcnow
from app.extensions import db
from app.tickets import operations as ops
from app.tickets.models import Channel, Level, Priority, Status, Ticket, TicketType
from app.users.models import Role, Team

_LINK = re.compile(r'class="ticket-link" href="/tickets/(\d+)"')


def listed(response) -> list[int]:
    """Ticket ids in the queue table, in display order."""
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return [int(i) for i in _LINK.findall(response.get_data(as_text=True))]


def text(response) -> str:
    return response.get_data(as_text=True)


def flashes(response) -> list[str]:
    """The flash messages on a page, unescaped."""
    return [html.unescape(m) for m in re.findall(r'<div class="flash [^"]*" role="\w+">([^<]*)</div>', text(response))]


def fresh(ticket: Ticket) -> Ticket:
    """The ticket as the database has it now (not what this session last saw)."""
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


@pytest.fixture
def desk():
    team = Team(name="Service Desk", tier=1)
    db.session.add(team)
    db.session.commit()
    return team


@pytest.fixture
def network():
    team = Team(name="Network", tier=2)
    db.session.add(team)
    db.session.commit()
    return team


@pytest.fixture
def agent(make_user, desk):
    return make_user(Role.agent, teams=[desk], name="Alex Agent")


@pytest.fixture
def requester(make_user):
    return make_user(Role.requester, name="Dana Finance", department="Finance", is_vip=True)


@pytest.fixture
def agent_client(client, login, agent):
    return login(client, agent)


@pytest.fixture
def service():
    s = Service(name="E-mail")
    db.session.add(s)
    db.session.add(Category(name="Hardware"))
    db.session.commit()
    return s


@pytest.fixture
def tickets(agent, requester, desk, network, make_user, service):
    """mine: assigned to the agent; team: desk, unassigned; other: another team's (invisible to the agent);
    free: no team, unassigned; done: desk, resolved; problem: a P1 problem on the e-mail service."""
    colleague = make_user(Role.agent, teams=[desk], name="Casey Colleague")
    t = {
        "mine": ops.create_ticket(requester, subject="Mine printer", team=desk, assignee=agent,
                                  impact=Level.low, urgency=Level.low),
        "team": ops.create_ticket(requester, subject="Team laptop", team=desk),
        "other": ops.create_ticket(requester, subject="Other switch", team=network),
        "free": ops.create_ticket(requester, subject="Free monitor"),
        "done": ops.create_ticket(requester, subject="Done mailbox", team=desk),
        "colleague": ops.create_ticket(requester, subject="Colleague phone", team=desk, assignee=colleague),
        "problem": ops.create_ticket(agent, subject="Problem mailserver", type=TicketType.problem, requester=requester,
                                     impact=Level.high, urgency=Level.high, service=service, team=desk),
    }
    ops.transition_ticket(t["done"], Status.resolved, agent)
    ops.transition_ticket(t["team"], Status.triage, agent)
    base = utcnow() - timedelta(days=10)
    for i, key in enumerate(t):  # created in this order, one hour apart
        t[key].created_at = base + timedelta(hours=i)
    db.session.commit()
    t["colleague_user"] = colleague
    return t


def ids(t, *keys) -> set[int]:
    return {t[k].id for k in keys}


# --- queue views ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("assignee=me", {"mine"}),
    ("assignee=none", {"team", "free", "problem"}),
    ("", {"mine", "team", "free", "colleague", "problem"}),
])
def test_preset_queue_views_list_the_right_tickets(agent_client, tickets, query, expected):
    assert set(listed(agent_client.get(f"/tickets/?{query}"))) == ids(tickets, *expected)


def test_my_team_view_and_its_tab(agent_client, tickets, desk):
    response = agent_client.get(f"/tickets/?team={desk.id}")
    assert set(listed(response)) == ids(tickets, "mine", "team", "colleague", "problem")
    assert re.search(rf'href="/tickets/\?team={desk.id}" aria-current="page">Team Service Desk<', text(response))


def test_other_teams_tickets_never_show_even_when_filtered_for(agent_client, tickets, network):
    assert listed(agent_client.get(f"/tickets/?team={network.id}")) == []


@pytest.mark.parametrize("query, expected", [
    ("status=triage", {"team"}),
    ("status=resolved", {"done"}),
    ("status=all", {"mine", "team", "free", "done", "colleague", "problem"}),
    ("status=new&status=triage", {"mine", "team", "free", "colleague", "problem"}),
    ("priority=P1", {"problem"}),
    ("priority=P3", {"mine"}),
    ("priority=P2", {"team", "free", "colleague"}),
    ("type=problem", {"problem"}),
    ("q=laptop", {"team"}),
    ("q=mailserver", {"problem"}),
])
def test_custom_filters(agent_client, tickets, query, expected):
    assert set(listed(agent_client.get(f"/tickets/?{query}"))) == ids(tickets, *expected)


def test_filters_by_service_and_assignee_and_combined(agent_client, tickets, service):
    colleague = tickets["colleague_user"]
    assert set(listed(agent_client.get(f"/tickets/?service={service.id}"))) == ids(tickets, "problem")
    assert set(listed(agent_client.get(f"/tickets/?assignee={colleague.id}"))) == ids(tickets, "colleague")
    assert listed(agent_client.get(f"/tickets/?assignee={colleague.id}&priority=P1")) == []


def test_filter_is_shown_in_the_form_so_the_url_is_the_bookmark(agent_client, tickets):
    page = text(agent_client.get("/tickets/?status=triage&priority=P3&q=lap"))
    assert '<option value="triage" selected>' in page and '<option value="P3" selected>' in page
    assert 'name="q" value="lap"' in page


@pytest.mark.parametrize("sort, order", [
    ("newest", ["problem", "colleague", "free", "team", "mine"]),
    ("oldest", ["mine", "team", "free", "colleague", "problem"]),
])
def test_sort_by_age(agent_client, tickets, sort, order):
    assert listed(agent_client.get(f"/tickets/?sort={sort}")) == [tickets[k].id for k in order]


def test_sort_by_priority_then_oldest(agent_client, tickets):
    got = listed(agent_client.get("/tickets/?sort=priority"))
    ranks = [fresh_rank for fresh_rank in (db.session.get(Ticket, i).priority.rank for i in got)]
    assert ranks == sorted(ranks) and got[0] == tickets["problem"].id and got[-1] == tickets["mine"].id


def test_sort_by_recently_updated(agent_client, tickets, agent):
    ops.add_comment(tickets["free"], agent, "touch")
    db.session.commit()
    assert listed(agent_client.get("/tickets/?sort=updated"))[0] == tickets["free"].id


def test_keyset_pages_follow_the_next_link_and_cover_everything_once(agent_client, tickets):
    seen, url, pages = [], "/tickets/?status=all&sort=oldest&limit=2", 0
    while url:
        response = agent_client.get(url)
        seen += listed(response)
        pages += 1
        assert "6 tickets" in text(response)  # the capped count is the same on every page
        found = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', text(response))
        url = html.unescape(found.group(1)) if found else None
        if url:
            assert "cursor=" in url and "status=all" in url and "sort=oldest" in url
    assert pages == 3
    expected = sorted(ids(tickets, "mine", "team", "free", "done", "colleague", "problem"))
    assert seen == expected  # oldest first = creation order = id order here


def test_count_is_capped_never_exact_for_big_queues(agent_client, requester):
    now = utcnow()
    rows = [dict(type=TicketType.incident, status=Status.new, subject=f"bulk {i}", description="",
                 channel=Channel.api, requester_id=requester.id, priority=Priority.p3, priority_reason="",
                 created_at=now, updated_at=now, status_changed_at=now) for i in range(1001)]
    db.session.execute(sa.insert(Ticket), rows)
    db.session.commit()
    page = text(agent_client.get("/tickets/?limit=10"))
    assert "1000+ tickets" in page and "1001 tickets" not in page
    assert 'rel="next">Next page</a>' in page


@pytest.mark.parametrize("query, message", [
    ("status=bogus", "Unknown status"),
    ("priority=P9", "Unknown priority"),
    ("sort=sideways", "Unknown sort order"),
    ("team=abc", "Unknown team"),
    ("limit=5000", "page size"),
    ("cursor=not-a-cursor", "cursor is not valid"),
])
def test_bad_queue_parameters_are_a_clear_4xx(agent_client, tickets, query, message):
    response = agent_client.get(f"/tickets/?{query}")
    assert response.status_code == 422
    assert message in html.unescape(text(response))
    assert listed_any(response) == []


def listed_any(response) -> list[int]:
    return [int(i) for i in _LINK.findall(response.get_data(as_text=True))]


# --- bulk actions --------------------------------------------------------------------------------------

def test_bulk_assign_and_change_status_reports_each_failure(agent_client, tickets, agent):
    chosen = [tickets["team"].id, tickets["free"].id, tickets["done"].id, tickets["other"].id]
    response = agent_client.post("/tickets/bulk", data={
        "ids": [str(i) for i in chosen], "status": "awaiting_requester", "assignee": "me", "query": "status=all",
    })
    assert response.status_code == 303 and response.headers["Location"] == "/tickets/?status=all"
    ok, failed = flashes(agent_client.get(response.headers["Location"]))
    assert ok == "2 tickets changed."
    assert failed.startswith("2 tickets could not be changed: ")
    assert f"#{tickets['done'].id}: A ticket cannot go from resolved to awaiting_requester" in failed
    assert f"#{tickets['other'].id}: not found" in failed  # another team's ticket: not even revealed
    for key in ("team", "free"):
        t = fresh(tickets[key])
        assert t.status is Status.awaiting_requester and t.assignee_id == agent.id
    done, other = fresh(tickets["done"]), fresh(tickets["other"])
    assert done.status is Status.resolved and done.assignee_id is None  # all or nothing per ticket
    assert other.status is Status.new and other.assignee_id is None


def test_bulk_team_and_priority_override_with_reason(agent_client, tickets, network):
    chosen = [tickets["team"].id, tickets["free"].id]
    response = agent_client.post("/tickets/bulk", data={
        "ids": [str(i) for i in chosen], "team": str(network.id), "priority": "P1", "reason": "Board meeting",
    })
    assert response.status_code == 303
    for key in ("team", "free"):
        t = fresh(tickets[key])
        assert t.team_id == network.id and t.priority is Priority.p1 and "Board meeting" in t.priority_reason


def test_bulk_priority_override_without_reason_fails_per_ticket(agent_client, tickets):
    before = fresh(tickets["free"]).priority
    response = agent_client.post("/tickets/bulk", data={"ids": [str(tickets["free"].id)], "priority": "P1"},
                                 follow_redirects=True)
    assert "needs a reason" in text(response)
    assert fresh(tickets["free"]).priority is before


@pytest.mark.parametrize("data, message", [
    ({"status": "triage"}, "Select at least one ticket."),
    ({"ids": ["1"]}, "Choose a change to apply"),
    ({"ids": ["1"], "status": "bogus"}, "Not a valid choice"),
    ({"ids": ["1"], "assignee": "999999"}, "Not a valid choice"),
])
def test_bulk_without_selection_or_change_is_refused(agent_client, tickets, data, message):
    response = agent_client.post("/tickets/bulk", data=data)
    assert response.status_code == 422
    assert message in text(response)
    assert fresh(tickets["mine"]).status is Status.new
