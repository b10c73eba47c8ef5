"""SAML configuration from deploy-time keys, the pysaml2 client, and what login and logout share."""

from __future__ import annotations

import base64
import logging
import os
import shutil
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from flask import current_app
from flask_babel import gettext as _
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.s_utils import UnsupportedBinding
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT
from saml2.xmldsig import DIGEST_SHA256, DIGEST_SHA384, DIGEST_SHA512, SIG_RSA_SHA256, SIG_RSA_SHA384, SIG_RSA_SHA512

from ...core.errors import ConfigError, ServicedeskError

log = logging.getLogger(__name__)

SIGN_ALG, DIGEST_ALG = SIG_RSA_SHA256, DIGEST_SHA256
STRONG_SIG_ALGS = {SIG_RSA_SHA256: hashes.SHA256, SIG_RSA_SHA384: hashes.SHA384, SIG_RSA_SHA512: hashes.SHA512}
STRONG_DIGEST_ALGS = {DIGEST_SHA256, DIGEST_SHA384, DIGEST_SHA512}
#: profile field -> config key holding the accepted SAML attribute names (Name or FriendlyName)
ATTRIBUTE_KEYS = {
    "email": "SAML_ATTR_EMAIL", "name": "SAML_ATTR_NAME", "department": "SAML_ATTR_DEPARTMENT",
    "location": "SAML_ATTR_LOCATION", "phone": "SAML_ATTR_PHONE", "language": "SAML_ATTR_LANGUAGE",
    "manager": "SAML_ATTR_MANAGER", "groups": "SAML_ATTR_GROUPS", "is_vip": "SAML_ATTR_VIP",
}


class SamlError(ServicedeskError):
    """A refused SAML message; ``reason`` is short and goes to the audit log."""

    status = 400
    code = "saml_refused"

    def __init__(self, message: str, reason: str, subject: str | None = None, status: int | None = None):
        super().__init__(message)
        self.reason, self.subject = reason, subject
        if status is not None:
            self.status = status


# --- configuration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SamlSettings:
    idp_metadata_file: str
    sp_key_file: str
    sp_cert_file: str
    base_url: str
    entity_id: str
    idp_entity_id: str
    clock_skew: int
    nameid_format: str
    attributes: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def acs_url(self) -> str:
        return f"{self.base_url}/auth/saml/acs"

    @property
    def slo_url(self) -> str:
        return f"{self.base_url}/auth/saml/slo"

    def names_for(self, field_name: str) -> tuple[str, ...]:
        return dict(self.attributes)[field_name]


def is_enabled(config=None) -> bool:
    return bool((config or current_app.config).get("SAML_IDP_METADATA_FILE"))


def load_settings(config=None) -> SamlSettings:
    c = config or current_app.config
    if not is_enabled(c):
        raise SamlError(_("Single sign-on is not set up."), reason="saml not configured", status=404)
    base_url = str(c["BASE_URL"]).rstrip("/")
    return SamlSettings(
        idp_metadata_file=str(c["SAML_IDP_METADATA_FILE"]),
        sp_key_file=str(c.get("SAML_SP_KEY_FILE") or ""),
        sp_cert_file=str(c.get("SAML_SP_CERT_FILE") or ""),
        base_url=base_url,
        entity_id=str(c.get("SAML_SP_ENTITY_ID") or f"{base_url}/auth/saml/metadata"),
        idp_entity_id=str(c.get("SAML_IDP_ENTITY_ID") or ""),
        clock_skew=int(c.get("SAML_CLOCK_SKEW_SECONDS", 120)),
        nameid_format=str(c.get("SAML_NAMEID_FORMAT") or NAMEID_FORMAT_PERSISTENT),
        attributes=tuple((f, tuple(str(c.get(key) or "").split())) for f, key in ATTRIBUTE_KEYS.items()),
    )


def check_config(config) -> None:
    """Start-up check: with SAML on, the key, certificate and IdP metadata files must be readable."""
    if not is_enabled(config):
        return
    s = load_settings(config)
    for key, path in (("SAML_IDP_METADATA_FILE", s.idp_metadata_file), ("SAML_SP_KEY_FILE", s.sp_key_file),
                      ("SAML_SP_CERT_FILE", s.sp_cert_file)):
        if not path or not os.access(path, os.R_OK):
            raise ConfigError(f"SERVICEDESK_{key} must name a readable file when SAML is on (got {path!r})")
    if s.nameid_format == NAMEID_FORMAT_TRANSIENT:
        raise ConfigError("SERVICEDESK_SAML_NAMEID_FORMAT must be a stable format, not transient")
    if not s.names_for("email"):
        raise ConfigError("SERVICEDESK_SAML_ATTR_EMAIL must name the e-mail attribute")
    idp_entity_id(make_client(s), s)


def _sp_config_dict(s: SamlSettings) -> dict:
    return {
        "entityid": s.entity_id,
        "key_file": s.sp_key_file,
        "cert_file": s.sp_cert_file,
        # Some IdPs (ADFS) encrypt assertions when the SP publishes a certificate; accept that too.
        "encryption_keypairs": [{"key_file": s.sp_key_file, "cert_file": s.sp_cert_file}],
        "metadata": {"local": [s.idp_metadata_file]},
        "accepted_time_diff": s.clock_skew,
        "allow_unknown_attributes": True,
        "xmlsec_binary": shutil.which("xmlsec1"),
        "service": {"sp": {
            "endpoints": {
                "assertion_consumer_service": [(s.acs_url, BINDING_HTTP_POST)],
                "single_logout_service": [(s.slo_url, BINDING_HTTP_REDIRECT), (s.slo_url, BINDING_HTTP_POST)],
            },
            "authn_requests_signed": True,
            "logout_requests_signed": True,
            "logout_responses_signed": True,
            "want_response_signed": True,
            "want_assertions_signed": True,
            "want_assertions_or_response_signed": True,
            "allow_unsolicited": False,
            "name_id_format": [s.nameid_format],
            "name_id_policy_format": s.nameid_format,
            "name_id_format_allow_create": True,
            "signing_algorithm": SIGN_ALG,
            "digest_algorithm": DIGEST_ALG,
        }},
    }


_config_cache: dict = {}


def _load_config(s: SamlSettings) -> SPConfig:
    """The parsed pysaml2 configuration, reused until a setting or one of the files changes."""
    stamp = (s, *(os.stat(p).st_mtime_ns if os.path.exists(p) else 0
                  for p in (s.idp_metadata_file, s.sp_key_file, s.sp_cert_file)))
    if _config_cache.get("stamp") != stamp:
        try:
            conf = SPConfig().load(_sp_config_dict(s))
        except Exception as exc:
            raise ConfigError(f"cannot load the SAML configuration: {exc}") from exc
        _config_cache.update(stamp=stamp, conf=conf)
    return _config_cache["conf"]


def make_client(s: SamlSettings) -> Saml2Client:
    """A fresh pysaml2 client per use: its in-memory caches (users, state) are never relied on."""
    client = Saml2Client(config=_load_config(s))
    client.signing_algorithm, client.digest_algorithm = SIGN_ALG, DIGEST_ALG
    return client


def idp_entity_id(client: Saml2Client, s: SamlSettings) -> str:
    idps = sorted(client.metadata.identity_providers())
    if s.idp_entity_id:
        if s.idp_entity_id not in idps:
            raise ConfigError(f"SAML IdP {s.idp_entity_id!r} is not in {s.idp_metadata_file}")
        return s.idp_entity_id
    if len(idps) != 1:
        raise ConfigError(f"{s.idp_metadata_file} must describe exactly one IdP, or set SAML_IDP_ENTITY_ID "
                          f"(found {len(idps)})")
    return idps[0]


def setup() -> tuple[SamlSettings, Saml2Client, str]:
    """Settings, a client and the IdP's entity id for one request (a broken setup is a clear 503)."""
    s = load_settings()
    try:
        client = make_client(s)
        return s, client, idp_entity_id(client, s)
    except ConfigError as exc:
        log.error("SAML: %s", exc)
        raise SamlError(_("Single sign-on is not available: its configuration is incomplete."),
                        reason="saml configuration broken", status=503) from exc


def sp_metadata() -> str:
    _s, client, _idp = setup()
    return str(entity_descriptor(client.config))


# --- shared by sign-in and logout ----------------------------------------------------------------


@dataclass
class Outbound:
    """A message for the browser to carry to the IdP: a redirect, or a form to post."""

    url: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def is_post(self) -> bool:
        return bool(self.fields)


def endpoint(client: Saml2Client, idp: str, service: str, response: bool = False) -> tuple[str, str] | None:
    """The IdP's endpoint for ``service``: HTTP-Redirect preferred (no form page needed), else POST."""
    for binding in (BINDING_HTTP_REDIRECT, BINDING_HTTP_POST):
        try:
            srvs = getattr(client.metadata, service)(idp, binding, "idpsso")
        except UnsupportedBinding:
            continue
        for srv in srvs or ():
            url = (response and srv.get("response_location")) or srv.get("location")
            if url:
                return binding, url
    return None


def outbound(client: Saml2Client, binding: str, xml: str, url: str, is_response: bool = False,
             relay_state: str | None = None) -> Outbound:
    """Redirect binding: signed query (SHA-256). POST binding: ``xml`` must carry its own signature."""
    if binding == BINDING_HTTP_REDIRECT:
        info = client.apply_binding(binding, xml, url, relay_state=relay_state or "", response=is_response,
                                    sign=True, sigalg=SIGN_ALG)
        return Outbound(url=dict(info["headers"])["Location"])
    fields = {"SAMLResponse" if is_response else "SAMLRequest": base64.b64encode(xml.encode()).decode()}
    if relay_state:
        fields["RelayState"] = relay_state
    return Outbound(url=url, fields=fields)


def refuse(reason: str, subject: str | None = None, status: int = 403) -> SamlError:
    """A refused sign-in response: the user sees why, the audit log gets ``reason``."""
    messages = {
        "unsolicited": _("This sign-in response was not asked for here. Start the sign-in again."),
        "replayed": _("This sign-in response was already used. Start the sign-in again."),
        "request expired": _("The sign-in took too long. Start the sign-in again."),
        "expired": _("The sign-in response has expired. Start the sign-in again."),
        "bad signature": _("The sign-in response is not correctly signed by the identity provider."),
    }
    message = messages.get(reason, _("The sign-in response was refused (%(reason)s).", reason=reason))
    return SamlError(message, reason=reason, subject=subject, status=status)


def signature_is_strong(signature) -> bool:
    if signature is None:
        return False
    info = signature.signed_info
    return (info.signature_method.algorithm in STRONG_SIG_ALGS and bool(info.reference)
            and all(ref.digest_method.algorithm in STRONG_DIGEST_ALGS for ref in info.reference))


def request_host(url: str) -> str:
    """scheme://host of an IdP URL, for the form-action of the auto-post page's CSP."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
