"""Authentication events end up in the audit log, with who, what, from where and why."""

from __future__ import annotations

from app.audit.queries import recent_events
from app.core.actors import SYSTEM
from app.extensions import db
from app.users.models import Role
from app.users.operations import create_api_token, create_user, revoke_api_token


def _actions():
    return [e.action for e in reversed(recent_events())]


def test_login_failure_success_and_logout_are_audited(client, make_user):
    user = make_user(Role.agent)
    client.post("/auth/login", data={"email": user.email, "password": "wrong wrong wrong"},
                environ_base={"REMOTE_ADDR": "10.1.2.3"})
    client.post("/auth/login", data={"email": user.email, "password": "correct horse battery staple"})
    client.post("/auth/logout")
    assert _actions() == ["auth.login_failed", "auth.login", "auth.logout"]
    failed = recent_events(action_prefix="auth.login_failed")[0]
    assert failed.ip_address == "10.1.2.3" and failed.details["reason"] == "bad credentials"
    assert failed.target_id == user.email
    assert "wrong" not in str(failed.details)  # never the password


def test_user_and_token_lifecycle_is_audited(app):
    admin = create_user("root@example.org", "Root", Role.admin, SYSTEM, password="long enough password")
    token, _ = create_api_token(admin, admin, scopes={"read"})
    revoke_api_token(token, admin)
    db.session.commit()
    events = list(reversed(recent_events()))
    assert [e.action for e in events] == ["user.created", "token.created", "token.revoked"]
    assert events[1].actor_label == "root@example.org" and events[1].details["scopes"] == "read"
    assert events[0].actor_label == "system"
