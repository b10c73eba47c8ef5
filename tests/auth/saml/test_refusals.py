"""Responses the ACS must refuse: each is a clear 4xx page, signs nobody in, creates nobody, and is
reported through signals.login_failed with a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from saml2.xmldsig import DIGEST_SHA1, SIG_RSA_SHA1

from app.auth.models import SamlRequest
from app.extensions import db
from app.users.models import User

from ...saml_idp import TestIdP
from .conftest import alice, replace_in_signed, signed_in


def assert_refused(response, client, failures, reason: str, status: int = 403):
    page = response.get_data(as_text=True)
    assert response.status_code == status, page[-600:]
    assert 'role="alert"' in page  # the error page says why
    assert not signed_in(client)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    assert failures and failures[-1][1] == f"saml: {reason}", failures


def test_tampered_attribute_breaks_the_signature(client, idp, start_login, post_response, failures):
    signed = idp.login_response(start_login(), "nameid-alice", alice())
    forged = replace_in_signed(signed, "Alice.Agent@Example.org", "admin@example.org")
    assert_refused(post_response(forged), client, failures, "bad signature")


def test_unsigned_response_is_refused(client, idp, start_login, post_response, failures):
    saml_response = idp.login_response(start_login(), "nameid-alice", alice(), sign_response=False)
    assert_refused(post_response(saml_response), client, failures, "bad signature")


def test_unsigned_assertion_is_refused(client, idp, start_login, post_response, failures):
    saml_response = idp.login_response(start_login(), "nameid-alice", alice(), sign_assertion=False)
    assert_refused(post_response(saml_response), client, failures, "bad signature")


def test_response_signed_by_another_key_is_refused(client, idp, start_login, post_response, failures, tmp_path):
    impostor = TestIdP(tmp_path, name="impostor")  # same entity id, its own key, not in our metadata
    impostor.trust_sp(client.get("/auth/saml/metadata").get_data(as_text=True))
    saml_response = idp.login_response(start_login(), "nameid-alice", alice(), signer=impostor)
    assert_refused(post_response(saml_response), client, failures, "bad signature")


def test_sha1_signatures_are_refused(client, idp, start_login, post_response, failures):
    saml_response = idp.login_response(start_login(), "nameid-alice", alice(), sign_alg=SIG_RSA_SHA1,
                                       digest_alg=DIGEST_SHA1)
    assert_refused(post_response(saml_response), client, failures, "weak or missing signature")


def test_the_same_response_twice_is_a_replay(client, idp, start_login, post_response, failures):
    saml_response = idp.login_response(start_login(), "nameid-alice", alice())
    assert post_response(saml_response).status_code == 302
    attacker = client.application.test_client()
    response = post_response(saml_response, on=attacker)
    assert response.status_code == 403 and "already used" in response.get_data(as_text=True)
    assert not signed_in(attacker)
    assert failures == [("saml", "saml: replayed")]


def test_a_second_response_to_the_same_request_is_refused(client, idp, start_login, post_response, failures):
    request = start_login()
    assert post_response(idp.login_response(request, "nameid-alice", alice())).status_code == 302
    attacker = client.application.test_client()
    response = post_response(idp.login_response(request, "nameid-mallory", alice(mail=["m@example.org"])),
                             on=attacker)
    assert response.status_code == 403 and not signed_in(attacker)
    assert db.session.scalar(sa.select(User).where(User.external_id == "nameid-mallory")) is None
    assert failures[-1][1] == "saml: replayed"


def test_expired_response_is_refused(client, idp, start_login, post_response, failures):
    saml_response = idp.login_response(start_login(), "nameid-alice", alice())  # valid for 5 minutes
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=8)):  # + 2 minutes of clock skew
        assert_refused(post_response(saml_response), client, failures, "expired")


def test_a_response_within_the_clock_skew_is_accepted(client, idp, start_login, post_response):
    saml_response = idp.login_response(start_login(), "nameid-alice", alice())
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=6)):
        assert post_response(saml_response).status_code == 302


def test_a_sign_in_that_took_too_long_is_refused(client, idp, start_login, post_response, failures):
    request = start_login()
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=11)):
        saml_response = idp.login_response(request, "nameid-alice", alice())  # fresh, but the request is old
        assert_refused(post_response(saml_response), client, failures, "request expired")


def _audience(message):
    message.assertion[0].conditions.audience_restriction[0].audience[0].text = "https://other-sp.example/"


def _no_audience(message):
    message.assertion[0].conditions.audience_restriction = []


def _destination(message):
    message.destination = "https://other-sp.example/acs"


def _no_destination(message):
    message.destination = None


def _recipient(message):
    message.assertion[0].subject.subject_confirmation[0].subject_confirmation_data.recipient = \
        "https://other-sp.example/acs"


def _issuer(message):
    message.assertion[0].issuer.text = "https://other-idp.example/"


def _transient(message):
    message.assertion[0].subject.name_id.format = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"


def _no_expiry(message):
    message.assertion[0].subject.subject_confirmation[0].subject_confirmation_data.not_on_or_after = None


@pytest.mark.parametrize("mutate, reason", [
    (_audience, "wrong audience"),
    (_no_audience, "wrong audience"),
    (_destination, "wrong destination"),
    (_no_destination, "wrong destination"),
    (_recipient, "wrong recipient"),
    (_issuer, "bad signature"),  # no key for that issuer in our metadata
    (_transient, "name id format"),  # a new identity at every sign-in
    (_no_expiry, "no expiry"),  # bearer confirmation without NotOnOrAfter
], ids=["audience", "no-audience", "destination", "no-destination", "recipient", "issuer", "transient", "no-expiry"])
def test_correctly_signed_response_meant_for_someone_else_is_refused(
        client, idp, start_login, post_response, failures, mutate, reason):
    saml_response = idp.login_response(start_login(), "nameid-alice", alice(), mutate=mutate)
    assert_refused(post_response(saml_response), client, failures, reason)


def _unsolicited(message):
    message.in_response_to = None
    message.assertion[0].subject.subject_confirmation[0].subject_confirmation_data.in_response_to = None


def _unknown_request(message):
    message.in_response_to = "id-we-never-sent"
    message.assertion[0].subject.subject_confirmation[0].subject_confirmation_data.in_response_to = \
        "id-we-never-sent"


@pytest.mark.parametrize("mutate", [_unsolicited, _unknown_request], ids=["no-in-response-to", "unknown-id"])
def test_unsolicited_responses_are_refused(client, idp, start_login, post_response, failures, mutate):
    saml_response = idp.login_response(start_login(), "nameid-alice", alice(), mutate=mutate)
    response = post_response(saml_response)
    assert "not asked for" in response.get_data(as_text=True)
    assert_refused(response, client, failures, "unsolicited")


def test_subject_confirmation_for_another_request_is_refused(client, idp, start_login, post_response, failures):
    other = start_login()
    saml_response = idp.login_response(start_login(), "nameid-alice", alice(), mutate=lambda m: setattr(
        m.assertion[0].subject.subject_confirmation[0].subject_confirmation_data, "in_response_to", other.id))
    assert_refused(post_response(saml_response), client, failures, "unsolicited")
    assert db.session.get(SamlRequest, other.id).used_at is None


def test_response_without_email_is_refused(client, idp, start_login, post_response, failures):
    attributes = alice()
    del attributes["mail"]
    assert_refused(post_response(idp.login_response(start_login(), "nameid-alice", attributes)), client, failures,
                   "no e-mail attribute")


@pytest.mark.parametrize("body, reason", [
    ({}, "no response"), ({"SAMLResponse": "not base64 at all!"}, "malformed"),
    ({"SAMLResponse": "PGZvbz48L2Zvbz4="}, "malformed"),  # <foo></foo>
])
def test_garbage_is_a_400_not_a_500(client, saml_config, failures, body, reason):
    response = client.post("/auth/saml/acs", data=body)
    assert response.status_code == 400
    assert failures == [("saml", f"saml: {reason}")]


def test_refused_request_ids_cannot_be_retried(client, idp, start_login, post_response, make_user):
    """A response refused after its id was claimed (here: e-mail taken) burns the id."""
    make_user(email="alice.agent@example.org")
    request = start_login()
    assert post_response(idp.login_response(request, "nameid-alice", alice())).status_code == 409
    db.session.expire_all()
    assert db.session.get(SamlRequest, request.id).used_at is not None
