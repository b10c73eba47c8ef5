"""Local accounts: lockout, TOTP two-factor with recovery codes, enforcement per role, own sessions and tokens."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import sqlalchemy as sa
import time_machine

from app.audit.queries import recent_events
from app.auth import local
from app.auth.models import RecoveryCode, UserSession
from app.core.clock import utcnow
from app.core.settings import set_setting
from app.extensions import db
from app.users.models import ApiToken, Role
from app.users.operations import authenticate_token

GOOD = "correct horse battery staple"


def _post_login(client, user, password=GOOD):
    return client.post("/auth/login", data={"email": user.email, "password": password})


def test_lockout_after_repeated_failures_then_unlocks(client, make_user):
    user = make_user(Role.agent)
    with time_machine.travel(utcnow(), tick=False) as traveller:
        for _ in range(5):
            assert _post_login(client, user, "wrong password!").status_code == 401
        locked = _post_login(client, user)  # even the right password is refused while locked
        assert locked.status_code == 429 and "locked" in locked.get_data(as_text=True)
        traveller.shift(timedelta(minutes=16))
        assert _post_login(client, user).status_code == 302
    reasons = [e.details.get("reason") for e in recent_events(action_prefix="auth.login_failed")]
    assert reasons.count("bad credentials") == 5 and "locked" in reasons


def test_empty_password_refused(client, make_user):
    user = make_user(Role.agent)
    assert _post_login(client, user, "").status_code in (400, 401)


def _enable_totp(user):
    secret = local.begin_totp(user)
    codes = local.confirm_totp(user, pyotp.TOTP(secret).now(), user)
    db.session.commit()
    return secret, codes


def test_totp_second_step(client, make_user):
    user = make_user(Role.agent)
    secret, _ = _enable_totp(user)
    response = _post_login(client, user)
    assert response.headers["Location"].startswith("/auth/2fa")
    assert client.get("/account/").status_code == 302  # not signed in yet
    assert client.post("/auth/2fa", data={"code": "000000"}).status_code == 401
    assert client.post("/auth/2fa", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert client.get("/account/").status_code == 200
    assert db.session.scalar(sa.select(UserSession.method).where(UserSession.user_id == user.id)) == "totp"


def test_recovery_code_works_once(app, make_user):
    user = make_user(Role.agent)
    _, codes = _enable_totp(user)
    assert len(codes) == 10 and db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 10
    first, second = app.test_client(), app.test_client()
    _post_login(first, user)
    assert first.post("/auth/2fa", data={"code": codes[0].upper()}).status_code == 302
    _post_login(second, user)
    assert second.post("/auth/2fa", data={"code": codes[0]}).status_code == 401


def test_second_step_expires(client, make_user):
    user = make_user(Role.agent)
    secret, _ = _enable_totp(user)
    with time_machine.travel(utcnow(), tick=False) as traveller:
        _post_login(client, user)
        traveller.shift(timedelta(minutes=6))
        response = client.post("/auth/2fa", data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"].startswith("/auth/login")


def test_admins_must_enrol_before_doing_anything(client, make_user):
    admin = make_user(Role.admin)
    assert _post_login(client, admin).headers["Location"] == "/account/2fa/setup"
    assert client.get("/tickets/").headers["Location"] == "/account/2fa/setup"
    page = client.get("/account/2fa/setup").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)
    assert 'src="data:image/svg+xml' in page
    assert client.post("/account/2fa/confirm", data={"code": "123456"}).status_code == 422
    done = client.post("/account/2fa/confirm", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and len(re.findall(r"<li><code>", done.get_data(as_text=True))) == 10
    assert client.get("/tickets/").status_code != 302 or "/account/2fa" not in client.get("/tickets/").headers.get(
        "Location", "")
    assert [e.action for e in recent_events(action_prefix="auth.2fa")] == ["auth.2fa_enabled"]


def test_enforcement_is_configurable(client, make_user):
    set_setting("auth.require_2fa_roles", ["admin", "agent"], None)
    db.session.commit()
    agent = make_user(Role.agent)
    assert _post_login(client, agent).headers["Location"] == "/account/2fa/setup"


def test_required_2fa_cannot_be_turned_off(client, make_user, login):
    set_setting("auth.require_2fa_roles", ["agent"], None)
    agent = make_user(Role.agent)
    _enable_totp(agent)
    assert client.post("/auth/login", data={"email": agent.email, "password": GOOD}).status_code == 302
    # finish the second step
    client.post("/auth/2fa", data={"code": pyotp.TOTP(agent.totp_secret).now()})
    assert client.post("/account/2fa/disable").status_code == 409
    assert agent.has_totp


def test_password_change_keeps_this_browser_and_ends_others(app, make_user, login):
    user = make_user(Role.agent)
    here, elsewhere = login(app.test_client(), user), login(app.test_client(), user)
    response = here.post("/account/password", data={"current": GOOD, "new": "a new long password",
                                                     "confirm": "a new long password"})
    assert response.status_code == 302
    assert here.get("/account/").status_code == 200
    assert elsewhere.get("/account/").status_code == 302
    assert here.post("/account/password", data={"current": "nope", "new": "x" * 12,
                                                "confirm": "x" * 12}).status_code == 400


def test_user_lists_and_revokes_own_sessions(app, make_user, login):
    user = make_user(Role.agent)
    here, elsewhere = login(app.test_client(), user), login(app.test_client(), user)
    page = here.get("/account/").get_data(as_text=True)
    assert page.count("/revoke\"") >= 1 and "this browser" in page
    assert here.post("/account/sessions/revoke-others").status_code == 302
    assert elsewhere.get("/account/").status_code == 302 and here.get("/account/").status_code == 200


def test_user_creates_and_revokes_token(client, make_user, login):
    user = make_user(Role.agent)
    login(client, user)
    page = client.post("/account/tokens", data={"name": "CI", "scopes": ["read"], "expires_in_days": "30"})
    plaintext = re.search(r'value="(sdk_[^"]+)"', page.get_data(as_text=True)).group(1)
    token = authenticate_token(plaintext)
    assert token.name == "CI" and token.scope_set == {"read"} and token.expires_at > utcnow() + timedelta(days=29)
    assert client.post("/account/tokens", data={"name": "x", "scopes": ["admin"]}).status_code == 403
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert authenticate_token(plaintext) is None


def test_cannot_revoke_someone_elses_token_or_session(client, make_user, login):
    owner, other = make_user(Role.agent), make_user(Role.agent)
    token = ApiToken(user_id=owner.id, name="x", prefix="sdk_x", token_hash="0" * 64)
    db.session.add(token)
    db.session.commit()
    login(client, other)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert client.post("/account/sessions/" + "a" * 64 + "/revoke").status_code == 404
