from __future__ import annotations

import re

import pytest

from app import create_app
from app.auth.redirects import safe_next
from app.users.models import Role


def test_login_and_logout(client, make_user):
    user = make_user(Role.agent)
    response = client.post("/auth/login", data={"email": user.email, "password": "correct horse battery staple"})
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # goes on to the workspace
    client.post("/auth/logout")
    assert client.get("/").headers["Location"].startswith("/auth/login")


def test_wrong_password_is_401_with_message(client, make_user):
    user = make_user(Role.agent)
    response = client.post("/auth/login", data={"email": user.email, "password": "nope nope nope"})
    assert response.status_code == 401
    assert "not correct" in response.get_data(as_text=True)


def test_redirect_after_login_stays_on_our_site(client, make_user):
    user = make_user(Role.requester)
    response = client.post("/auth/login?next=https://evil.example/", data={
        "email": user.email, "password": "correct horse battery staple", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example", "/\\evil.example", "javascript:x", ""])
def test_safe_next_refuses_other_sites(target):
    assert safe_next(target, "/home") == "/home"


def test_safe_next_keeps_own_paths():
    assert safe_next("/tickets/?q=vpn", "/home") == "/tickets/?q=vpn"


def test_login_form_requires_csrf_token_in_real_app(app_config, make_user):
    real = create_app({**app_config, "WTF_CSRF_ENABLED": True, "TESTING": False})
    client = real.test_client()
    user = make_user(Role.agent)
    response = client.post("/auth/login", data={"email": user.email, "password": "correct horse battery staple"})
    assert response.status_code == 400 and "form expired" in response.get_data(as_text=True)
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/auth/login", data={
        "email": user.email, "password": "correct horse battery staple", "csrf_token": token})
    assert response.status_code == 302


def test_security_headers(client):
    response = client.get("/auth/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
