"""The login form with a real directory: local accounts first, then LDAP; clear errors when it is down."""

from __future__ import annotations

import sqlalchemy as sa

from app.auth.models import UserSession
from app.extensions import db
from app.users.models import AuthSource, Role, User
from tests.servers import free_port


def test_directory_user_signs_in_with_the_form(client, directory, password):
    response = client.post("/auth/login", data={"email": "alice", "password": password("alice")})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "alice@example.org"))
    assert user.auth_source is AuthSource.ldap
    assert db.session.scalar(sa.select(UserSession.method).where(UserSession.user_id == user.id)) == "ldap"
    assert client.get("/account/").status_code == 200


def test_wrong_directory_password_is_401(client, directory):
    response = client.post("/auth/login", data={"email": "alice", "password": "wrong password"})
    assert response.status_code == 401 and "not correct" in response.get_data(as_text=True)


def test_directory_down_is_a_503_page_but_break_glass_admin_signs_in(app, client, directory, password, monkeypatch,
                                                                     make_user, login):
    monkeypatch.setitem(app.config, "LDAP_URL", f"ldap://127.0.0.1:{free_port()}")
    response = client.post("/auth/login", data={"email": "alice", "password": password("alice")})
    assert response.status_code == 503 and "cannot be reached" in response.get_data(as_text=True)
    login(app.test_client(), make_user(Role.admin))  # local admin: no directory needed


def test_injection_in_the_login_form_signs_nobody_in(client, directory, password):
    response = client.post("/auth/login", data={"email": "*)(uid=*", "password": password("alice")})
    assert response.status_code == 401


def test_directory_email_taken_by_another_account_is_a_clear_409(client, directory, password, make_user):
    client.post("/auth/login", data={"email": "alice", "password": password("alice")})
    make_user(Role.requester, email="new.alice@example.org")
    directory.set("alice", mail="new.alice@example.org")
    other = client.application.test_client()
    response = other.post("/auth/login", data={"email": "alice", "password": password("alice")})
    assert response.status_code == 409 and "another account has" in response.get_data(as_text=True)
