"""Staff on a ticket they requested themselves also take the requester's steps through the API, as in the
portal: an agent's own ticket lists Withdraw and the POST takes it. An auditor is its requester by the
permission rules (reply, withdraw, confirm; never the staff's steps or internal notes), while their API
token stays read-only."""

from __future__ import annotations

import pytest

from app.api.access import require_comment, require_transition
from app.core.errors import PermissionDenied
from app.extensions import db
from app.tickets import operations as ops
from app.tickets.models import Status, Ticket

from .helpers import assert_error

STAFF_FROM_NEW = {"triage", "in_progress", "awaiting_requester", "resolved", "rejected"}


def _status(ticket) -> Status:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id).status


def _targets(api, user, ticket) -> set[str]:
    return {t["to"] for t in api.get(f"/tickets/{ticket.id}", user).get_json()["allowed_transitions"]}


def test_an_agents_own_ticket_lists_withdraw_and_the_post_takes_it(api, agent, team):
    ticket = ops.create_ticket(agent, subject="My docking station", team=team)
    db.session.commit()
    assert _targets(api, agent, ticket) == STAFF_FROM_NEW | {"closed"}

    response = api.post(f"/tickets/{ticket.id}/transitions", agent, json={"to": "closed", "reason": "works again"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "closed" and _status(ticket) is Status.closed


def test_an_agent_on_someone_elses_ticket_cannot_withdraw_it(api, agent, ticket):
    assert "closed" not in _targets(api, agent, ticket)
    assert_error(api.post(f"/tickets/{ticket.id}/transitions", agent, json={"to": "closed", "reason": "x"}), 409)
    assert _status(ticket) is Status.new


@pytest.fixture
def own_ticket(auditor, team):
    ticket = ops.create_ticket(auditor, subject="My badge does not open the door", team=team)
    db.session.commit()
    return ticket


def test_an_auditors_token_still_only_reads_so_no_step_is_listed(api, auditor, own_ticket):
    assert _targets(api, auditor, own_ticket) == set()
    error = assert_error(api.post(f"/tickets/{own_ticket.id}/transitions", auditor,
                                  json={"to": "closed", "reason": "found it"}), 403)
    assert error["message"] == "Auditors have read-only access."
    assert _status(own_ticket) is Status.new


# The permission rules behind the API's checks: an auditor on their own ticket is its requester, as in the
# portal (the token rule above is what keeps the API read-only for them).

def test_the_rules_let_an_auditor_take_the_requesters_steps_on_their_own_ticket(auditor, agent, own_ticket):
    require_transition(auditor, own_ticket, Status.closed)  # withdraw: no error
    ops.transition_ticket(own_ticket, Status.in_progress, agent)
    ops.transition_ticket(own_ticket, Status.awaiting_validation, agent)
    require_transition(auditor, own_ticket, Status.resolved)  # confirm the fix
    require_transition(auditor, own_ticket, Status.in_progress)  # not fixed


@pytest.mark.parametrize("target", [Status.resolved, Status.in_progress, Status.rejected, Status.triage])
def test_the_rules_refuse_an_auditor_the_staffs_steps_on_their_own_ticket(auditor, own_ticket, target):
    with pytest.raises(PermissionDenied):
        require_transition(auditor, own_ticket, target)


def test_the_rules_let_an_auditor_reply_on_their_own_ticket_but_write_no_notes(auditor, own_ticket, ticket):
    require_comment(auditor, own_ticket, internal=False)
    with pytest.raises(PermissionDenied):
        require_comment(auditor, own_ticket, internal=True)
    with pytest.raises(PermissionDenied):
        require_comment(auditor, ticket, internal=False)  # someone else's ticket
    with pytest.raises(PermissionDenied):
        require_transition(auditor, ticket, Status.closed)


def test_the_rules_for_requesters_and_other_staff_are_unchanged(requester, other_requester, agent, outside_agent,
                                                                 ticket):
    require_transition(requester, ticket, Status.closed)
    require_comment(requester, ticket, internal=False)
    require_transition(agent, ticket, Status.resolved)
    require_comment(agent, ticket, internal=True)
    for user in (other_requester, outside_agent):
        with pytest.raises(PermissionDenied):
            require_comment(user, ticket, internal=False)
    with pytest.raises(PermissionDenied):
        require_transition(outside_agent, ticket, Status.resolved)
    with pytest.raises(PermissionDenied):
        require_comment(requester, ticket, internal=True)
