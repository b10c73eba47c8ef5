from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import time_machine

from app.auth.models import UserSession
from app.core.actors import SYSTEM
from app.core.clock import utcnow
from app.core.settings import set_setting
from app.extensions import db
from app.users.models import Role
from app.users.operations import set_password


def _signed_in(client) -> bool:
    return client.get("/").status_code == 302 and "/auth/login" not in client.get("/").headers["Location"]


def test_login_records_a_session_and_logout_ends_it(client, make_user, login):
    user = make_user(Role.agent)
    login(client, user)
    row = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == user.id))
    assert row.method == "password" and row.revoked_at is None and _signed_in(client)
    client.post("/auth/logout")
    db.session.refresh(row)
    assert row.revoked_reason == "logout" and not _signed_in(client)


def test_revoked_session_row_signs_the_browser_out(client, make_user, login):
    user = make_user(Role.agent)
    login(client, user)
    db.session.execute(sa.update(UserSession).values(revoked_at=utcnow(), revoked_reason="revoked by admin"))
    db.session.commit()
    assert not _signed_in(client)


def test_idle_timeout(client, make_user, login):
    user = make_user(Role.agent)
    set_setting("auth.idle_timeout_minutes", 30, None)
    db.session.commit()
    with time_machine.travel(utcnow(), tick=True) as traveller:
        login(client, user)
        traveller.shift(timedelta(minutes=20))
        assert _signed_in(client)  # activity keeps it alive
        traveller.shift(timedelta(minutes=29))
        assert _signed_in(client)
        traveller.shift(timedelta(minutes=31))
        assert not _signed_in(client)
    row = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == user.id))
    assert row.revoked_reason == "timed out"


def test_absolute_timeout(client, make_user, login):
    user = make_user(Role.agent)
    with time_machine.travel(utcnow(), tick=True) as traveller:
        login(client, user)
        for _ in range(13):
            traveller.shift(timedelta(minutes=59))
            client.get("/")
        assert not _signed_in(client)  # 12 h default, however active


def test_password_change_ends_every_session(app, make_user, login):
    user = make_user(Role.agent)
    first, second = login(app.test_client(), user), login(app.test_client(), user)
    set_password(user, "another long password", SYSTEM)
    db.session.commit()
    assert not _signed_in(first) and not _signed_in(second)
    rows = db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)).all()
    assert len(rows) == 2 and all(r.revoked_reason == "password changed" for r in rows)


def test_session_cookie_flags(client, make_user):
    user = make_user(Role.agent)
    response = client.post("/auth/login", data={"email": user.email, "password": "correct horse battery staple"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
