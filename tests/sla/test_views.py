"""The SLA in the agent workspace, through the test client with a controlled clock: queue badges, the
"time to breach" sort, the ticket's SLA panel and the live "about to breach / breached this week" page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from app.core.actors import SYSTEM
from app.extensions import db
from app.sla import jobs
from app.sla.models import BusinessCalendar, SlaTarget
from app.sla.operations import add_holidays
from app.tickets import operations as ops
from app.tickets.models import Status
from app.users.models import Role, Team

from ..tickets.test_views import listed
from ..tickets.test_views_query_count import statements_for
from .conftest import berlin, clock_of


def text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return response.get_data(as_text=True)


def squash(html: str) -> str:
    """The page's words with the markup and runs of white space removed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def badge_of(html: str, ticket_id: int) -> str:
    """The SLA cell of a ticket's queue row: its state class and its words."""
    row = re.search(rf'<tr>\s*<td><input type="checkbox" name="ids" value="{ticket_id}".*?</tr>', html, re.S)
    assert row, f"ticket {ticket_id} is not listed"
    badge = re.search(r'<span class="sla-badge (sla-\w+)".*?</span>\s*</td>', row.group(0), re.S)
    assert badge, row.group(0)
    return f"{badge.group(1)} {squash(badge.group(0)).strip()}"


class FreshClient:
    """A client signed in again before each request: the controlled clock jumps further than the idle
    timeout of a session."""

    def __init__(self, client, login, user):
        self.client, self.login, self.user = client, login, user

    def get(self, url, **kw):
        return self.login(self.client, self.user).get(url, **kw)


@pytest.fixture
def agent_client(client, login, agent):
    return FreshClient(client, login, agent)


# --- queue badges ----------------------------------------------------------------------------------------

def test_queue_badge_shows_time_left_warning_breach_pause_and_met_in_words(
        policies, new_ticket, agent_client, agent, requester, clock):
    ticket = new_ticket("P3")  # acknowledge due 10:00, first response 11:00 (Monday 09:00 now)
    html = text(agent_client.get("/tickets/"))
    assert '<th scope="col">SLA</th>' in html
    assert badge_of(html, ticket.id) == "sla-ok ◷ Acknowledge: 1 h left"

    clock.shift(timedelta(minutes=50))  # 75 % of the hour is used: a warning, said in words too
    assert badge_of(text(agent_client.get("/tickets/")), ticket.id) == "sla-warning ⚠ Acknowledge: warning, 10 min left"

    clock.shift(timedelta(hours=2, minutes=10))  # 12:00: acknowledge was due at 10:00
    assert badge_of(text(agent_client.get("/tickets/")), ticket.id) == "sla-breached ✖ Acknowledge: breached 2 h ago"

    ops.transition_ticket(ticket, Status.in_progress, agent)  # acknowledges (late); first response overdue
    ops.transition_ticket(ticket, Status.awaiting_requester, agent)
    db.session.commit()
    assert badge_of(text(agent_client.get("/tickets/")), ticket.id) == \
        "sla-breached ✖ First response: breached 1 h ago"

    clock.shift(timedelta(minutes=5))
    ops.add_comment(ticket, requester, "Here you are")
    ops.add_comment(ticket, agent, "Thanks, fixed")  # first response (late), then resolve
    ops.transition_ticket(ticket, Status.resolved, agent)
    db.session.commit()
    # nothing live any more: the breach on record shows, newest first
    assert badge_of(text(agent_client.get("/tickets/?status=all")), ticket.id).startswith(
        "sla-breached ✖ First response: breached")


def test_queue_badge_says_paused_and_met(policies, new_ticket, agent_client, agent, clock):
    paused, done = new_ticket("P3"), new_ticket("P2")
    ops.transition_ticket(paused, Status.awaiting_requester, agent)
    ops.add_comment(done, agent, "On it")
    ops.transition_ticket(done, Status.resolved, agent)
    db.session.commit()
    html = text(agent_client.get("/tickets/?status=all"))
    assert badge_of(html, paused.id) == "sla-paused ⏸ First response: paused"
    assert badge_of(html, done.id) == "sla-met ✓ Resolution: met"


def test_a_ticket_without_sla_has_an_empty_badge_cell(agent_client, agent, requester, team):
    ticket = ops.create_ticket(requester, subject="no policies configured", team=team)
    db.session.commit()
    html = text(agent_client.get("/tickets/"))
    assert listed(agent_client.get("/tickets/")) == [ticket.id]
    assert "sla-badge" not in html


# --- sort by time to breach ------------------------------------------------------------------------------

def test_time_to_breach_sort_pages_soonest_first_and_paused_last(policies, new_ticket, agent_client, agent, clock):
    p4 = new_ticket("P4")  # acknowledge due 13:00
    p2 = new_ticket("P2")  # 09:15
    paused = new_ticket("P2")
    ops.transition_ticket(paused, Status.awaiting_requester, agent)  # acknowledges, pauses the rest
    p3 = new_ticket("P3")  # 10:00
    paused_too = new_ticket("P4")
    ops.transition_ticket(paused_too, Status.awaiting_requester, agent)
    db.session.commit()
    clock.shift(timedelta(minutes=20))  # the P2 is overdue now: it comes first
    html = text(agent_client.get("/tickets/?sort=due"))
    assert '<option value="due" selected>Time to breach (soonest first)</option>' in html
    assert listed(agent_client.get("/tickets/?sort=due")) == [p2.id, p3.id, p4.id, paused.id, paused_too.id]

    seen, url = [], "/tickets/?sort=due&limit=1"
    for _page in range(8):
        response = agent_client.get(url)
        seen += listed(response)
        found = re.search(r'href="([^"]+)" rel="next"', text(response))
        if not found:
            break
        url = found.group(1).replace("&amp;", "&")
        assert "sort=due" in url
    assert seen == [p2.id, p3.id, p4.id, paused.id, paused_too.id]
    jobs.check_sla_deadlines()  # records the P2's breach: it stays on top, as before
    assert clock_of(p2, SlaTarget.acknowledge).breached_at is not None
    assert listed(agent_client.get("/tickets/?sort=due")) == [p2.id, p3.id, p4.id, paused.id, paused_too.id]


def test_time_to_breach_sort_keeps_the_filters_and_rejects_a_bad_cursor(policies, new_ticket, agent_client):
    p1, p3 = new_ticket("P1"), new_ticket("P3")
    assert listed(agent_client.get("/tickets/?sort=due&priority=P3")) == [p3.id]
    assert listed(agent_client.get("/tickets/?sort=due")) == [p1.id, p3.id]
    response = agent_client.get("/tickets/?sort=due&cursor=bm90LWEtY3Vyc29y")
    assert response.status_code == 422
    assert "The cursor is not valid" in response.get_data(as_text=True)
    assert agent_client.get("/tickets/?sort=nonsense").status_code == 422


def test_queue_statements_do_not_grow_with_rows_when_sorted_by_time_to_breach(
        policies, new_ticket, agent_client, make_user, team):
    for _i in range(30):
        new_ticket("P3")
    small = statements_for(agent_client.login(agent_client.client, agent_client.user), "/tickets/?sort=due&limit=5")
    large = statements_for(agent_client.client, "/tickets/?sort=due&limit=25")
    assert len(large) == len(small), "\n".join(large)
    assert sum("sla_clock" in s for s in large) == 2  # the sorted page, and all badges at once
    # the last page also reads the tickets without a due date: one statement more, whatever its size
    last = statements_for(agent_client.client, "/tickets/?sort=due&limit=50")
    assert len(last) == len(small) + 1, "\n".join(last)


# --- ticket page: the SLA panel ---------------------------------------------------------------------------

def test_ticket_panel_shows_targets_policy_reason_and_the_pause_that_moved_the_due_date(
        policies, new_ticket, agent_client, agent, requester, clock):
    ticket = new_ticket("P3")
    clock.shift(timedelta(minutes=20))
    ops.transition_ticket(ticket, Status.awaiting_requester, agent)  # 09:20: acknowledged, clocks pause
    db.session.commit()
    clock.move_to(berlin(2025, 3, 3, 11, 30))
    ops.add_comment(ticket, requester, "Here is the log")  # 11:30: resumes
    db.session.commit()
    clock.shift(timedelta(minutes=10))
    page = squash(text(agent_client.get(f"/tickets/{ticket.id}")))
    assert "Policy: P3 medium version 1" in page
    assert "Why it applies: policy 'P3 medium' (v1): priority is P3" in page
    for heading in ("Acknowledge", "First response", "Resolution"):
        assert f"{heading} " in page
    assert "Acknowledge: met" in page
    # first response: 2 h target, 20 min used before the pause and 10 since; due 11:30 + 1 h 40 min = 13:10
    assert "First response: 1 h 30 min left" in page
    assert "paused 2 h 10 min awaiting requester" in page
    assert "Business time used 30 min" in page and "Business time left 1 h 30 min" in page
    assert "Target 3 business days" in page  # resolution, on the 9-hour business day


def test_ticket_panel_explains_nights_weekends_and_holidays(policies, new_ticket, agent_client, clock):
    clock.move_to(berlin(2025, 12, 1, 12, 0))
    office = db.session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.name == "Business hours"))
    add_holidays(office, {date(2025, 12, 25): "Christmas Day"}, SYSTEM)
    db.session.commit()
    clock.move_to(berlin(2025, 12, 24, 16, 0))  # Wednesday before Christmas
    ticket = new_ticket("P4")
    clock.move_to(berlin(2025, 12, 26, 10, 0))
    page = squash(text(agent_client.get(f"/tickets/{ticket.id}")))
    assert "outside business hours" in page
    assert "holiday: 25 Dec (Christmas Day)" in page
    assert "counted 1 h" in page


def test_ticket_panel_statements_do_not_grow_with_the_ledger(policies, new_ticket, agent_client, agent, clock):
    def with_pauses(n: int):
        ticket = new_ticket("P3")
        for _i in range(n):
            clock.shift(timedelta(minutes=5))
            ops.transition_ticket(ticket, Status.awaiting_requester, agent)
            clock.shift(timedelta(minutes=5))
            ops.transition_ticket(ticket, Status.in_progress, agent)
        db.session.commit()
        return ticket.id

    short, long = with_pauses(1), with_pauses(6)
    client = agent_client.login(agent_client.client, agent_client.user)
    few, many = statements_for(client, f"/tickets/{short}"), statements_for(client, f"/tickets/{long}")
    assert len(many) == len(few), "\n".join(many)
    assert squash(text(client.get(f"/tickets/{long}"))).count("paused 5 min awaiting requester") == 12


def test_requesters_never_reach_the_agent_page_or_its_panel(policies, new_ticket, client, login, requester):
    ticket = new_ticket("P3")
    login(client, requester)
    response = client.get(f"/tickets/{ticket.id}")
    assert response.status_code == 403
    assert "Why it applies" not in response.get_data(as_text=True)


def test_ticket_without_sla_says_so(agent_client, requester, team):
    ticket = ops.create_ticket(requester, subject="before any policy", team=team)
    db.session.commit()
    assert "No SLA policy applies to this ticket." in text(agent_client.get(f"/tickets/{ticket.id}"))


# --- the live page ----------------------------------------------------------------------------------------

def test_live_page_lists_tickets_about_to_breach_and_breached_this_week(
        policies, new_ticket, agent_client, agent, clock):
    soon, later = new_ticket("P2"), new_ticket("P4")
    queue = text(agent_client.get("/tickets/"))
    assert 'href="/sla/"' in queue  # linked from the workspace navigation
    page = text(agent_client.get("/sla/"))
    assert '<noscript><meta http-equiv="refresh" content="30"></noscript>' in page
    assert 'hx-trigger="every 30s"' in page
    lists = squash(page)
    assert f"{soon.reference} {soon.subject}" in lists and f"{later.reference}" not in lists
    assert "Acknowledge: 15 min left" in lists and "No breaches this week." in lists
    # a wider window shows the P4 (acknowledge due 13:00) too
    assert later.reference in squash(text(agent_client.get("/sla/?within=4h")))

    clock.shift(timedelta(minutes=30))
    jobs.check_sla_deadlines()
    partial = text(agent_client.get("/sla/?within=1h", headers={"HX-Request": "true"}))
    assert partial.lstrip().startswith("<div id=\"sla-live\"") and "<html" not in partial
    breached = squash(partial.split('id="breached-heading"')[1])
    assert soon.reference in breached and "Acknowledge: breached 15 min ago" in breached


def test_live_page_respects_team_visibility_and_filters_by_team(
        policies, new_ticket, agent_client, agent, team, make_user, requester, clock):
    other_team = Team(name="Network")
    db.session.add(other_team)
    db.session.commit()
    mine = new_ticket("P2")
    theirs = ops.create_ticket(requester, subject="switch down", team=other_team)
    db.session.commit()
    page = squash(text(agent_client.get("/sla/")))
    assert mine.reference in page and theirs.reference not in page
    assert mine.reference in squash(text(agent_client.get(f"/sla/?team={team.id}")))
    assert agent_client.get(f"/sla/?team={other_team.id}").status_code == 422
    assert agent_client.get("/sla/?within=forever").status_code == 422


def test_live_page_is_for_staff_only(client, login, requester, app):
    login(client, requester)
    assert client.get("/sla/").status_code == 403
    client.post("/auth/logout")
    assert client.get("/sla/").status_code in (302, 401)


def test_auditors_see_the_live_page(policies, new_ticket, client, login, make_user):
    ticket = new_ticket("P2")
    login(client, make_user(Role.auditor))
    assert ticket.reference in text(client.get("/sla/"))
