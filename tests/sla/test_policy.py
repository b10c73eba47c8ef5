"""Choosing a policy and checking admin input: pure, no app, no database."""

from __future__ import annotations

import pytest

from app.sla.policy import Rule, TicketFacts, clean_actions, clean_conditions, describe, match, raised

RULES = [
    Rule("vip", "VIP service", 2, {"requester_vip": True, "types": ["incident"]}),
    Rule("p1", "P1 critical", 1, {"priorities": ["P1"]}),
    Rule("finance-erp", "Finance ERP", 4, {"service_ids": [7], "departments": ["Finance"]}),
    Rule("p3", "P3 medium", 1, {"priorities": ["P3"]}, is_default=True),
]


def facts(**kw) -> TicketFacts:
    return TicketFacts(**{"priority": "P3", "type": "incident", **kw})


def test_first_matching_policy_wins_and_says_why():
    found = match(RULES, facts(priority="P1", requester_vip=True))
    assert found.rule.key == "vip" and found.how == "rule"
    assert found.reason == "policy 'VIP service' (v2): type is incident and requester is a VIP"
    assert match(RULES, facts(priority="P1", requester_vip=True, type="question")).rule.key == "p1"


def test_all_conditions_of_a_policy_must_hold():
    erp = facts(priority="P2", service_id=7, service_name="ERP", department="finance")
    found = match(RULES, erp)
    assert found.rule.key == "finance-erp"
    assert "service is ERP and requester's department is finance" in found.reason  # department: any case
    assert match(RULES, facts(priority="P2", service_id=7, department="Sales")).rule.key == "p3"


def test_the_default_applies_when_nothing_matches_and_is_named_as_such():
    found = match(RULES, facts(priority="P4"))
    assert found.rule.key == "p3" and found.how == "default"
    assert found.reason == "no policy's conditions matched: default policy 'P3 medium' (v1)"
    # ... but when its own conditions match in its place, that is what the reason says
    assert match(RULES, facts(priority="P3")).how == "rule"


def test_no_policy_at_all_is_explained_too():
    found = match([], facts())
    assert found.rule is None and found.how == "none" and "no SLA policy" in found.reason
    assert match([Rule("all", "Everything", 1, {})], facts()).reason.endswith("applies to every ticket")


def test_conditions_are_checked_and_normalised():
    assert clean_conditions({"priorities": ["P2", "P1", "P2"], "requester_vip": False, "departments": [" IT "]}) == \
        {"priorities": ["P2", "P1"], "requester_vip": False, "departments": ["IT"]}
    for wrong in ({"priority": ["P1"]}, {"priorities": ["P5"]}, {"types": "incident"},
                  {"service_ids": ["7"]}, {"requester_vip": "yes"}):
        with pytest.raises(ValueError):
            clean_conditions(wrong)
    assert describe({"priorities": ["P1", "P2"], "requester_vip": True}) == "priority P1 or P2 and VIP requester"
    assert describe({}) == "every ticket"


def test_actions_are_checked_and_normalised():
    actions = clean_actions([
        {"type": "notify", "recipients": ["team", "assignee", "team"]},
        {"type": "webhook", "url": " https://chat.example.org/hook "},
        {"type": "raise_priority"},
        {"type": "reassign", "team_id": 4},
    ])
    assert actions[0] == {"type": "notify", "recipients": ["assignee", "team"]}
    assert actions[1] == {"type": "webhook", "url": "https://chat.example.org/hook"}
    for wrong in ({"type": "sms"}, {"type": "notify", "recipients": ["ceo"]}, {"type": "notify"},
                  {"type": "webhook", "url": "file:///etc/passwd"}, {"type": "reassign", "team_id": "4"}):
        with pytest.raises(ValueError):
            clean_actions([wrong])


def test_raising_a_priority_goes_one_step_and_stops_at_p1():
    assert [raised(p) for p in ("P4", "P3", "P2", "P1")] == ["P3", "P2", "P1", None]
