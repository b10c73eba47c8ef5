"""The SLA as requesters see it: the published service levels page, and "we aim to resolve this by" on
their own ticket, with a controlled clock."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from app.core.actors import SYSTEM
from app.extensions import db
from app.sla.models import BusinessCalendar
from app.sla.operations import add_holidays, create_policy, ensure_default_policies, update_policy
from app.tickets import operations as ops
from app.tickets.models import Level, Status

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*fields) -> datetime:
    return datetime(*fields, tzinfo=BERLIN).astimezone(UTC)


def words(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


@pytest.fixture
def clock(app):
    with time_machine.travel(berlin(2025, 3, 3, 9, 0), tick=False) as traveller:  # a Monday, 09:00
        yield traveller


@pytest.fixture
def policies(clock):
    created = ensure_default_policies("Europe/Berlin")
    db.session.commit()
    return {p.name.split()[0]: p for p in created}


def test_service_levels_page_states_targets_hours_and_holidays_in_plain_words(policies, clock, portal):
    clock.move_to(berlin(2025, 3, 3, 9, 17))  # an edit time of its own (the calendar cache is keyed by it)
    office = db.session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.name == "Business hours"))
    add_holidays(office, {date(2025, 12, 25): "Christmas Day", date(2024, 12, 25): "Christmas Day 2024"}, SYSTEM)
    db.session.commit()
    assert 'href="/portal/service-levels"' in portal.get("/portal/").get_data(as_text=True)
    page = words(portal.get("/portal/service-levels"))
    assert "P1 critical 15 minutes, around the clock 15 minutes, around the clock 4 hours, around the clock" in page
    assert "P2 high 30 minutes in business hours 30 minutes in business hours 1 business day" in page
    assert "P3 medium 2 business hours 2 business hours 3 business days" in page
    assert "P4 low 6 business hours 6 business hours 5 business days" in page
    assert "Monday 08:00–17:00" in page and "Saturday closed" in page
    assert "Times in the Europe/Berlin time zone." in page
    assert "December 25, 2025 : Christmas Day" in page and "2024" not in page  # past holidays are not news
    assert "Around the clock, every day of the year." in page  # the 24x7 calendar of P1
    for internal in ("75", "warning", "notify", "version", "team_leads", "webhook"):
        assert internal not in page.lower().replace("warnings", ""), internal


def test_policies_that_single_out_requesters_are_not_published(policies, portal):
    office = db.session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.name == "Business hours"))
    create_policy("Board members", SYSTEM, calendar=office, targets={"resolution": 60},
                  conditions={"requester_vip": True}, position=1)
    create_policy("Finance close", SYSTEM, calendar=office, targets={"resolution": 120},
                  conditions={"departments": ["Finance"]}, position=2)
    update_policy(policies["P4"], SYSTEM, is_active=False)
    db.session.commit()
    page = words(portal.get("/portal/service-levels"))
    assert "Board members" not in page and "Finance" not in page
    assert "P4 low" not in page and "P3 medium" in page


def test_service_levels_page_without_policies(clock, portal):
    assert "No service levels are published yet." in words(portal.get("/portal/service-levels"))


def test_own_ticket_shows_the_aim_while_the_resolution_clock_runs(policies, clock, portal, requester, agent):
    ticket = ops.create_ticket(requester, subject="VPN broken", impact=Level.medium, urgency=Level.medium)
    db.session.commit()
    page = words(portal.get(f"/portal/tickets/{ticket.id}"))
    # P3: 3 business days of 9 h from Monday 09:00 -> Thursday 09:00 (Berlin, the default zone)
    assert "We aim to resolve this by 3/6/25, 9:00 AM." in page

    ops.transition_ticket(ticket, Status.awaiting_requester, agent)  # paused: no date to promise
    db.session.commit()
    assert "We aim to resolve" not in words(portal.get(f"/portal/tickets/{ticket.id}"))

    ops.transition_ticket(ticket, Status.in_progress, agent)
    ops.update_ticket(ticket, agent, eta_at=berlin(2025, 3, 4, 12, 0))  # the agent's own estimate wins
    db.session.commit()
    page = words(portal.get(f"/portal/tickets/{ticket.id}"))
    assert "We aim to resolve" not in page and "Expected by" in page


def test_no_aim_once_the_target_is_missed_or_the_ticket_is_done(policies, clock, portal, requester, agent, login):
    ticket = ops.create_ticket(requester, subject="Mail slow", impact=Level.high, urgency=Level.high)  # P1
    db.session.commit()
    assert "We aim to resolve this by" in words(portal.get(f"/portal/tickets/{ticket.id}"))
    clock.shift(timedelta(hours=5))  # the P1's 4 hours are over
    page = words(login(portal, requester).get(f"/portal/tickets/{ticket.id}"))
    assert "We aim to resolve" not in page
    ops.transition_ticket(ticket, Status.in_progress, agent)
    ops.transition_ticket(ticket, Status.resolved, agent)
    db.session.commit()
    assert "We aim to resolve" not in words(login(portal, requester).get(f"/portal/tickets/{ticket.id}"))
