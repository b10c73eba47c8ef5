"""Sign-in through a real pysaml2 IdP: signed AuthnRequest, just-in-time provisioning, group mapping."""

from __future__ import annotations

import base64
import re

import sqlalchemy as sa
from saml2 import BINDING_HTTP_POST
from saml2.xmldsig import SIG_RSA_SHA256

from app import create_app
from app.auth.models import SamlRequest, UserSession
from app.core.settings import set_setting
from app.extensions import db
from app.users.models import AuthSource, Role, User

from ...saml_idp import SSO_POST, SSO_REDIRECT, TestIdP, query
from .conftest import SP_ENTITY_ID, alice, signed_in


def saml_user(name_id: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.external_id == name_id))


def test_login_sends_a_sha256_signed_authn_request_and_remembers_its_id(client, idp):
    response = client.get("/auth/saml/login?next=/tickets/42")
    assert response.status_code == 303 and response.headers["Location"].startswith(SSO_REDIRECT + "?")
    params = query(response.headers["Location"])
    assert params["SigAlg"] == SIG_RSA_SHA256 and params["Signature"]
    request = idp.receive_authn_request(response.headers["Location"])  # the IdP verified the signature
    assert request.issuer.text == SP_ENTITY_ID
    assert request.name_id_policy.format == "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    row = db.session.get(SamlRequest, request.id)
    assert row.relay_state == "/tickets/42" and row.used_at is None


def test_login_keeps_next_only_if_it_is_our_own_path(client, idp, start_login):
    request = start_login(next_path="https://evil.example/")
    assert db.session.get(SamlRequest, request.id).relay_state == "/"


def test_successful_sign_in_creates_the_user_with_mapped_attributes_role_and_team(
        client, idp, start_login, post_response, mappings):
    request = start_login(next_path="/tickets/42")
    response = post_response(idp.login_response(request, "nameid-alice", alice(groups=["sd-agents", "Network-Team",
                                                                                       "sd-admins"])))
    assert response.status_code == 302 and response.headers["Location"] == "/tickets/42"
    user = saml_user("nameid-alice")
    assert (user.email, user.name, user.auth_source) == ("alice.agent@example.org", "Alice Agent", AuthSource.saml)
    assert (user.department, user.location, user.phone, user.language, user.is_vip) == (
        "IT", "Berlin", "+49 30 1234", "de", True)
    assert user.role is Role.agent  # sd-admins is mapped for LDAP only
    assert [t.name for t in user.teams] == ["Network"]
    assert user.password_hash is None
    assert signed_in(client)
    row = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == user.id))
    assert row.method == "saml" and row.saml_session_index
    assert db.session.get(SamlRequest, request.id).used_at is not None


def test_next_sign_in_updates_the_profile_and_role_from_the_idp(client, idp, start_login, post_response, mappings):
    post_response(idp.login_response(start_login(), "nameid-alice", alice()))
    second = client.application.test_client()  # another browser, a day later
    response = post_response(idp.login_response(start_login(on=second), "nameid-alice",
                                                alice(department=["Finance"], groups=[], isVip=["false"])), on=second)
    assert response.status_code == 302
    user = saml_user("nameid-alice")
    assert (user.department, user.is_vip, user.role, user.teams) == ("Finance", False, Role.requester, [])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_existing_local_account_is_not_linked_by_email(client, idp, start_login, post_response, make_user,
                                                      failures):
    local = make_user(Role.admin, email="alice.agent@example.org")
    response = post_response(idp.login_response(start_login(), "nameid-alice", alice()))
    assert response.status_code == 409
    assert "already exists" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (local.auth_source, local.external_id, local.role) == (AuthSource.local, None, Role.admin)
    assert not signed_in(client)
    assert failures == [("alice.agent@example.org", "saml: not linked")]


def test_existing_local_account_is_linked_when_the_admin_allows_it(client, idp, start_login, post_response,
                                                                  make_user, mappings):
    local = make_user(Role.requester, email="alice.agent@example.org")
    set_setting("auth.saml_link_by_email", True, actor_id=None)
    db.session.commit()
    response = post_response(idp.login_response(start_login(), "nameid-alice", alice()))
    assert response.status_code == 302
    user = saml_user("nameid-alice")
    assert user.id == local.id and user.auth_source is AuthSource.saml and user.role is Role.agent
    assert signed_in(client)


def test_a_user_deactivated_here_stays_out(client, idp, start_login, post_response, failures):
    post_response(idp.login_response(start_login(), "nameid-alice", alice()))
    user = saml_user("nameid-alice")
    user.is_active_account = False
    db.session.commit()
    other = client.application.test_client()
    response = post_response(idp.login_response(start_login(on=other), "nameid-alice", alice()), on=other)
    assert response.status_code == 403 and "deactivated" in response.get_data(as_text=True)
    assert saml_user("nameid-alice").is_active_account is False
    assert failures[-1] == ("alice.agent@example.org", "saml: deactivated")


def test_response_may_arrive_at_another_app_process(client, idp, start_login, app_config, saml_config):
    """No in-memory state: the request started on one process is consumed by another."""
    other_process = create_app({**app_config, **saml_config})
    try:
        request = start_login()
        browser = other_process.test_client()
        response = browser.post("/auth/saml/acs", data={
            "SAMLResponse": idp.login_response(request, "nameid-alice", alice())})
        assert response.status_code == 302
        assert saml_user("nameid-alice") is not None
    finally:
        with other_process.app_context():
            db.engine.dispose()


def test_encrypted_assertions_are_accepted(client, idp, start_login, post_response):
    """ADFS encrypts assertions when the SP publishes a certificate."""
    saml_response = idp.login_response(start_login(), "nameid-alice", alice(), encrypt=True)
    assert b"EncryptedAssertion" in base64.b64decode(saml_response)
    assert post_response(saml_response).status_code == 302
    assert saml_user("nameid-alice").email == "alice.agent@example.org"


def test_idp_with_post_binding_only_gets_a_form_to_continue(client, app, saml_config, saml_files, tmp_path,
                                                            post_response):
    post_only = TestIdP(tmp_path, name="idp-post", sso_bindings=(BINDING_HTTP_POST,))
    app.config["SAML_IDP_METADATA_FILE"] = post_only.write_metadata(tmp_path / "post-idp.xml")
    post_only.trust_sp(client.get("/auth/saml/metadata").get_data(as_text=True))
    response = client.get("/auth/saml/login?next=/portal/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and f'action="{SSO_POST}"' in page
    assert "form-action 'self' https://idp.example.test" in response.headers["Content-Security-Policy"]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]+)">', page))
    signed_xml = base64.b64decode(fields["SAMLRequest"])
    assert SIG_RSA_SHA256.encode() in signed_xml and b"xmlenc#sha256" in signed_xml
    request = post_only.receive_authn_request(SSO_POST, form=fields)  # verifies the embedded signature
    assert post_response(post_only.login_response(request, "nameid-bob", alice(mail=["bob@example.org"]))) \
        .headers["Location"] == "/portal/"


def test_with_csrf_on_the_idp_can_post_to_the_acs_but_logout_needs_a_token(client, idp, app_config, saml_config):
    real = create_app({**app_config, **saml_config, "WTF_CSRF_ENABLED": True, "TESTING": False})
    try:
        browser = real.test_client()
        request = idp.receive_authn_request(browser.get("/auth/saml/login").headers["Location"])
        response = browser.post("/auth/saml/acs", data={
            "SAMLResponse": idp.login_response(request, "nameid-alice", alice())})
        assert response.status_code == 302
        assert browser.post("/auth/saml/logout").status_code == 400  # no CSRF token
    finally:
        with real.app_context():
            db.engine.dispose()
