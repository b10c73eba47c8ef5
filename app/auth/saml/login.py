"""SAML sign-in: the signed AuthnRequest, strict checks of the IdP's response, the profile it carries,
and just-in-time provisioning."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from saml2 import BINDING_HTTP_POST, samlp
from saml2.client import Saml2Client
from saml2.ident import code as code_name_id
from saml2.response import StatusError, UnsolicitedResponse
from saml2.saml import NAMEID_FORMAT_TRANSIENT, NAMEID_FORMAT_UNSPECIFIED
from saml2.sigver import SigverError
from saml2.validate import ResponseLifetimeExceed, ToEarly

from ...core.actors import SYSTEM
from ...core.clock import utcnow
from ...core.settings import get_setting
from ...extensions import db
from ...users.models import AuthSource, User
from ...users.operations import normalize_email
from ..models import SamlRequest
from ..provisioning import DirectoryProfile, find_user, provision_user
from .config import (
    DIGEST_ALG,
    SIGN_ALG,
    Outbound,
    SamlError,
    SamlSettings,
    endpoint,
    log,
    outbound,
    refuse,
    setup,
    signature_is_strong,
)

#: how long a started sign-in may take at the IdP
REQUEST_LIFETIME = timedelta(minutes=10)
#: request rows older than this are deleted when the next sign-in starts
PURGE_AFTER = timedelta(days=1)
TRUE_VALUES = {"1", "true", "yes", "y", "on"}


def begin_login(relay_state: str) -> Outbound:
    """A signed AuthnRequest; its id is remembered in the database with where to go afterwards."""
    s, client, idp = setup()
    binding, url = endpoint(client, idp, "single_sign_on_service") or (None, None)
    if url is None:
        raise SamlError(_("The identity provider has no sign-in address."), reason="idp has no sso", status=503)
    request_id, request = client.create_authn_request(
        url, binding=BINDING_HTTP_POST, nameid_format=s.nameid_format, sign=binding == BINDING_HTTP_POST,
        sign_alg=SIGN_ALG, digest_alg=DIGEST_ALG,
    )
    now = utcnow()
    db.session.execute(sa.delete(SamlRequest).where(SamlRequest.created_at < now - PURGE_AFTER))
    db.session.add(SamlRequest(id=request_id, relay_state=relay_state[:500], created_at=now))
    db.session.flush()
    return outbound(client, binding, str(request), url)


@dataclass
class SamlLogin:
    request_id: str
    relay_state: str | None
    #: the NameID with its qualifiers, coded (saml2.ident.code) for the logout request
    name_id_code: str
    session_index: str | None
    profile: DirectoryProfile


def _decode_post(encoded: str) -> str:
    try:
        return base64.b64decode(encoded, validate=False).decode("utf-8")
    except (binascii.Error, ValueError) as exc:
        raise SamlError(_("The sign-in response is not a SAML message."), reason="malformed") from exc


def consume_response(encoded: str | None) -> SamlLogin:
    """Verify a Response posted to the ACS and claim its request id (flushed; the caller commits)."""
    if not encoded:
        raise SamlError(_("The sign-in response is missing."), reason="no response")
    s, client, idp = setup()
    try:
        peek = samlp.response_from_string(_decode_post(encoded))
    except SamlError:
        raise
    except Exception as exc:
        raise SamlError(_("The sign-in response is not a SAML message."), reason="malformed") from exc
    if peek is None:
        raise SamlError(_("The sign-in response is not a SAML message."), reason="malformed")
    request_id = peek.in_response_to
    row = db.session.get(SamlRequest, request_id, populate_existing=True) if request_id else None
    if row is None:
        raise refuse("unsolicited")
    if row.used_at is not None:
        raise refuse("replayed")
    if utcnow() - row.created_at > REQUEST_LIFETIME:
        raise refuse("request expired")
    if peek.destination != s.acs_url:  # checked again below on the verified response
        raise refuse("wrong destination")
    authn = _parse(client, encoded, request_id, row.relay_state)
    _check_strictly(authn, s, idp, request_id)
    name_id = authn.name_id
    if name_id.format == NAMEID_FORMAT_TRANSIENT or (name_id.format or NAMEID_FORMAT_UNSPECIFIED) != s.nameid_format:
        raise refuse("name id format", subject=name_id.text)
    profile = profile_from(_attributes(authn.assertion), name_id.text, s)
    claimed = db.session.execute(
        sa.update(SamlRequest).where(SamlRequest.id == request_id, SamlRequest.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if claimed != 1:  # another process took it between our read and now
        raise refuse("replayed", subject=profile.email)
    statements = authn.assertion.authn_statement
    return SamlLogin(request_id=request_id, relay_state=row.relay_state, name_id_code=code_name_id(name_id),
                     session_index=statements[0].session_index if statements else None, profile=profile)


def _parse(client: Saml2Client, encoded: str, request_id: str, relay_state: str | None):
    try:
        authn = client.parse_authn_request_response(
            encoded, BINDING_HTTP_POST, outstanding={request_id: relay_state or ""})
    except StatusError as exc:
        raise SamlError(_("The identity provider did not sign you in."), reason="idp refused", status=403) from exc
    except UnsolicitedResponse as exc:
        raise refuse("unsolicited") from exc
    except ResponseLifetimeExceed as exc:
        raise refuse("expired") from exc
    except ToEarly as exc:
        raise refuse("not yet valid") from exc
    except SigverError as exc:
        raise refuse("bad signature") from exc
    except Exception as exc:  # pysaml2 raises bare Exceptions for several checks
        log.info("SAML response refused: %r", exc)
        reason = "wrong audience" if "AudienceRestriction" in str(exc) else "invalid response"
        raise refuse(reason) from exc
    if authn is None or authn.assertion is None or authn.name_id is None:
        raise refuse("invalid response")
    return authn


def _check_strictly(authn, s: SamlSettings, idp: str, request_id: str) -> None:
    response, assertion = authn.response, authn.assertion
    subject = authn.name_id.text if authn.name_id else None
    if not signature_is_strong(response.signature) or not signature_is_strong(assertion.signature):
        raise refuse("weak or missing signature", subject)
    issuers = [i.text.strip() for i in (response.issuer, assertion.issuer) if i is not None and i.text]
    if not issuers or any(i != idp for i in issuers) or assertion.issuer is None:
        raise refuse("wrong issuer", subject)
    if response.destination != s.acs_url:
        raise refuse("wrong destination", subject)
    conditions = assertion.conditions
    audiences = [a.text.strip() for r in (conditions.audience_restriction if conditions else []) for a in r.audience
                 if a.text]
    if s.entity_id not in audiences:
        raise refuse("wrong audience", subject)
    confirmations = [c.subject_confirmation_data for c in assertion.subject.subject_confirmation]
    if not confirmations or any(d is None or d.recipient != s.acs_url or d.in_response_to != request_id
                                for d in confirmations):
        raise refuse("wrong recipient", subject)
    if any(not d.not_on_or_after for d in confirmations):  # a bearer assertion must expire
        raise refuse("no expiry", subject)


def _attributes(assertion) -> dict[str, list[str]]:
    """Attribute values by Name and by FriendlyName, as the IdP sent them (no renaming)."""
    values: dict[str, list[str]] = {}
    for statement in assertion.attribute_statement:
        for attribute in statement.attribute:
            texts = [v.text.strip() for v in attribute.attribute_value if v.text and v.text.strip()]
            for key in {attribute.name, attribute.friendly_name} - {None, ""}:
                values.setdefault(key, []).extend(texts)
    return values


def profile_from(attributes: dict[str, list[str]], name_id: str, s: SamlSettings) -> DirectoryProfile:
    def first(field_name: str) -> str | None:
        for name in s.names_for(field_name):
            if attributes.get(name):
                return attributes[name][0]
        return None

    email = first("email")
    if not email or "@" not in email:
        raise refuse("no e-mail attribute", subject=name_id)
    groups = [g for name in s.names_for("groups") for g in attributes.get(name, [])]
    language = first("language")
    return DirectoryProfile(
        external_id=name_id, email=normalize_email(email), name=(first("name") or email.split("@")[0])[:200],
        department=first("department"), location=first("location"), phone=first("phone"),
        language=language.replace("_", "-")[:16] if language else None, manager=first("manager"),
        is_vip=(first("is_vip") or "").lower() in TRUE_VALUES, groups=list(dict.fromkeys(groups)),
    )


def provision_saml_user(login: SamlLogin) -> User:
    """Just-in-time create or update the user; role and teams follow the IdP groups (GroupMapping).

    An account deactivated here stays deactivated, and an existing account with the same e-mail is
    linked only if the admin setting allows it (provision_user raises Conflict otherwise)."""
    existing = find_user(AuthSource.saml, login.profile)
    if existing is not None and not existing.is_active_account:
        raise SamlError(_("Your account is deactivated. Ask an administrator."), reason="deactivated",
                        subject=login.profile.email, status=403)
    return provision_user(AuthSource.saml, login.profile, SYSTEM,
                          link_by_email=bool(get_setting("auth.saml_link_by_email")))


def burn_request(request_id: str) -> None:
    """Mark a request id used after a rollback, so a refused response cannot be tried again."""
    db.session.execute(sa.update(SamlRequest).where(SamlRequest.id == request_id, SamlRequest.used_at.is_(None))
                       .values(used_at=utcnow()))


