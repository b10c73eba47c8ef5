"""Single logout, signed both ways: we ask the IdP (SP-initiated) and the IdP asks us (IdP-initiated)."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from saml2 import BINDING_HTTP_POST
from saml2.samlp import STATUS_SUCCESS, STATUS_UNKNOWN_PRINCIPAL
from saml2.xmldsig import SIG_RSA_SHA256

from app.auth.models import UserSession
from app.core import signals
from app.extensions import db
from app.users.models import User

from ...saml_idp import SLO_REDIRECT, TestIdP, query
from .conftest import SLO_URL, SP_ENTITY_ID, alice, flashes, signed_in


def local(url: str) -> str:
    """The path and query of an absolute URL on our site, as the test client wants it."""
    parts = urlsplit(url)
    assert url.startswith(SLO_URL)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def sign_in(browser, idp, name_id="nameid-alice") -> UserSession:
    response = browser.get("/auth/saml/login")
    request = idp.receive_authn_request(response.headers["Location"])
    assert browser.post("/auth/saml/acs", data={
        "SAMLResponse": idp.login_response(request, name_id, alice())}).status_code == 302
    db.session.expire_all()
    return db.session.scalars(sa.select(UserSession).order_by(UserSession.created_at.desc())).first()


def fresh(row: UserSession) -> UserSession:
    db.session.expire_all()
    return db.session.get(UserSession, row.id_hash)


def test_sp_initiated_logout_ends_our_session_and_sends_a_signed_logout_request(client, idp):
    row = sign_in(client, idp)
    response = client.post("/auth/saml/logout")
    assert response.status_code == 303 and response.headers["Location"].startswith(SLO_REDIRECT + "?")
    assert query(response.headers["Location"])["SigAlg"] == SIG_RSA_SHA256
    request = idp.receive_logout_request(response.headers["Location"])  # the IdP verified our signature
    assert request.issuer.text == SP_ENTITY_ID
    assert request.name_id.text == "nameid-alice"
    assert [i.text for i in request.session_index] == [row.saml_session_index]
    assert fresh(row).revoked_at is not None and not signed_in(client)

    answer = idp.logout_response(request)
    back = client.get(local(answer.url))
    assert back.status_code == 302 and back.headers["Location"] == "/auth/login"
    assert "You are signed out." in flashes(client.get("/auth/login").get_data(as_text=True))


def test_logout_of_a_password_session_does_not_involve_the_idp(client, idp, make_user, login):
    login(client, make_user())
    response = client.post("/auth/saml/logout")
    assert response.headers["Location"] == "/auth/login" and not signed_in(client)


def test_idp_initiated_logout_ends_the_named_session_and_answers_signed(client, idp):
    laptop, phone = client, client.application.test_client()
    laptop_row, phone_row = sign_in(laptop, idp), sign_in(phone, idp)
    assert laptop_row.saml_session_index != phone_row.saml_session_index
    ended = []
    with signals.logged_out.connected_to(lambda user, reason, **_: ended.append((user.email, reason))):
        message = idp.logout_request(SP_ENTITY_ID, "nameid-alice", laptop_row.saml_session_index)
        response = laptop.get(local(message.url))
    assert response.status_code == 303 and response.headers["Location"].startswith(SLO_REDIRECT + "?")
    assert query(response.headers["Location"])["RelayState"] == "idp-state-1"
    answer = idp.receive_logout_response(response.headers["Location"])
    assert answer.status.status_code.value == STATUS_SUCCESS
    assert answer.issuer.text == SP_ENTITY_ID
    assert fresh(laptop_row).revoked_at is not None and not signed_in(laptop)
    assert fresh(phone_row).revoked_at is None and signed_in(phone)
    assert ended == [("alice.agent@example.org", "single logout")]


def test_idp_initiated_logout_without_session_index_ends_every_saml_session(client, idp):
    rows = [sign_in(client, idp), sign_in(client.application.test_client(), idp)]
    message = idp.logout_request(SP_ENTITY_ID, "nameid-alice", None, binding=BINDING_HTTP_POST)
    response = client.application.test_client().post(local(message.url), data=message.fields)
    assert response.status_code == 303
    assert idp.receive_logout_response(response.headers["Location"]).status.status_code.value == STATUS_SUCCESS
    assert all(fresh(r).revoked_at is not None for r in rows)


def test_unsigned_logout_request_is_refused(client, idp):
    row = sign_in(client, idp)
    for binding in ("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", BINDING_HTTP_POST):
        message = idp.logout_request(SP_ENTITY_ID, "nameid-alice", None, binding=binding, sign=False)
        response = client.get(local(message.url)) if message.fields is None else \
            client.post(local(message.url), data=message.fields)
        assert response.status_code == 403
    assert fresh(row).revoked_at is None and signed_in(client)


def test_logout_request_signed_by_another_key_is_refused(client, idp, tmp_path):
    row = sign_in(client, idp)
    impostor = TestIdP(tmp_path, name="impostor")
    impostor.trust_sp(client.get("/auth/saml/metadata").get_data(as_text=True))
    response = client.get(local(impostor.logout_request(SP_ENTITY_ID, "nameid-alice", None).url))
    assert response.status_code == 403
    assert fresh(row).revoked_at is None


def test_logout_request_for_an_unknown_name_id_answers_unknown_principal(client, idp):
    row = sign_in(client, idp)
    response = client.get(local(idp.logout_request(SP_ENTITY_ID, "nameid-nobody", None).url))
    answer = idp.receive_logout_response(response.headers["Location"])
    assert answer.status.status_code.value == STATUS_UNKNOWN_PRINCIPAL
    assert fresh(row).revoked_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_slo_without_a_message_is_a_400(client, idp):
    assert client.get("/auth/saml/slo").status_code == 400


def test_logout_garbage_is_a_4xx_not_a_500(client, idp):
    row = sign_in(client, idp)
    sig_alg = "http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256"
    for path in ("/auth/saml/slo?SAMLRequest=garbage", f"/auth/saml/slo?SAMLRequest=x&SigAlg={sig_alg}&Signature=%%%",
                 f"/auth/saml/slo?SAMLResponse=abc&SigAlg={sig_alg}&Signature=YWJj"):
        assert client.get(path).status_code in (400, 403), path
    assert client.post("/auth/saml/slo", data={"SAMLRequest": "bm90IHhtbA=="}).status_code in (400, 403)
    assert fresh(row).revoked_at is None
