"""SAML 2.0 service provider (pysaml2): configuration from deploy-time keys, the signed AuthnRequest,
strict checks of the IdP's response, the profile it carries, and single logout.

pysaml2 checks the XML signatures against the certificates in the IdP metadata. What it leaves lax is
checked here: Response AND Assertion signed with SHA-256 or better, Destination and Recipient equal to
our ACS URL, an audience restriction naming us, the Issuer, and one-time use of each request id
(SamlRequest rows, so any app process can receive the response). No state lives in memory.
"""

from .config import (
    Outbound,
    SamlError,
    SamlSettings,
    check_config,
    is_enabled,
    load_settings,
    request_host,
    sp_metadata,
)
from .login import SamlLogin, begin_login, burn_request, consume_response, profile_from, provision_saml_user
from .logout import begin_logout, end_saml_sessions, handle_logout_request, handle_logout_response

__all__ = [
    "Outbound", "SamlError", "SamlLogin", "SamlSettings", "begin_login", "begin_logout", "burn_request",
    "check_config", "consume_response", "end_saml_sessions", "handle_logout_request", "handle_logout_response",
    "is_enabled", "load_settings", "profile_from", "provision_saml_user", "request_host", "sp_metadata",
]
