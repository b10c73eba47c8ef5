"""Password reset by an e-mailed one-time link, delivered through the outbox to a real SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from app.audit.queries import recent_events
from app.core.clock import utcnow
from app.extensions import db
from app.notifications.jobs import deliver_due
from app.users.models import AuthSource, Role

from ..servers import smtp_sink


@pytest.fixture
def smtp(app):
    with smtp_sink() as (port, received):
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, BASE_URL="https://desk.example.org")
        yield received
    app.config.update(SMTP_HOST="", SMTP_PORT=25, BASE_URL="http://localhost:5000")


def _link(message) -> str:
    return re.search(r"https://desk\.example\.org(/auth/reset/\S+)", message.get_payload(decode=True).decode()).group(1)


def test_reset_link_sets_new_password_once_and_ends_sessions(app, client, make_user, login, smtp):
    user = make_user(Role.requester, language="de")
    other_browser = login(app.test_client(), user)
    response = client.post("/auth/reset", data={"email": user.email.upper()})
    assert response.status_code == 302
    deliver_due()
    assert len(smtp) == 1 and smtp[0]["To"] == user.email
    path = _link(smtp[0])
    assert client.get(path).status_code == 200
    assert client.post(path, data={"new": "brand new secret pw", "confirm": "brand new secret pw"}).status_code == 302
    assert client.post("/auth/login", data={"email": user.email, "password": "brand new secret pw"}).status_code == 302
    assert other_browser.get("/account/").status_code == 302  # old sessions ended
    assert client.get(path).headers["Location"].endswith("/auth/reset")  # used: gone


def test_unknown_and_directory_accounts_get_the_same_answer_and_no_mail(client, make_user, smtp):
    ldap_user = make_user(Role.requester, auth_source=AuthSource.ldap)
    for email in ("nobody@example.org", ldap_user.email):
        response = client.post("/auth/reset", data={"email": email}, follow_redirects=True)
        assert "a link to reset its password is on its way" in response.get_data(as_text=True)
    deliver_due()
    assert smtp == []


def test_link_expires_after_an_hour(client, make_user, smtp):
    user = make_user(Role.requester)
    with time_machine.travel(utcnow(), tick=False) as traveller:
        client.post("/auth/reset", data={"email": user.email})
        deliver_due()
        traveller.shift(timedelta(minutes=61))
        assert client.get(_link(smtp[0])).status_code == 302


def test_weak_new_password_refused_and_link_still_usable(client, make_user, smtp):
    user = make_user(Role.requester)
    client.post("/auth/reset", data={"email": user.email})
    deliver_due()
    path = _link(smtp[0])
    assert client.post(path, data={"new": "short", "confirm": "short"}).status_code == 422
    assert client.post(path, data={"new": "long enough now", "confirm": "long enough now"}).status_code == 302
    db.session.expire_all()
    assert any(e.details.get("reason") == "password changed" for e in recent_events(action_prefix="auth.sessions"))
