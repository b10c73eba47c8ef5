"""Schemathesis against our own OpenAPI document: valid and invalid requests (as an admin and as a
requester) never produce a server error. A bounded number of examples per operation keeps it well
under a minute."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from app.extensions import db
from app.sla.models import BusinessCalendar, SlaPolicy
from app.sla.operations import ensure_default_policies
from app.tickets import operations as ops
from app.tickets.models import TicketType
from app.users.models import Role
from app.users.operations import create_api_token

schemathesis = pytest.importorskip("schemathesis", reason="needs schemathesis (the [test] extra)")

EXAMPLES = 25


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def world(make_user, team, service, category):
    """Tokens of an admin and a requester, a ticket with a note and a file, and a problem ticket; the
    shipped SLA calendars and policies."""
    ensure_default_policies("Europe/Berlin")
    admin = make_user(Role.admin, teams=[team])
    requester = make_user(Role.requester)
    incident = ops.create_ticket(requester, subject="Fuzz target", service=service, category=category)
    ops.create_ticket(admin, subject="A problem", type=TicketType.problem, requester=requester)
    ops.add_comment(incident, admin, "internal", internal=True)
    attachment = ops.add_attachment(incident, requester, "a.txt", io.BytesIO(b"hello"))
    result = {role: create_api_token(user, user)[1] for role, user in (("admin", admin), ("requester", requester))}
    db.session.commit()
    calendar_id = db.session.scalar(sa.select(BusinessCalendar.id).where(BusinessCalendar.name == "Business hours"))
    policy_id = db.session.scalar(sa.select(SlaPolicy.id).where(SlaPolicy.name == "P3 medium"))
    return {**result, "ticket_id": incident.id, "attachment_id": attachment.id, "calendar_id": calendar_id,
            "policy_id": policy_id}


OPERATIONS = [
    "GET /api/v1/tickets", "POST /api/v1/tickets", "GET /api/v1/tickets/{ticket_id}",
    "PATCH /api/v1/tickets/{ticket_id}", "POST /api/v1/tickets/{ticket_id}/transitions",
    "POST /api/v1/tickets/{ticket_id}/merge", "GET /api/v1/tickets/{ticket_id}/history",
    "GET /api/v1/tickets/{ticket_id}/sla/events",
    "GET /api/v1/tickets/{ticket_id}/comments", "POST /api/v1/tickets/{ticket_id}/comments",
    "GET /api/v1/tickets/{ticket_id}/attachments", "POST /api/v1/tickets/{ticket_id}/attachments",
    "GET /api/v1/tickets/{ticket_id}/attachments/{attachment_id}", "GET /api/v1/me",
    "GET /api/v1/sla/calendars", "POST /api/v1/sla/calendars", "GET /api/v1/sla/calendars/{calendar_id}",
    "PATCH /api/v1/sla/calendars/{calendar_id}", "DELETE /api/v1/sla/calendars/{calendar_id}",
    "POST /api/v1/sla/calendars/{calendar_id}/holidays",
    "GET /api/v1/sla/policies", "POST /api/v1/sla/policies", "GET /api/v1/sla/policies/{policy_id}",
    "PATCH /api/v1/sla/policies/{policy_id}", "DELETE /api/v1/sla/policies/{policy_id}",
    "GET /api/v1/sla/policies/{policy_id}/versions", "POST /api/v1/sla/policies/{policy_id}/preview",
]


def test_fuzzed_operations_are_all_the_documented_ones(api_schema):
    assert sorted(r.ok().label for r in api_schema.get_all_operations()) == sorted(OPERATIONS)


@pytest.mark.parametrize("mode", ["positive", "negative"])
@pytest.mark.parametrize("label", OPERATIONS)
def test_no_request_produces_a_server_error(api_schema, world, label, mode):
    operation = api_schema.find_operation_by_label(label)
    # Real ids in the path, so the bodies and queries reach the operations instead of a 404.
    path = {name: world[name] for name in ("ticket_id", "attachment_id", "calendar_id", "policy_id")
            if "{" + name + "}" in label}

    @given(case=operation.as_strategy(schemathesis.GenerationMode(mode), path_parameters=path or None))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        for role in ("admin", "requester"):
            response = case.call(headers={"Authorization": f"Bearer {world[role]}"})
            assert response.status_code < 500, (role, case.method, case.formatted_path, case.body,
                                                case.query, response.text[:500])
            if response.status_code >= 400:
                error = response.json()["error"]
                assert error["code"] and error["message"], response.text

    check()
