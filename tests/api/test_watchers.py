"""A watcher follows a ticket through the API as in the portal: reads it, replies, but never takes the
requester's decisions (confirm, not fixed, reopen, withdraw); only the requester does."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.tickets import operations as ops
from app.tickets.models import Comment, Status, Ticket

from .helpers import assert_error


@pytest.fixture
def resolved(ticket, agent, other_requester):
    ops.add_watcher(ticket, other_requester, agent)
    ops.transition_ticket(ticket, Status.resolved, agent, "Replaced the drum")
    db.session.commit()
    return ticket


def _targets(api, user, ticket) -> set[str]:
    response = api.get(f"/tickets/{ticket.id}", user)
    assert response.status_code == 200, response.get_json()
    return {t["to"] for t in response.get_json()["allowed_transitions"]}


def test_the_requester_may_confirm_or_reopen_a_watcher_no_step(api, resolved, requester, other_requester):
    assert {"closed", "in_progress"} <= _targets(api, requester, resolved)
    assert _targets(api, other_requester, resolved) == set()


@pytest.mark.parametrize("to", ["closed", "in_progress"])
def test_a_watchers_step_is_refused_and_changes_nothing(api, resolved, other_requester, to):
    error = assert_error(api.post(f"/tickets/{resolved.id}/transitions", other_requester,
                                  json={"to": to, "reason": "looks fine to me"}), 403)
    assert error["message"] == "Only the requester can confirm, reopen or withdraw this request."
    db.session.expire_all()
    assert db.session.get(Ticket, resolved.id).status is Status.resolved


def test_a_watcher_still_replies(api, resolved, other_requester):
    response = api.post(f"/tickets/{resolved.id}/comments", other_requester,
                        json={"body": "Same here", "internal": False})
    assert response.status_code == 201, response.get_json()
    assert db.session.get(Comment, response.get_json()["id"]).author_id == other_requester.id


def test_the_requester_confirms_the_fix(api, resolved, requester):
    response = api.post(f"/tickets/{resolved.id}/transitions", requester, json={"to": "closed"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "closed"
