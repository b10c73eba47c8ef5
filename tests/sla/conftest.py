"""Fixtures for the SLA tests that use the database: the shipped policies, a team with a lead and an
agent, a requester, and a controlled clock (time-machine) that starts on Monday 3 March 2025, 09:00 in
Berlin (08:00 UTC), inside the business hours of the default calendar."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from app.extensions import db
from app.sla.models import SlaClock, SlaEvent, SlaTarget
from app.sla.operations import ensure_default_policies
from app.tickets import operations as ticket_ops
from app.tickets.models import Level
from app.users.models import Role, Team

BERLIN = ZoneInfo("Europe/Berlin")
#: impact/urgency giving each priority through the ITIL matrix
LEVELS = {"P1": (Level.high, Level.high), "P2": (Level.high, Level.medium), "P3": (Level.medium, Level.medium),
          "P4": (Level.low, Level.low)}


def berlin(*fields) -> datetime:
    return datetime(*fields, tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def clock(app):
    with time_machine.travel(berlin(2025, 3, 3, 9, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def policies(app, clock):
    created = ensure_default_policies("Europe/Berlin")
    db.session.commit()
    return {p.name.split()[0]: p for p in created}


@pytest.fixture
def team(app):
    team = Team(name="Service Desk", tier=1)
    db.session.add(team)
    db.session.commit()
    return team


@pytest.fixture
def lead(make_user, team):
    return make_user(Role.lead, teams=[team], name="Lena Lead", email="lena@example.org")


@pytest.fixture
def agent(make_user, team):
    return make_user(Role.agent, teams=[team], name="Ann Agent", email="ann@example.org")


@pytest.fixture
def requester(make_user):
    return make_user(Role.requester, name="Rita Requester", email="rita@example.org", department="Finance")


@pytest.fixture
def new_ticket(requester, team):
    def make(priority: str = "P3", *, by=None, assignee=None, **kw):
        impact, urgency = LEVELS[priority]
        ticket = ticket_ops.create_ticket(by or requester, subject=f"{priority} trouble", requester=requester,
                                          impact=impact, urgency=urgency, team=team, assignee=assignee, **kw)
        db.session.commit()
        assert ticket.priority.value == priority
        return ticket

    return make


def clock_of(ticket, target: SlaTarget, cycle: int | None = None) -> SlaClock | None:
    stmt = sa.select(SlaClock).where(SlaClock.ticket_id == ticket.id, SlaClock.target == target)
    stmt = stmt.where(SlaClock.cycle == cycle) if cycle else stmt.order_by(SlaClock.cycle.desc())
    return db.session.scalars(stmt.limit(1)).first()


def events(ticket, kind=None, target=None) -> list[SlaEvent]:
    stmt = sa.select(SlaEvent).where(SlaEvent.ticket_id == ticket.id).order_by(SlaEvent.at, SlaEvent.id)
    if kind is not None:
        stmt = stmt.where(SlaEvent.kind == kind)
    if target is not None:
        stmt = stmt.where(SlaEvent.target == target)
    return list(db.session.scalars(stmt))
