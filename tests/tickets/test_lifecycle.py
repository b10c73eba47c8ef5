"""The lifecycle as data: pure tests, no app or database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import InvalidTransition
from app.tickets import lifecycle
from app.tickets.lifecycle import REQUESTER, STAFF, TRANSITIONS, check_transition, transitions_from
from app.tickets.models import Status


def test_every_open_status_has_a_way_forward_for_staff():
    for status in Status:
        if status is not Status.closed:
            assert transitions_from(status, STAFF), status


def test_closed_is_terminal():
    assert transitions_from(Status.closed, STAFF) == transitions_from(Status.closed, REQUESTER) == []


def test_every_status_is_reachable_from_new():
    seen, todo = {Status.new}, [Status.new]
    while todo:
        for t in transitions_from(todo.pop(), STAFF):
            if t.target not in seen:
                seen.add(t.target)
                todo.append(t.target)
    assert seen == set(Status)


def test_requester_steps_are_only_confirm_reopen_withdraw_and_resume():
    requester_pairs = {(t.source, t.target) for t in TRANSITIONS if REQUESTER in t.by}
    assert requester_pairs == {
        (Status.new, Status.closed), (Status.triage, Status.closed),
        (Status.awaiting_requester, Status.in_progress),
        (Status.awaiting_validation, Status.resolved), (Status.awaiting_validation, Status.in_progress),
        (Status.resolved, Status.closed), (Status.resolved, Status.in_progress),
    }


def test_no_duplicate_transitions():
    pairs = [(t.source, t.target) for t in TRANSITIONS]
    assert len(pairs) == len(set(pairs))


def test_reason_required_for_reject_and_reopen():
    with pytest.raises(InvalidTransition, match="needs a reason"):
        check_transition(Status.new, Status.rejected, STAFF, "")
    with pytest.raises(InvalidTransition, match="needs a reason"):
        check_transition(Status.resolved, Status.in_progress, REQUESTER, None)
    assert check_transition(Status.resolved, Status.in_progress, REQUESTER, "broken again").label == "Reopen"
    assert lifecycle.is_reopen(Status.resolved, Status.in_progress)


@given(st.sampled_from(list(Status)), st.sampled_from(list(Status)), st.sampled_from([STAFF, REQUESTER]),
       st.one_of(st.none(), st.text(max_size=5)))
def test_check_transition_agrees_with_the_table(source, target, role, reason):
    allowed = {(t.source, t.target): t for t in transitions_from(source, role)}
    transition = allowed.get((source, target))
    if transition is None or (transition.needs_reason and not (reason or "").strip()):
        with pytest.raises(InvalidTransition) as err:
            check_transition(source, target, role, reason)
        assert err.value.details["from"] == source.value
    else:
        assert check_transition(source, target, role, reason) is transition


class _Person:
    def __init__(self, id, is_staff):
        self.id, self.is_staff = id, is_staff


def test_staff_on_their_own_ticket_play_both_roles_and_only_there():
    from app.core.actors import SYSTEM

    assert lifecycle.roles_for(_Person(7, is_staff=True), requester_id=7) == {STAFF, REQUESTER}
    assert lifecycle.roles_for(_Person(7, is_staff=True), requester_id=8) == {STAFF}
    assert lifecycle.roles_for(_Person(7, is_staff=False), requester_id=7) == {REQUESTER}
    assert lifecycle.roles_for(SYSTEM, requester_id=7) == {STAFF}


def test_steps_of_several_roles_are_the_union_in_declaration_order():
    both = transitions_from(Status.new, {STAFF, REQUESTER})
    assert [t.target for t in both] == [t.target for t in TRANSITIONS if t.source is Status.new]
    assert set(both) == set(transitions_from(Status.new, STAFF)) | set(transitions_from(Status.new, REQUESTER))
    assert check_transition(Status.new, Status.closed, {STAFF, REQUESTER}, "mine, fixed").label == "Withdraw"
    with pytest.raises(InvalidTransition, match="by a staff"):
        check_transition(Status.new, Status.closed, {STAFF}, "not mine")
