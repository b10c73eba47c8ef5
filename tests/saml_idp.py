"""A real SAML 2.0 identity provider for tests: pysaml2's ``saml2.server.Server`` in-process, with its
own openssl keypair, signing with RSA-SHA256. The test client carries messages between it and the app
exactly as a browser would (redirect URLs and posted forms).

Responses are built unsigned, optionally changed by a test (``mutate``: wrong audience, destination,
...), and then signed, so every negative case is a correctly signed message with one thing wrong.
"""

from __future__ import annotations

import base64
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, samlp
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.s_utils import success_status_factory
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.sigver import pre_signature_part, signed_instance_factory, verify_redirect_signature
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

IDP_HOST = "https://idp.example.test"
IDP_ENTITY_ID = f"{IDP_HOST}/idp/metadata"
SSO_REDIRECT, SSO_POST = f"{IDP_HOST}/idp/sso/redirect", f"{IDP_HOST}/idp/sso/post"
SLO_REDIRECT, SLO_POST = f"{IDP_HOST}/idp/slo/redirect", f"{IDP_HOST}/idp/slo/post"
PASSWORD_AUTHN = {"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"}
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"
RESPONSE = "urn:oasis:names:tc:SAML:2.0:protocol:Response"


def make_keypair(directory: Path, name: str) -> tuple[str, str]:
    """A self-signed RSA 2048 key and certificate (valid 2 days) made with openssl."""
    key, cert = directory / f"{name}.key", directory / f"{name}.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-sha256",
                    "-subj", f"/CN={name}.example.test", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return str(key), str(cert)


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@dataclass
class Message:
    """What the browser carries: a URL (HTTP-Redirect) or a URL and form fields (HTTP-POST)."""

    url: str
    fields: dict[str, str] | None = None


class TestIdP:
    __test__ = False  # not a test class, despite the name

    def __init__(self, directory: Path, name: str = "idp", slo: bool = True,
                 sso_bindings: tuple[str, ...] = (BINDING_HTTP_REDIRECT, BINDING_HTTP_POST)):
        self.key_file, self.cert_file = make_keypair(directory, name)
        self.directory, self.slo, self.sso_bindings = directory, slo, sso_bindings
        self.server: Server | None = None

    def _config(self, sp_metadata: str | None = None) -> dict:
        sso = {BINDING_HTTP_REDIRECT: SSO_REDIRECT, BINDING_HTTP_POST: SSO_POST}
        endpoints = {"single_sign_on_service": [(sso[b], b) for b in self.sso_bindings]}
        if self.slo:
            endpoints["single_logout_service"] = [(SLO_REDIRECT, BINDING_HTTP_REDIRECT), (SLO_POST, BINDING_HTTP_POST)]
        conf = {
            "entityid": IDP_ENTITY_ID, "key_file": self.key_file, "cert_file": self.cert_file,
            "service": {"idp": {
                "endpoints": endpoints,
                "want_authn_requests_signed": True,
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "signing_algorithm": SIG_RSA_SHA256, "digest_algorithm": DIGEST_SHA256,
                "policy": {"default": {"lifetime": {"minutes": 5}, "name_form": NAME_FORMAT_BASIC}},
            }},
        }
        if sp_metadata:
            conf["metadata"] = {"inline": [sp_metadata]}
        return conf

    def metadata_xml(self) -> str:
        return str(entity_descriptor(IdPConfig().load(self._config())))

    def write_metadata(self, path: Path) -> str:
        path.write_text(self.metadata_xml())
        return str(path)

    def trust_sp(self, sp_metadata: str) -> None:
        """Load the SP's published metadata (what an admin uploads to the IdP)."""
        self.server = Server(config=IdPConfig().load(self._config(sp_metadata)))
        self.server.signing_algorithm, self.server.digest_algorithm = SIG_RSA_SHA256, DIGEST_SHA256

    # --- sign-in ---------------------------------------------------------------------------------

    def receive_authn_request(self, location: str, form: dict | None = None):
        """Parse (and verify the signature of) the AuthnRequest the app sent the browser to."""
        if form is not None:
            return self.server.parse_authn_request(form["SAMLRequest"], BINDING_HTTP_POST).message
        q = query(location)
        parsed = self.server.parse_authn_request(q["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                                 relay_state=q.get("RelayState"), sigalg=q.get("SigAlg"),
                                                 signature=q.get("Signature"))
        return parsed.message

    def login_response(self, authn_request, name_id: str, attributes: dict[str, list[str]], *,
                       sign_response: bool = True, sign_assertion: bool = True, signer: TestIdP | None = None,
                       sign_alg: str = SIG_RSA_SHA256, digest_alg: str = DIGEST_SHA256, mutate=None,
                       encrypt: bool = False) -> str:
        """A base64 SAMLResponse for the ACS, as the IdP's auto-post form would carry it."""
        args = self.server.response_args(authn_request)
        args.pop("binding", None)
        extra = {}
        if encrypt:
            extra = {"encrypt_assertion": True, "encrypt_assertion_self_contained": True,
                     "encrypt_cert_assertion": self._sp_encryption_cert(args["sp_entity_id"]),
                     "sign_assertion": sign_assertion, "sign_response": sign_response,
                     "sign_alg": sign_alg, "digest_alg": digest_alg}
        response = self.server.create_authn_response(
            attributes, name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=name_id), authn=PASSWORD_AUTHN,
            **{"sign_response": False, "sign_assertion": False, **extra}, **args,
        )
        if encrypt:
            return base64.b64encode(str(response).encode()).decode()
        message = samlp.response_from_string(str(response))
        if mutate is not None:
            mutate(message)
        xml = (signer or self).sign(message, sign_response, sign_assertion, sign_alg, digest_alg)
        return base64.b64encode(xml.encode()).decode()

    def _sp_encryption_cert(self, sp_entity_id: str) -> str:
        certs = self.server.metadata.certs(sp_entity_id, "spsso", "encryption")
        return "-----BEGIN CERTIFICATE-----\n" + certs[0][1] + "\n-----END CERTIFICATE-----\n"

    def sign(self, message, sign_response=True, sign_assertion=True, sign_alg=SIG_RSA_SHA256,
             digest_alg=DIGEST_SHA256) -> str:
        """Enveloped signatures with this IdP's key: the assertion first, then the whole response."""
        to_sign = []
        for assertion in message.assertion if sign_assertion else ():
            assertion.signature = pre_signature_part(assertion.id, self.server.sec.my_cert, 2,
                                                     sign_alg=sign_alg, digest_alg=digest_alg)
            to_sign.append((ASSERTION, assertion.id))
        if sign_response:
            message.signature = pre_signature_part(message.id, self.server.sec.my_cert, 1,
                                                   sign_alg=sign_alg, digest_alg=digest_alg)
            to_sign.append((RESPONSE, message.id))
        result = signed_instance_factory(message, self.server.sec, to_sign)
        return result if isinstance(result, str) else str(result)

    # --- single logout ---------------------------------------------------------------------------

    def logout_request(self, sp_entity_id: str, name_id: str, session_index: str | None,
                       binding: str = BINDING_HTTP_REDIRECT, sign: bool = True) -> Message:
        """An IdP-initiated LogoutRequest to the SP's SLO endpoint (signed unless ``sign=False``)."""
        slo = self.server.metadata.single_logout_service(sp_entity_id, binding, "spsso")[0]["location"]
        _, request = self.server.create_logout_request(
            slo, sp_entity_id, name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=name_id),
            session_indexes=[session_index] if session_index else None, sign=sign and binding == BINDING_HTTP_POST,
            sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
        return self._carry(binding, str(request), slo, "SAMLRequest", relay_state="idp-state-1", sign=sign)

    def receive_logout_request(self, message_url: str):
        q = query(message_url)
        return self.server.parse_logout_request(q["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                                relay_state=q.get("RelayState"), sigalg=q.get("SigAlg"),
                                                signature=q.get("Signature")).message

    def logout_response(self, logout_request, binding: str = BINDING_HTTP_REDIRECT) -> Message:
        """A signed LogoutResponse (success) to the SP's LogoutRequest."""
        response = self.server.create_logout_response(
            logout_request, bindings=[binding], status=success_status_factory(),
            sign=binding == BINDING_HTTP_POST, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
        url = self.server.response_args(logout_request, [binding])["destination"]
        return self._carry(binding, str(response), url, "SAMLResponse")

    def receive_logout_response(self, message_url: str):
        """Parse the SP's LogoutResponse (HTTP-Redirect) after checking its query signature."""
        q = query(message_url)
        assert q["SigAlg"] == SIG_RSA_SHA256 and self.verify_query(q), "LogoutResponse not signed by the SP"
        return samlp.logout_response_from_string(
            self.server.unravel(q["SAMLResponse"], BINDING_HTTP_REDIRECT, "response"))

    def verify_query(self, q: dict[str, str]) -> bool:
        sps = self.server.metadata.with_descriptor("spsso")
        certs = [c for entity in sps for _, c in self.server.metadata.certs(entity, "spsso")]
        return any(verify_redirect_signature(q, self.server.sec.sec_backend, cert) for cert in certs)

    def _carry(self, binding, xml, url, kind, relay_state="", sign=True) -> Message:
        if binding == BINDING_HTTP_REDIRECT:
            info = self.server.apply_binding(binding, xml, url, relay_state=relay_state,
                                             response=kind == "SAMLResponse", sign=sign, sigalg=SIG_RSA_SHA256)
            return Message(url=dict(info["headers"])["Location"])
        fields = {kind: base64.b64encode(xml.encode()).decode()}
        if relay_state:
            fields["RelayState"] = relay_state
        return Message(url=url, fields=fields)
