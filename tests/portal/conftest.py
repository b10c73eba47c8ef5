from __future__ import annotations

import pytest

from app.extensions import db
from app.tickets import operations as ops
from app.tickets.models import Status
from app.users.models import Role


@pytest.fixture
def agent(make_user, team):
    return make_user(Role.agent, teams=[team], name="Alice Agent")


@pytest.fixture
def requester(make_user):
    return make_user(Role.requester, name="Rita Requester")




@pytest.fixture
def portal(client, login, requester):
    """A test client signed in as ``requester``."""
    return login(client, requester)


#: staff steps that bring a new ticket into each status
PATHS = {
    Status.new: [],
    Status.in_progress: [Status.in_progress],
    Status.awaiting_requester: [Status.in_progress, Status.awaiting_requester],
    Status.awaiting_validation: [Status.in_progress, Status.awaiting_validation],
    Status.resolved: [Status.in_progress, Status.resolved],
    Status.closed: [Status.in_progress, Status.resolved, Status.closed],
}


@pytest.fixture
def make_ticket(agent):
    def make(requester, status: Status = Status.new, subject="Printer jammed", **kwargs):
        ticket = ops.create_ticket(requester, subject=subject, **kwargs)
        for step in PATHS[status]:
            ops.transition_ticket(ticket, step, agent)
        db.session.commit()
        return ticket

    return make
