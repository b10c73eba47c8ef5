"""Bearer tokens: who may call the API at all, with which scope, and what a token records."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from app.core.clock import utcnow
from app.extensions import db
from app.users.models import ApiToken
from app.users.operations import create_api_token, revoke_api_token

from .helpers import assert_error

ENDPOINTS = [
    ("GET", "/tickets"), ("POST", "/tickets"), ("GET", "/tickets/1"), ("PATCH", "/tickets/1"),
    ("GET", "/tickets/1/comments"), ("POST", "/tickets/1/comments"), ("POST", "/tickets/1/transitions"),
    ("GET", "/tickets/1/attachments"), ("POST", "/tickets/1/attachments"), ("GET", "/tickets/1/attachments/1"),
    ("GET", "/tickets/1/history"), ("POST", "/tickets/1/merge"), ("GET", "/me"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_refuses_a_request_without_token(api, method, path):
    error = assert_error(api.call(method, path, json={}), 401, "unauthorized")
    assert "Bearer" in error["message"]


@pytest.mark.parametrize("header", [
    "Bearer sdk_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "sdk_x", "Bearer " + "x" * 500,
])
def test_malformed_or_unknown_token_is_401_with_challenge(api, header):
    response = api.get("/me", headers={"Authorization": header})
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_valid_token_identifies_the_user_and_records_last_use(api, agent, team):
    token_row, plaintext = create_api_token(agent, agent, name="CI")
    db.session.commit()
    assert token_row.last_used_at is None
    response = api.get("/me", token=plaintext)
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == agent.email and body["role"] == "agent"
    assert body["teams"] == [{"id": team.id, "name": team.name}]
    assert body["token"]["scopes"] == ["read", "write"] and body["token"]["name"] == "CI"
    assert "token_hash" not in str(body)
    db.session.expire_all()
    assert db.session.get(ApiToken, token_row.id).last_used_at is not None


def test_revoked_and_expired_tokens_are_refused(api, requester):
    revoked, revoked_text = create_api_token(requester, requester)
    _expiring, expiring_text = create_api_token(requester, requester, expires_at=utcnow() + timedelta(hours=1))
    revoke_api_token(revoked, requester)
    db.session.commit()
    assert_error(api.get("/me", token=revoked_text), 401)
    assert api.get("/me", token=expiring_text).status_code == 200
    with time_machine.travel(utcnow() + timedelta(hours=2)):
        assert_error(api.get("/me", token=expiring_text), 401)


def test_token_of_deactivated_user_is_refused(api, requester):
    token = api.token(requester)
    requester.is_active_account = False
    db.session.commit()
    assert_error(api.get("/me", token=token), 401)


def test_read_only_token_can_read_but_not_write(api, requester, ticket):
    token = api.token(requester, scopes={"read"})
    assert api.get(f"/tickets/{ticket.id}", token=token).status_code == 200
    error = assert_error(api.post("/tickets", token=token, json={}), 403, "insufficient_scope")
    assert error["details"] == {"scope": "write"}
    assert_error(api.post(f"/tickets/{ticket.id}/comments", token=token, json={"body": "hi"}), 403)


def test_write_only_token_cannot_read(api, requester, ticket):
    token = api.token(requester, scopes={"write"})
    assert_error(api.get(f"/tickets/{ticket.id}", token=token), 403, "insufficient_scope")


def test_session_cookie_does_not_authenticate_the_api(api, client, login, agent):
    login(client, agent)
    assert_error(client.get("/api/v1/me"), 401)


def test_api_is_exempt_from_csrf_while_forms_are_not(api, app, monkeypatch, requester):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    form = api.client.post("/auth/login", data={"email": requester.email, "password": "x"})
    assert form.status_code == 400  # CSRF is really on for the forms
    response = api.post("/tickets", requester, json={
        "subject": "Laptop broken", "type": "incident", "impact": "low", "urgency": "low",
    })
    assert response.status_code == 201, response.get_json()
