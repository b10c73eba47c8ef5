"""SAML single logout, signed both ways: our LogoutRequest to the IdP, and the IdP's LogoutRequest to us
(answered with a LogoutResponse). Also the IdP's LogoutResponse to ours."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

import sqlalchemy as sa
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask_babel import gettext as _
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, samlp
from saml2.client import Saml2Client
from saml2.ident import decode as decode_name_id
from saml2.s_utils import success_status_factory
from saml2.samlp import STATUS_UNKNOWN_PRINCIPAL

from ...core.clock import utcnow
from ...extensions import db
from ...users.models import AuthSource, User
from ..models import UserSession
from .config import (
    DIGEST_ALG,
    SIGN_ALG,
    STRONG_SIG_ALGS,
    Outbound,
    SamlError,
    endpoint,
    outbound,
    setup,
    signature_is_strong,
)


def refuse(reason: str, status: int = 403) -> SamlError:
    return SamlError(_("The logout message was refused (%(reason)s).", reason=reason), reason=reason,
                     status=status)


def begin_logout(name_id_code: str, session_index: str | None) -> Outbound | None:
    """A signed LogoutRequest for the IdP, or None if the IdP has no logout endpoint."""
    _s, client, idp = setup()
    found = endpoint(client, idp, "single_logout_service")
    if found is None:
        return None
    binding, url = found
    _, request = client.create_logout_request(
        url, idp, name_id=decode_name_id(name_id_code), session_indexes=[session_index] if session_index else None,
        sign=binding == BINDING_HTTP_POST, sign_alg=SIGN_ALG, digest_alg=DIGEST_ALG,
    )
    return outbound(client, binding, str(request), url)


def _verify_redirect_signature(client: Saml2Client, idp: str, raw_query: str, kind: str) -> None:
    """HTTP-Redirect binding: the signature covers the query parameters exactly as they were sent."""
    params = dict(part.split("=", 1) for part in raw_query.split("&") if "=" in part)
    sig_alg = unquote_plus(params.get("SigAlg", ""))
    if kind not in params or "Signature" not in params or sig_alg not in STRONG_SIG_ALGS:
        raise refuse("unsigned logout message")
    signed = "&".join(f"{k}={params[k]}" for k in (kind, "RelayState", "SigAlg") if k in params).encode()
    try:
        signature = base64.b64decode(unquote_plus(params["Signature"]))
    except (binascii.Error, ValueError) as exc:
        raise refuse("bad signature") from exc
    for _name, cert in client.metadata.certs(idp, "idpsso", "signing"):
        key = x509.load_der_x509_certificate(base64.b64decode(cert)).public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            continue
        try:
            key.verify(signature, signed, padding.PKCS1v15(), STRONG_SIG_ALGS[sig_alg]())
            return
        except InvalidSignature:
            continue
    raise refuse("bad signature")


def _verified_message(client: Saml2Client, idp: str, binding: str, encoded: str, raw_query: str, kind: str):
    """Signature and issuer of an SLO message: query signature (Redirect) or XML signature (POST)."""
    if binding == BINDING_HTTP_REDIRECT:
        _verify_redirect_signature(client, idp, raw_query, kind)
    check = client.sec.correctly_signed_logout_request if kind == "SAMLRequest" else \
        client.sec.correctly_signed_logout_response
    try:
        xml = client.unravel(encoded, binding, "request" if kind == "SAMLRequest" else "response")
    except Exception as exc:
        raise refuse("malformed", status=400) from exc
    try:
        message = check(xml, must=binding == BINDING_HTTP_POST)
    except Exception as exc:
        raise refuse("bad signature") from exc
    if binding == BINDING_HTTP_POST and not signature_is_strong(message.signature):
        raise refuse("weak or missing signature")
    if message.issuer is None or (message.issuer.text or "").strip() != idp:
        raise refuse("wrong issuer")
    return message


def handle_logout_request(binding: str, encoded: str, raw_query: str, relay_state: str | None):
    """IdP-initiated logout: end the matching sessions and answer with a signed LogoutResponse.

    Returns (the user or None, how many sessions ended, the Outbound response)."""
    s, client, idp = setup()
    message = _verified_message(client, idp, binding, encoded, raw_query, "SAMLRequest")
    if message.destination != s.slo_url:
        raise refuse("wrong destination")
    name_id = message.name_id.text if message.name_id is not None else None
    user = db.session.scalar(sa.select(User).where(User.auth_source == AuthSource.saml,
                                                   User.external_id == name_id)) if name_id else None
    ended = end_saml_sessions(user, [i.text for i in message.session_index if i.text]) if user else 0
    status = success_status_factory() if user else samlp.Status(
        status_code=samlp.StatusCode(value=STATUS_UNKNOWN_PRINCIPAL))
    found = endpoint(client, idp, "single_logout_service", response=True)
    if found is None:
        raise refuse("idp has no logout endpoint", status=400)
    binding, url = found
    response = client.create_logout_response(message, bindings=[binding], status=status,
                                             sign=binding == BINDING_HTTP_POST, sign_alg=SIGN_ALG,
                                             digest_alg=DIGEST_ALG)
    return user, ended, outbound(client, binding, str(response), url, is_response=True, relay_state=relay_state)


def handle_logout_response(binding: str, encoded: str, raw_query: str) -> bool:
    """The IdP's answer to our LogoutRequest; True if it reports success."""
    s, client, idp = setup()
    message = _verified_message(client, idp, binding, encoded, raw_query, "SAMLResponse")
    if message.destination != s.slo_url:
        raise refuse("wrong destination")
    return message.status is not None and message.status.status_code.value == samlp.STATUS_SUCCESS


def end_saml_sessions(user: User, session_indexes: list[str]) -> int:
    """End the user's SAML sessions named by the IdP (all of them if it names none)."""
    stmt = sa.update(UserSession).where(
        UserSession.user_id == user.id, UserSession.method == "saml", UserSession.revoked_at.is_(None)
    ).values(revoked_at=utcnow(), revoked_reason="single logout")
    if session_indexes:
        stmt = stmt.where(UserSession.saml_session_index.in_(session_indexes))
    count = db.session.execute(stmt).rowcount
    db.session.flush()
    return count
