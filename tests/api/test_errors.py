"""Every failure under /api/ is the JSON envelope; pages outside the API keep their HTML errors."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.tickets.models import Ticket

from .helpers import assert_error

NEW = {"subject": "Screen flickers", "type": "incident", "impact": "low", "urgency": "medium"}


def test_unknown_route_under_api_is_json_404(api, agent):
    assert_error(api.get("/api/v1/nothing-here", agent), 404, "not_found")
    assert_error(api.get("/api/v2/tickets"), 404, "not_found")


def test_unknown_route_outside_api_is_still_an_html_page(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_wrong_method_is_json_405_with_allow_header(api, agent):
    response = api.call("DELETE", "/tickets", agent)
    error = assert_error(response, 405, "method_not_allowed")
    assert {"GET", "POST"} <= set(error["details"]["allowed"])
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize("body", ['{"subject": ', "{'subject': 'x'}", "\xff\xfe", "[1, 2"])
def test_malformed_json_is_400_and_creates_nothing(api, agent, body):
    response = api.post("/tickets", agent, data=body.encode("latin-1"),
                        headers={"Content-Type": "application/json"})
    assert_error(response, 400, "invalid_json")
    assert db.session.query(Ticket).count() == 0


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"subject": ' + "[" * 100_000 + "]" * 100_000 + "}"])
def test_absurdly_nested_json_is_400_not_500(api, agent, body):
    response = api.post("/tickets", agent, data=body, headers={"Content-Type": "application/json"})
    assert_error(response, 400, "invalid_json")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_write_with_wrong_content_type_is_415(api, agent, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.post("/tickets", agent, data="subject=x", headers=headers)
    error = assert_error(response, 415, "unsupported_media_type")
    assert "application/json" in error["message"]


def test_unknown_fields_are_refused_by_name(api, agent):
    response = api.post("/tickets", agent, json={**NEW, "colour": "red", "status": "closed"})
    error = assert_error(response, 422, "validation_failed")
    assert "colour" in error["message"] and "status" in error["message"]
    assert error["details"]["fields"]["colour"] == ["Unknown field."]
    assert db.session.query(Ticket).count() == 0


def test_unknown_query_parameters_are_refused(api, agent):
    error = assert_error(api.get("/tickets?stauts=open", agent), 422)
    assert "stauts" in error["message"]


@pytest.mark.parametrize("body", [[], "a string", 42, None])
def test_body_that_is_not_an_object_is_422(api, agent, body):
    import json

    response = api.post("/tickets", agent, data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert_error(response, 422, "validation_failed")


def test_oversized_body_is_json_413(api, app, agent, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = api.post("/tickets", agent, json={**NEW, "description": "x" * 5000})
    error = assert_error(response, 413, "too_large")
    assert error["details"]["max_bytes"] == 1024
    assert db.session.query(Ticket).count() == 0


def test_unexpected_failure_is_json_500_without_internals(api, app, agent, monkeypatch):
    from app.api import me

    def broken():
        raise RuntimeError("secret detail")

    monkeypatch.setattr(me, "current_user", broken)
    response = api.get("/me", agent)
    error = assert_error(response, 500, "internal_error")
    assert "secret" not in response.get_data(as_text=True)
    assert error["message"]


def test_path_id_out_of_integer_range_is_404_not_500(api, agent):
    assert_error(api.get("/tickets/99999999999999999999", agent), 404)
    assert_error(api.get("/tickets/0", agent), 404)
    assert_error(api.get("/tickets/-1", agent), 404)


# Every JSON write endpoint, with a body that would be valid.
JSON_WRITES = [
    ("POST", "/tickets", {"subject": "x", "type": "incident", "impact": "low", "urgency": "low"}),
    ("PATCH", "/tickets/{id}", {"subject": "changed"}),
    ("POST", "/tickets/{id}/comments", {"body": "hello"}),
    ("POST", "/tickets/{id}/transitions", {"to": "triage"}),
    ("POST", "/tickets/{id}/merge", {"into": "{other}"}),
]


@pytest.fixture
def two_tickets(make_ticket):
    return make_ticket(subject="First"), make_ticket(subject="Second")


def _prepare(path, body, tickets):
    first, second = tickets
    path = path.replace("{id}", str(first.id))
    body = {k: (second.id if v == "{other}" else v) for k, v in body.items()}
    return path, body


def _history_size() -> int:
    from app.tickets.models import TicketEvent

    db.session.expire_all()
    return db.session.query(TicketEvent).count()


@pytest.mark.parametrize(("method", "path", "body"), JSON_WRITES)
def test_json_write_endpoints_refuse_bad_bodies_and_change_nothing(api, app, agent, two_tickets, monkeypatch,
                                                                    method, path, body):
    import json

    path, body = _prepare(path, body, two_tickets)
    before = _history_size()
    as_json = {"Content-Type": "application/json"}
    assert_error(api.call(method, path, agent, data='{"a": ', headers=as_json), 400, "invalid_json")
    unknown = assert_error(api.call(method, path, agent, json={**body, "bogus_field": 1}), 422)
    assert "bogus_field" in unknown["message"]
    assert_error(api.call(method, path, agent, data=json.dumps([body]), headers=as_json), 422)
    assert_error(api.call(method, path, agent, data=json.dumps(body), headers={"Content-Type": "text/plain"}), 415)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64)
    assert_error(api.call(method, path, agent, json={**body, "padding": "x" * 100}), 413)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 10 * 1024 * 1024)
    assert _history_size() == before
    # ... and the same body, well-formed, goes through
    assert api.call(method, path, agent, json=body).status_code in (200, 201)
    assert _history_size() > before


def test_broken_multipart_body_is_4xx(api, agent, two_tickets):
    first, _ = two_tickets
    response = api.post(f"/tickets/{first.id}/attachments", agent, data=b"--xyz\r\nContent-Disposition: form-da",
                        headers={"Content-Type": "multipart/form-data; boundary=xyz"})
    assert_error(response, 422)
