"""Tickets through the API: the same permission rules as the UI, per role, and bad input per endpoint."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.tickets import operations as ops
from app.tickets.models import Status, Ticket, TicketEvent, TicketType

from .helpers import assert_error

NEW = {"subject": "VPN drops every hour", "description": "Since Monday.", "type": "incident",
       "impact": "medium", "urgency": "high"}

# role -> expected status. "requester" owns the ticket; the ticket is in the agent's and lead's team.
READ = {"requester": 200, "other_requester": 404, "agent": 200, "outside_agent": 404, "lead": 200,
        "admin": 200, "auditor": 200}
STAFF_WRITE = {"requester": 403, "other_requester": 404, "agent": 200, "outside_agent": 404, "lead": 200,
               "admin": 200, "auditor": 403}


def _count(model) -> int:
    db.session.expire_all()
    return db.session.query(model).count()


# -- create --------------------------------------------------------------------------------------------

def test_requester_creates_ticket_with_full_representation(api, requester, service, category, team):
    response = api.post("/tickets", requester, json={**NEW, "service": service.id, "category": category.id,
                                                     "tags": ["VPN", "remote work"]})
    assert response.status_code == 201, response.get_json()
    t = response.get_json()
    assert t["subject"] == NEW["subject"] and t["description"] == NEW["description"]
    assert t["status"] == "new" and t["channel"] == "api" and t["type"] == "incident"
    assert t["priority"] == "P2" and "impact medium × urgency high" in t["priority_reason"]
    assert t["requester"] == {"id": requester.id, "name": requester.name, "email": requester.email}
    assert t["team"] == {"id": team.id, "name": team.name}  # the service's default team
    assert t["service"] == {"id": service.id, "name": "E-mail"}
    assert t["category"] == {"id": category.id, "name": "Hardware"}
    assert t["tags"] == ["remote-work", "vpn"]
    assert t["assignee"] is None and t["eta_at"] is None and t["problem_id"] is None
    assert t["created_at"].endswith("+00:00")  # ISO 8601 with offset
    assert datetime.fromisoformat(t["created_at"]).tzinfo is not None
    assert {tr["to"] for tr in t["allowed_transitions"]} == {"closed"}  # a requester may withdraw it
    stored = db.session.get(Ticket, t["id"])
    assert stored.requester_id == requester.id and stored.created_by_id == requester.id


def test_html_and_script_are_stored_and_returned_as_text(api, requester):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    t = api.post("/tickets", requester, json={**NEW, "subject": evil, "description": evil}).get_json()
    assert t["subject"] == evil and t["description"] == evil
    assert db.session.get(Ticket, t["id"]).description == evil
    assert api.get(f"/tickets/{t['id']}", requester).get_json()["subject"] == evil


@pytest.mark.parametrize("ref", ["id", "email"])
def test_agent_opens_ticket_on_behalf_of_requester(api, agent, requester, ref):
    value = requester.id if ref == "id" else requester.email.upper()
    response = api.post("/tickets", agent, json={**NEW, "requester": value})
    assert response.status_code == 201, response.get_json()
    t = response.get_json()
    assert t["requester"]["id"] == requester.id and t["channel"] == "api"
    assert db.session.get(Ticket, t["id"]).created_by_id == agent.id


def test_requester_cannot_open_ticket_for_someone_else(api, requester, other_requester):
    for ref in (other_requester.id, other_requester.email, 2_000_000):
        assert_error(api.post("/tickets", requester, json={**NEW, "requester": ref}), 403, "forbidden")
    assert api.post("/tickets", requester, json={**NEW, "requester": requester.email}).status_code == 201
    assert _count(Ticket) == 1


@pytest.mark.parametrize(("role", "own", "for_requester"), [
    ("requester", 201, 403), ("other_requester", 201, 403), ("agent", 201, 201), ("outside_agent", 201, 201),
    ("lead", 201, 201), ("admin", 201, 201), ("auditor", 403, 403),
])
def test_create_per_role(api, roles, role, own, for_requester):
    user, requester = roles[role], roles["requester"]
    mine = api.post("/tickets", user, json=NEW)
    assert mine.status_code == own, mine.get_json()
    if own == 201:
        assert mine.get_json()["requester"]["id"] == user.id
    behalf = api.post("/tickets", user, json={**NEW, "requester": requester.id})
    assert behalf.status_code == (201 if user is requester else for_requester), behalf.get_json()
    if behalf.status_code == 201:
        assert behalf.get_json()["requester"]["id"] == requester.id
    else:
        assert_error(behalf, 403, "forbidden")
    assert _count(Ticket) == (own == 201) + (behalf.status_code == 201)


@pytest.mark.parametrize("role", ["requester", "agent", "lead", "admin", "auditor"])
def test_me_per_role(api, roles, role):
    body = api.get("/me", roles[role]).get_json()
    assert body["id"] == roles[role].id and body["role"] == role
    assert body["is_staff"] is (role != "requester")


@pytest.mark.parametrize(("change", "field"), [
    ({"subject": None}, "subject"),
    ({"subject": ""}, "subject"),
    ({"subject": "x" * 251}, "subject"),
    ({"subject": 42}, "subject"),
    ({"type": "complaint"}, "type"),
    ({"impact": "huge"}, "impact"),
    ({"urgency": ["high"]}, "urgency"),
    ({"service": "1"}, "service"),
    ({"service": 1.5}, "service"),
    ({"service": 2**40}, "service"),
    ({"tags": "vpn"}, "tags"),
    ({"tags": [1]}, "tags.0"),
    ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
    ({"description": "nul\x00byte"}, "description"),
    ({"has_workaround": "maybe"}, "has_workaround"),
    ({"requester": True}, "requester"),
])
def test_create_with_wrong_type_or_value_is_422_naming_the_field(api, agent, change, field):
    error = assert_error(api.post("/tickets", agent, json={**NEW, **change}), 422, "validation_failed")
    assert field in error["details"]["fields"], error
    assert field.split(".")[0] in error["message"]
    assert _count(Ticket) == 0


@pytest.mark.parametrize("missing", ["subject", "type", "impact", "urgency"])
def test_create_without_required_field_is_422(api, requester, missing):
    body = {k: v for k, v in NEW.items() if k != missing}
    error = assert_error(api.post("/tickets", requester, json=body), 422)
    assert error["details"]["fields"][missing] == ["Missing data for required field."]


@pytest.mark.parametrize("field", ["service", "category"])
def test_create_with_unknown_ids_is_422(api, agent, field):
    error = assert_error(api.post("/tickets", agent, json={**NEW, field: 999_999}), 422, "validation_failed")
    assert error["details"]["field"] == field and "999999" in error["message"]
    assert _count(Ticket) == 0


def test_create_for_unknown_requester_is_422(api, agent):
    for ref in (999_999, "nobody@example.org"):
        error = assert_error(api.post("/tickets", agent, json={**NEW, "requester": ref}), 422)
        assert error["details"]["field"] == "requester"


def test_whitespace_subject_is_refused_by_the_operation(api, requester):
    error = assert_error(api.post("/tickets", requester, json={**NEW, "subject": "   "}), 422)
    assert error["details"]["field"] == "subject"


# -- read ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "expected"), READ.items())
def test_get_ticket_per_role(api, roles, ticket, role, expected):
    response = api.get(f"/tickets/{ticket.id}", roles[role])
    assert response.status_code == expected, response.get_json()
    if expected == 404:
        assert_error(response, 404, "not_found")
    else:
        assert response.get_json()["id"] == ticket.id


def test_unknown_ticket_is_404(api, admin):
    assert_error(api.get("/tickets/424242", admin), 404, "not_found")


@pytest.mark.parametrize(("role", "expected"), [
    ("requester", "requester"), ("agent", "staff"), ("lead", "staff"), ("admin", "staff"),
    ("auditor", "none"),
])
def test_allowed_transitions_are_those_of_the_caller(api, roles, ticket, role, expected):
    t = api.get(f"/tickets/{ticket.id}", roles[role]).get_json()
    targets = {tr["to"] for tr in t["allowed_transitions"]}
    assert targets == {"requester": {"closed"}, "staff": {"triage", "in_progress", "awaiting_requester",
                                                          "resolved", "rejected"}, "none": set()}[expected]
    if targets:
        assert all({"to", "label", "needs_reason"} == set(tr) for tr in t["allowed_transitions"])


@pytest.mark.parametrize(("role", "sees"), [
    ("requester", True), ("other_requester", False), ("agent", True), ("outside_agent", False),
    ("lead", True), ("admin", True), ("auditor", True),
])
def test_list_shows_only_visible_tickets(api, roles, ticket, make_ticket, other_team, role, sees):
    hidden = make_ticket(team=other_team, subject="Switch down")  # outside the agent's team
    body = api.get("/tickets", roles[role]).get_json()
    ids = {t["id"] for t in body["items"]}
    assert (ticket.id in ids) is sees
    if role in ("agent", "lead"):
        assert hidden.id not in ids
    if role == "outside_agent":
        assert hidden.id in ids
    assert body["count"] == len(ids) and body["count_is_capped"] is False and body["next_cursor"] is None


def test_list_filters(api, agent, admin, requester, make_ticket, team, other_team):
    mine = make_ticket(subject="Keyboard sticky")
    ops.update_ticket(mine, admin, assignee=agent)
    unassigned = make_ticket(subject="Mouse wobbly", type=TicketType.service_request)
    done = make_ticket(subject="Monitor dead")
    ops.transition_ticket(done, Status.resolved, admin)
    elsewhere = make_ticket(subject="Router blinking", team=other_team)
    db.session.commit()

    def ids(query, user=admin):
        response = api.get("/tickets" + query, user)
        assert response.status_code == 200, response.get_json()
        return {t["id"] for t in response.get_json()["items"]}

    assert ids("") == {mine.id, unassigned.id, elsewhere.id}  # open ones by default
    assert ids("?status=all") == {mine.id, unassigned.id, done.id, elsewhere.id}
    assert ids("?status=resolved") == {done.id}
    assert ids("?status=resolved,new") == ids("?status=resolved&status=new") == {
        mine.id, unassigned.id, done.id, elsewhere.id}
    assert ids("?status=open&status=resolved") == {mine.id, unassigned.id, done.id, elsewhere.id}
    assert ids("?assignee=me", agent) == {mine.id}
    assert ids(f"?assignee={agent.id}") == {mine.id}
    assert ids("?assignee=none") == {unassigned.id, elsewhere.id}
    assert ids(f"?team={other_team.id}") == {elsewhere.id}
    assert ids("?type=service_request") == {unassigned.id}
    assert ids("?q=keyboard") == {mine.id}
    assert ids(f"?q=%23{done.id}&status=all") == {done.id}
    assert ids("?requester=me", requester) == {mine.id, unassigned.id, elsewhere.id}
    assert ids("?sort=-updated&limit=1").__len__() == 1


@pytest.mark.parametrize("query", [
    "?status=opened", "?status=new,,bogus", "?assignee=someone", "?assignee=99999999999", "?team=abc", "?team=0",
    "?limit=0", "?limit=201", "?limit=ten", "?sort=subject", "?cursor=not-a-cursor", "?q=" + "x" * 201,
    "?priority=P9", "?cursor=%00",
])
def test_list_with_bad_parameters_is_422(api, agent, query):
    assert_error(api.get("/tickets" + query, agent), 422, "validation_failed")


# -- change ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "expected"), STAFF_WRITE.items())
def test_patch_per_role(api, roles, ticket, role, expected):
    response = api.patch(f"/tickets/{ticket.id}", roles[role], json={"subject": "Printer jams on tray 2"})
    assert response.status_code == expected, response.get_json()
    db.session.expire_all()
    changed = db.session.get(Ticket, ticket.id).subject == "Printer jams on tray 2"
    assert changed is (expected == 200)
    if expected != 200:
        assert_error(response, expected)


def test_patch_changes_fields_and_records_them(api, agent, ticket, other_team, service, category):
    problem = ops.create_ticket(agent, subject="Spooler leaks", type=TicketType.problem)
    db.session.commit()
    response = api.patch(f"/tickets/{ticket.id}", agent, json={
        "impact": "high", "urgency": "high", "assignee": agent.id, "service": service.id,
        "category": category.id, "eta_at": "2031-05-01T17:00:00+02:00", "tags": ["paper"],
        "has_workaround": True, "problem": problem.id, "reason": "affects the whole floor",
    })
    assert response.status_code == 200, response.get_json()
    t = response.get_json()
    assert t["priority"] == "P1" and t["assignee"]["id"] == agent.id and t["tags"] == ["paper"]
    assert t["eta_at"] == "2031-05-01T15:00:00+00:00" and t["problem_id"] == problem.id
    assert t["service"]["id"] == service.id and t["category"]["id"] == category.id
    events = db.session.query(TicketEvent).filter_by(ticket_id=ticket.id, field="impact").all()
    assert events and events[0].reason == "affects the whole floor"

    long_reason = "test box " + "x" * 241  # the longest reason still fits priority_reason
    override = api.patch(f"/tickets/{ticket.id}", agent, json={"priority": "P4", "reason": long_reason})
    assert override.status_code == 200, override.get_json()
    assert override.get_json()["priority"] == "P4" and long_reason in override.get_json()["priority_reason"]
    cleared = api.patch(f"/tickets/{ticket.id}", agent, json={"assignee": None, "eta_at": None})
    assert cleared.get_json()["assignee"] is None and cleared.get_json()["eta_at"] is None


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"priority": "P1"}, 422, "reason"),  # an override needs a reason
    ({"assignee": "me"}, 422, "assignee"),
    ({"subject": ""}, 422, "subject"),
    ({"eta_at": "2031-05-01T17:00:00"}, 422, "eta_at"),  # no offset
    ({"eta_at": "next week"}, 422, "eta_at"),
    ({"eta_at": "0001-01-01T00:00:00+05:00"}, 422, "eta_at"),
    ({"team": 999_999}, 422, "team"),
    ({"service": 999_999}, 422, "service"),
    ({"category": 999_999}, 422, "category"),
    ({"assignee": 999_999}, 422, "assignee"),
    ({"problem": 999_999}, 422, "problem"),
    ({"status": "closed"}, 422, "status"),
    ({"priority_reason": "x"}, 422, "priority_reason"),
    ({"priority": "P1", "reason": "x" * 251}, 422, "reason"),
])
def test_patch_bad_input_changes_nothing(api, agent, ticket, body, status, field):
    before = (ticket.subject, ticket.priority, ticket.team_id, ticket.updated_at)
    response = api.patch(f"/tickets/{ticket.id}", agent, json=body)
    error = assert_error(response, status)
    assert field in str(error["details"]), error
    db.session.expire_all()
    t = db.session.get(Ticket, ticket.id)
    assert (t.subject, t.priority, t.team_id, t.updated_at) == before


def test_longest_priority_override_fits_even_for_the_longest_name(api, make_user, team, ticket):
    agent = make_user("agent", teams=[team], name="N" * 200)
    response = api.patch(f"/tickets/{ticket.id}", agent, json={"priority": "P1", "reason": "r" * 250})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["priority_reason"].endswith("r" * 250)


def test_patch_cannot_assign_a_requester_or_link_an_invisible_problem(api, agent, requester, ticket,
                                                                       make_ticket, other_team, admin):
    assert_error(api.patch(f"/tickets/{ticket.id}", agent, json={"assignee": requester.id}), 422)
    hidden_problem = ops.create_ticket(admin, subject="Core switch", type=TicketType.problem, team=other_team)
    not_a_problem = make_ticket(subject="Just an incident")
    db.session.commit()
    error = assert_error(api.patch(f"/tickets/{ticket.id}", agent, json={"problem": hidden_problem.id}), 422)
    assert error["details"]["field"] == "problem"
    assert_error(api.patch(f"/tickets/{ticket.id}", agent, json={"problem": not_a_problem.id}), 422)


def test_patch_unknown_ticket_is_404_and_malformed_json_400(api, agent, ticket):
    assert_error(api.patch("/tickets/999999", agent, json={"subject": "x"}), 404)
    assert_error(api.patch(f"/tickets/{ticket.id}", agent, data="{", headers={"Content-Type": "application/json"}),
                 400, "invalid_json")


# -- lifecycle -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "expected"), STAFF_WRITE.items())
def test_staff_transition_per_role(api, roles, ticket, role, expected):
    response = api.post(f"/tickets/{ticket.id}/transitions", roles[role], json={"to": "in_progress"})
    if role == "requester":
        expected = 409  # the requester may take part, but this step is not theirs
    assert response.status_code == expected, response.get_json()
    db.session.expire_all()
    assert (db.session.get(Ticket, ticket.id).status is Status.in_progress) is (expected == 200)


def test_requester_withdraws_own_ticket_with_reason(api, requester, other_requester, ticket):
    assert_error(api.post(f"/tickets/{ticket.id}/transitions", other_requester,
                          json={"to": "closed", "reason": "x"}), 404)
    error = assert_error(api.post(f"/tickets/{ticket.id}/transitions", requester, json={"to": "closed"}), 409)
    assert error["details"]["field"] == "reason"
    response = api.post(f"/tickets/{ticket.id}/transitions", requester,
                        json={"to": "closed", "reason": "fixed itself"})
    assert response.status_code == 200 and response.get_json()["status"] == "closed"
    assert response.get_json()["closed_at"] is not None


def test_disallowed_transition_is_409_listing_allowed_steps(api, agent, ticket):
    error = assert_error(api.post(f"/tickets/{ticket.id}/transitions", agent, json={"to": "testing"}), 409,
                         "invalid_transition")
    assert "in_progress" in error["details"]["allowed"]


@pytest.mark.parametrize(("body", "status"), [
    ({}, 422), ({"to": "done"}, 422), ({"to": 3}, 422), ({"to": "triage", "why": "x"}, 422),
    ({"to": "triage", "reason": 5}, 422),
])
def test_transition_bad_input(api, agent, ticket, body, status):
    assert_error(api.post(f"/tickets/{ticket.id}/transitions", agent, json=body), status)
    assert_error(api.post("/tickets/999999/transitions", agent, json={"to": "triage"}), 404)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status is Status.new


# -- merge -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "expected"), STAFF_WRITE.items())
def test_merge_per_role(api, roles, ticket, make_ticket, role, expected):
    target = make_ticket(subject="Printer jams (original)")
    response = api.post(f"/tickets/{ticket.id}/merge", roles[role], json={"into": target.id})
    assert response.status_code == expected, response.get_json()
    db.session.expire_all()
    merged = db.session.get(Ticket, ticket.id)
    assert (merged.merged_into_id == target.id) is (expected == 200)
    if expected == 200:
        assert response.get_json()["merged_into_id"] == target.id
        assert response.get_json()["status"] == "closed"


@pytest.mark.parametrize(("into", "status"), [
    ("self", 422), (999_999, 422), ("text", 422), (None, 422), ("closed", 409),
])
def test_merge_bad_input(api, agent, ticket, make_ticket, admin, into, status):
    closed = make_ticket(subject="old")
    ops.transition_ticket(closed, Status.resolved, admin)
    ops.transition_ticket(closed, Status.closed, admin)
    db.session.commit()
    into = {"self": ticket.id, "closed": closed.id}.get(into, into)
    assert_error(api.post(f"/tickets/{ticket.id}/merge", agent, json={"into": into}), status)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).merged_into_id is None


# -- history ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "expected"), READ.items())
def test_history_per_role_hides_internal_events_from_requesters(api, roles, ticket, agent, role, expected):
    ops.add_comment(ticket, agent, "Looks like a driver issue", internal=True)
    ops.add_comment(ticket, agent, "We are on it")
    db.session.commit()
    response = api.get(f"/tickets/{ticket.id}/history", roles[role])
    assert response.status_code == expected
    if expected != 200:
        return
    kinds = [e["kind"] for e in response.get_json()]
    assert kinds[0] == "created" and "comment_added" in kinds
    assert ("note_added" in kinds) is (role != "requester")
    event = response.get_json()[0]
    assert set(event) == {"id", "kind", "field", "old_value", "new_value", "reason", "reason_code", "reason_params",
                          "actor", "created_at"}


def test_history_records_who_when_and_why(api, agent, ticket):
    api.post(f"/tickets/{ticket.id}/transitions", agent, json={"to": "triage"})
    events = api.get(f"/tickets/{ticket.id}/history", agent).get_json()
    change = next(e for e in events if e["kind"] == "status_changed")
    assert change["old_value"] == "new" and change["new_value"] == "triage"
    assert change["actor"]["id"] == agent.id
    assert datetime.fromisoformat(change["created_at"]) <= datetime.now(UTC)
