"""Priority matrix: pure tests."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.tickets.models import Level, Priority
from app.tickets.priority import MATRIX, compute_priority
from app.tickets.reasons import ReasonCode

H, M, L = Level.high, Level.medium, Level.low


def test_itil_matrix_corners():
    assert compute_priority(H, H)[0] is Priority.p1
    assert compute_priority(L, L)[0] is Priority.p4
    assert compute_priority(M, M)[0] is Priority.p3
    assert compute_priority(H, L)[0] is compute_priority(L, H)[0] is Priority.p3


def test_explanation_names_the_cell_as_a_code_with_parameters():
    why = compute_priority(H, M)[1]
    assert why.code is ReasonCode.priority_matrix
    assert why.params == {"impact": "high", "urgency": "medium", "priority": "P2", "raised": []}


def test_vip_raises_one_level_but_never_to_p1():
    assert compute_priority(M, M, is_vip=True)[0] is Priority.p2
    assert compute_priority(H, M, is_vip=True)[0] is Priority.p2
    assert compute_priority(H, H, is_vip=True)[0] is Priority.p1


def test_critical_service_can_raise_to_p1():
    priority, why = compute_priority(H, M, service_name="ERP", service_is_critical=True)
    assert priority is Priority.p1
    assert why.params["raised"] == [{"cause": "business_critical_service", "priority": "P1", "service": "ERP"}]


def test_critical_service_then_vip_raise_in_that_order():
    priority, why = compute_priority(M, L, is_vip=True, service_name="ERP", service_is_critical=True)
    assert priority is Priority.p2 and why.params["priority"] == "P4"  # the matrix cell stays visible
    assert [(s["cause"], s["priority"]) for s in why.params["raised"]] == [
        ("business_critical_service", "P3"), ("vip_requester", "P2")]


levels = st.sampled_from(list(Level))


@given(levels, levels, st.booleans(), st.booleans())
def test_raising_never_lowers_and_moves_at_most_two_levels(impact, urgency, vip, critical):
    base = MATRIX[(impact, urgency)]
    priority, why = compute_priority(impact, urgency, is_vip=vip, service_name="S", service_is_critical=critical)
    assert priority.rank <= base.rank
    assert base.rank - priority.rank <= int(vip) + int(critical)
    assert len(why.params["raised"]) == base.rank - priority.rank
    assert why.params["priority"] == base.value


@given(levels, levels, levels)
def test_higher_urgency_never_gives_lower_priority(impact, u1, u2):
    order = {L: 0, M: 1, H: 2}
    if order[u1] <= order[u2]:
        assert MATRIX[(impact, u2)].rank <= MATRIX[(impact, u1)].rank
