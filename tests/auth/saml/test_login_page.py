"""The login page offers SSO when SAML is configured; signing out of a SAML session goes through the IdP."""

from __future__ import annotations

from .test_logout import SLO_REDIRECT, sign_in


def test_login_page_links_to_sso_only_when_configured(app, client, idp):
    page = client.get("/auth/login?next=/tickets/").get_data(as_text=True)
    assert "/auth/saml/login?next=/tickets/" in page


def test_no_sso_link_without_configuration(client):
    assert "/auth/saml/login" not in client.get("/auth/login").get_data(as_text=True)


def test_sign_out_button_of_a_saml_session_logs_out_at_the_idp(client, idp):
    sign_in(client, idp)
    response = client.post("/auth/logout")
    assert response.status_code == 307 and response.headers["Location"] == "/auth/saml/logout"
    followed = client.post(response.headers["Location"])
    assert followed.headers["Location"].startswith(SLO_REDIRECT + "?")
