"""`servicedesk demo`: realistic data made through the real operations, loaded once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app.catalog.models import Criticality, Service
from app.core.errors import Conflict
from app.demo import load_demo
from app.extensions import db
from app.tickets.models import DONE_STATUSES, Channel, Comment, EventKind, Status, Ticket, TicketEvent, TicketType
from app.users.models import Role, Team, User
from app.users.operations import authenticate_local

from .conftest import _clean

NOW = datetime(2026, 11, 18, 10, 30, tzinfo=UTC)  # a Wednesday morning


def _load(count: int) -> tuple[str, str]:
    with time_machine.travel(NOW, tick=False):
        login = load_demo(seed=7, ticket_count=count)
    db.session.expire_all()
    return login


def test_demo_has_people_teams_services_and_a_spread_of_tickets(app):
    _load(80)
    tickets = db.session.scalars(sa.select(Ticket)).all()
    assert len(tickets) == 80
    assert {t.type for t in tickets} == set(TicketType)
    statuses = Counter(t.status for t in tickets)
    assert len(statuses) >= 5, statuses
    assert any(s.is_open for s in statuses) and any(s in DONE_STATUSES for s in statuses)
    assert {Channel.portal, Channel.email, Channel.phone, Channel.alert, Channel.chat} <= {t.channel for t in tickets}
    assert len({t.priority for t in tickets}) == 4
    assert len({t.team_id for t in tickets}) >= 4

    internal = Counter(db.session.scalars(sa.select(Comment.is_internal)))
    assert internal[True] > 10 and internal[False] > 20
    assert db.session.scalar(sa.select(sa.func.count()).where(Ticket.csat_score.is_not(None))) > 0
    assert db.session.scalar(sa.select(sa.func.count()).where(Ticket.problem_id.is_not(None))) > 0
    assert db.session.scalar(sa.select(sa.func.count()).where(Ticket.first_response_at.is_not(None))) > 10
    kinds = set(db.session.scalars(sa.select(TicketEvent.kind)))
    assert {EventKind.created, EventKind.status_changed, EventKind.comment_added, EventKind.note_added,
            EventKind.field_changed, EventKind.rated} <= kinds

    tickets = db.session.scalars(sa.select(Ticket)).all()
    created = [t.created_at for t in tickets]
    assert min(created) >= NOW - timedelta(days=60) and max(created) <= NOW
    assert max(created) - min(created) > timedelta(days=40)
    for ticket in tickets:
        events = db.session.scalars(sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all()
        assert all(ticket.created_at <= e.created_at <= NOW for e in events), ticket.id
        assert ticket.created_at <= ticket.updated_at <= NOW
        if ticket.status is Status.closed:
            assert ticket.closed_at is not None and ticket.created_at <= ticket.closed_at <= NOW
        if ticket.status is Status.resolved:
            assert ticket.created_at <= ticket.resolved_at <= NOW
        # the last status event says what the status is now
        status_events = sorted((e for e in events if e.kind is EventKind.status_changed),
                               key=lambda e: (e.created_at, e.id))
        if status_events:
            assert status_events[-1].new_value == ticket.status.value, ticket.id
    comments = db.session.execute(
        sa.select(Comment.created_at, Ticket.created_at).join(Ticket, Ticket.id == Comment.ticket_id)
    ).all()
    assert all(ticket_created <= comment_created <= NOW for comment_created, ticket_created in comments)

    roles = Counter(db.session.scalars(sa.select(User.role)))
    assert roles[Role.agent] + roles[Role.lead] >= 10
    assert roles[Role.requester] >= 50 and roles[Role.admin] == 1 and roles[Role.auditor] == 1
    requesters = db.session.scalars(sa.select(User).where(User.role == Role.requester)).all()
    assert any(u.is_vip for u in requesters)
    assert {u.language for u in requesters} == {"en", "de"}
    assert len({u.department for u in requesters}) >= 5
    assert {t.tier for t in db.session.scalars(sa.select(Team))} == {1, 2, 3}
    services = {s.name: s for s in db.session.scalars(sa.select(Service))}
    assert len(services) == 8 and services["ERP"].criticality is Criticality.critical
    assert all(s.default_team is not None for s in services.values())


def test_demo_admin_signs_in_and_a_second_load_is_refused(app, client):
    email, password = _load(12)
    assert authenticate_local(email, password).role is Role.admin
    response = client.post("/auth/login", data={"email": email, "password": password})
    assert response.status_code == 302
    assert "2fa" not in response.headers["Location"]  # a demo signs in without enrolling a second factor
    assert client.get("/tickets/").status_code == 200
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    with pytest.raises(Conflict):
        load_demo(ticket_count=5)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 12


def test_demo_admin_password_comes_from_the_environment(app, monkeypatch):
    monkeypatch.setenv("SERVICEDESK_DEMO_ADMIN_PASSWORD", "a demo password 42")
    email, password = load_demo(ticket_count=0)
    assert password == "a demo password 42"
    assert authenticate_local(email, "a demo password 42") is not None
    # every demo account shares it, so one can try the portal as a requester
    requester = db.session.scalars(sa.select(User).where(User.role == Role.requester, User.is_vip)).first()
    assert authenticate_local(requester.email, "a demo password 42") is not None


def test_demo_is_deterministic_for_a_seed_and_a_clock(app):
    def snapshot():
        with time_machine.travel(NOW, tick=False):
            load_demo(seed=11, ticket_count=20)
        rows = db.session.execute(
            sa.select(Ticket.subject, Ticket.type, Ticket.status, Ticket.channel, Ticket.created_at, User.email)
            .join(User, User.id == Ticket.requester_id).order_by(Ticket.id)
        ).all()
        db.session.remove()
        _clean(db.engine)
        return rows

    first = snapshot()
    assert len(first) == 20
    assert snapshot() == first
