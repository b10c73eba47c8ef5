"""The OpenAPI document describes the API as it is; the docs page renders it from vendored files."""

from __future__ import annotations

import re

import pytest

EXPECTED = {
    ("/api/v1/tickets", "get"), ("/api/v1/tickets", "post"),
    ("/api/v1/tickets/{ticket_id}", "get"), ("/api/v1/tickets/{ticket_id}", "patch"),
    ("/api/v1/tickets/{ticket_id}/comments", "get"), ("/api/v1/tickets/{ticket_id}/comments", "post"),
    ("/api/v1/tickets/{ticket_id}/transitions", "post"), ("/api/v1/tickets/{ticket_id}/merge", "post"),
    ("/api/v1/tickets/{ticket_id}/attachments", "get"), ("/api/v1/tickets/{ticket_id}/attachments", "post"),
    ("/api/v1/tickets/{ticket_id}/attachments/{attachment_id}", "get"),
    ("/api/v1/tickets/{ticket_id}/history", "get"), ("/api/v1/tickets/{ticket_id}/sla/events", "get"),
    ("/api/v1/me", "get"),
    ("/api/v1/sla/calendars", "get"), ("/api/v1/sla/calendars", "post"),
    ("/api/v1/sla/calendars/{calendar_id}", "get"), ("/api/v1/sla/calendars/{calendar_id}", "patch"),
    ("/api/v1/sla/calendars/{calendar_id}", "delete"), ("/api/v1/sla/calendars/{calendar_id}/holidays", "post"),
    ("/api/v1/sla/policies", "get"), ("/api/v1/sla/policies", "post"),
    ("/api/v1/sla/policies/{policy_id}", "get"), ("/api/v1/sla/policies/{policy_id}", "patch"),
    ("/api/v1/sla/policies/{policy_id}", "delete"), ("/api/v1/sla/policies/{policy_id}/versions", "get"),
    ("/api/v1/sla/policies/{policy_id}/preview", "post"),
}


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_document_lists_every_endpoint_without_authentication(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"] == "v1"
    operations = {(path, method) for path, item in spec["paths"].items() for method in item
                  if method in {"get", "post", "patch", "put", "delete"}}
    assert operations == EXPECTED


def test_operations_are_grouped_under_readable_tags(spec):
    assert [t["name"] for t in spec["tags"]] == ["Tickets", "Comments", "Attachments", "SLA configuration", "Me"]
    used = {tag for item in spec["paths"].values() for op in item.values() if isinstance(op, dict)
            for tag in op.get("tags", [])}
    assert used == {"Tickets", "Comments", "Attachments", "SLA configuration", "Me"}


def test_every_operation_requires_the_bearer_scheme(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert spec["security"] == [{"bearerAuth": []}]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                assert "401" in operation["responses"], (path, method)
                assert operation.get("summary"), (path, method)


def test_errors_are_documented_as_the_envelope(spec):
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert spec["components"]["responses"]["DEFAULT_ERROR"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}


def test_request_and_response_schemas_match_the_contract(spec):
    schemas = spec["components"]["schemas"]
    create = schemas["TicketCreate"]
    assert set(create["required"]) == {"subject", "type", "impact", "urgency"}
    assert {"service", "requester", "category", "tags", "description"} <= set(create["properties"])
    assert create["properties"]["type"]["enum"] == ["incident", "service_request", "problem", "question"]
    ticket = schemas["Ticket"]["properties"]
    assert {"id", "subject", "description", "type", "status", "priority", "priority_reason", "impact",
            "urgency", "channel", "requester", "team", "assignee", "service", "category", "tags", "eta_at",
            "created_at", "updated_at", "resolved_at", "closed_at", "problem_id", "merged_into_id",
            "allowed_transitions"} <= set(ticket)
    assert ticket["allowed_transitions"]["items"] == {"$ref": "#/components/schemas/Transition"}
    upload = spec["paths"]["/api/v1/tickets/{ticket_id}/attachments"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    assert set(schemas["TicketPage"]["properties"]) == {"items", "next_cursor", "count", "count_is_capped",
                                                        "count_is_estimate"}


def test_docs_page_loads_redoc_from_our_own_server(client, spec):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts == ["/static/vendor/redoc.standalone.js"]
    assert client.get(scripts[0]).status_code == 200
    assert 'spec-url="/api/v1/openapi.json"' in html
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "worker-src blob:" in csp


def test_other_pages_keep_the_strict_policy(client):
    csp = client.get("/api/v1/openapi.json").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
