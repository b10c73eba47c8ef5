"""People, teams and a token-carrying client for the API tests.

Roles: ``requester`` (owns the tickets), ``other_requester``, ``agent`` (in the ticket's team),
``outside_agent`` (in another team), ``lead``, ``admin``, ``auditor``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.extensions import db
from app.tickets import operations as ops
from app.tickets.models import Level, TicketType
from app.users.models import Role, Team
from app.users.operations import create_api_token


@dataclass
class Api:
    """The test client with a bearer token per user."""

    client: object
    tokens: dict

    def token(self, user, scopes=None) -> str:
        key = (user.id, tuple(sorted(scopes or ())))
        if key not in self.tokens:
            _row, plaintext = create_api_token(user, user, scopes=set(scopes) if scopes else None)
            db.session.commit()
            self.tokens[key] = plaintext
        return self.tokens[key]

    def call(self, method: str, path: str, user=None, *, token=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if user is not None or token is not None:
            headers["Authorization"] = f"Bearer {token or self.token(user)}"
        url = path if path.startswith("/api/") else "/api/v1" + path
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, path, user=None, **kw):
        return self.call("GET", path, user, **kw)

    def post(self, path, user=None, **kw):
        return self.call("POST", path, user, **kw)

    def patch(self, path, user=None, **kw):
        return self.call("PATCH", path, user, **kw)


@pytest.fixture
def api(client):
    return Api(client, {})



@pytest.fixture
def other_team():
    t = Team(name="Network", tier=2)
    db.session.add(t)
    db.session.commit()
    return t




@pytest.fixture
def requester(make_user):
    return make_user(Role.requester)


@pytest.fixture
def other_requester(make_user):
    return make_user(Role.requester)


@pytest.fixture
def agent(make_user, team):
    return make_user(Role.agent, teams=[team])


@pytest.fixture
def outside_agent(make_user, other_team):
    return make_user(Role.agent, teams=[other_team])


@pytest.fixture
def lead(make_user, team):
    return make_user(Role.lead, teams=[team])


@pytest.fixture
def admin(make_user):
    return make_user(Role.admin)


@pytest.fixture
def auditor(make_user):
    return make_user(Role.auditor)


@pytest.fixture
def make_ticket(requester, team):
    def make(by=None, *, team=team, **fields):
        fields.setdefault("subject", "Printer jams")
        fields.setdefault("type", TicketType.incident)
        fields.setdefault("impact", Level.medium)
        fields.setdefault("urgency", Level.medium)
        ticket = ops.create_ticket(by or requester, team=team, **fields)
        db.session.commit()
        return ticket

    return make


@pytest.fixture
def ticket(make_ticket):
    """A ticket of ``requester`` in ``team``."""
    return make_ticket()


@pytest.fixture
def roles(requester, other_requester, agent, outside_agent, lead, admin, auditor):
    return {
        "requester": requester, "other_requester": other_requester, "agent": agent,
        "outside_agent": outside_agent, "lead": lead, "admin": admin, "auditor": auditor,
    }

