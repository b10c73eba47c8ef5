from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.actors import SYSTEM
from app.core.clock import utcnow
from app.core.errors import Conflict, ValidationFailed
from app.extensions import db
from app.users import operations as ops
from app.users.models import Role


def test_create_user_normalises_email_and_refuses_duplicates(app):
    user = ops.create_user(" Ann.Lee@Example.ORG ", "Ann Lee", Role.agent, SYSTEM, password="long enough pw")
    db.session.commit()
    assert user.email == "ann.lee@example.org" and user.password_hash.startswith("$argon2id$")
    with pytest.raises(Conflict):
        ops.create_user("ann.lee@example.org", "Other", Role.requester, SYSTEM)


@pytest.mark.parametrize("email", ["", "no-at-sign", "a@b", "a b@example.org", "@example.org"])
def test_invalid_email_refused(app, email):
    with pytest.raises(ValidationFailed):
        ops.create_user(email, "x", Role.requester, SYSTEM)


def test_password_policy(app):
    with pytest.raises(ValidationFailed, match="at least"):
        ops.create_user("a@example.org", "A", Role.requester, SYSTEM, password="short")


def test_authenticate_local(make_user):
    user = make_user(Role.agent)
    assert ops.authenticate_local(user.email.upper(), "correct horse battery staple") == user
    assert ops.authenticate_local(user.email, "wrong password") is None
    assert ops.authenticate_local(user.email, "") is None
    assert ops.authenticate_local("nobody@example.org", "correct horse battery staple") is None
    user.is_active_account = False
    assert ops.authenticate_local(user.email, "correct horse battery staple") is None


def test_token_is_stored_hashed_and_checked(make_user):
    user = make_user(Role.agent)
    token, plaintext = ops.create_api_token(user, SYSTEM, scopes={"read"})
    db.session.commit()
    assert plaintext.startswith("sdk_") and plaintext not in (token.token_hash, token.prefix * 2)
    assert ops.authenticate_token(plaintext) == token and token.last_used_at is not None
    assert ops.authenticate_token(plaintext + "x") is None
    assert ops.authenticate_token("") is None
    ops.revoke_api_token(token, SYSTEM)
    assert ops.authenticate_token(plaintext) is None


def test_expired_token_and_deactivated_user(make_user):
    user = make_user(Role.agent)
    _, expired = ops.create_api_token(user, SYSTEM, expires_at=utcnow() - timedelta(seconds=1))
    _, valid = ops.create_api_token(user, SYSTEM)
    assert ops.authenticate_token(expired) is None and ops.authenticate_token(valid) is not None
    user.is_active_account = False
    assert ops.authenticate_token(valid) is None


def test_unknown_scope_refused(make_user):
    with pytest.raises(ValidationFailed):
        ops.create_api_token(make_user(Role.agent), SYSTEM, scopes={"root"})


def test_password_change_ends_sessions(make_user):
    user = make_user(Role.agent)
    session_id = user.get_id()
    assert ops.load_user_for_session(session_id) == user
    ops.set_password(user, "a brand new password", SYSTEM)
    assert ops.load_user_for_session(session_id) is None
    assert ops.load_user_for_session(user.get_id()) == user
    assert ops.load_user_for_session("garbage") is None


def test_deactivation_ends_sessions_and_revokes_tokens(make_user):
    user = make_user(Role.agent)
    session_id = user.get_id()
    _, plaintext = ops.create_api_token(user, SYSTEM)
    ops.deactivate_user(user, SYSTEM, reason="left the company")
    db.session.commit()
    assert ops.load_user_for_session(session_id) is None
    assert ops.authenticate_token(plaintext) is None
    assert ops.authenticate_local(user.email, "correct horse battery staple") is None


def test_role_change_ends_sessions_and_last_admin_is_kept(make_user):
    admin, agent = make_user(Role.admin), make_user(Role.agent)
    session_id = agent.get_id()
    assert ops.change_role_and_teams(agent, admin, role=Role.lead) == {"role": ("agent", "lead")}
    assert ops.load_user_for_session(session_id) is None
    with pytest.raises(Conflict, match="last active administrator"):
        ops.change_role_and_teams(admin, admin, role=Role.agent)
