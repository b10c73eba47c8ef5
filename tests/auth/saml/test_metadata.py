"""The SP metadata an admin gives to the IdP."""

from __future__ import annotations

import base64
from pathlib import Path

from defusedxml import ElementTree

from .conftest import ACS_URL, SLO_URL, SP_ENTITY_ID

MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"


def test_metadata_is_well_formed_and_names_our_endpoints_and_certificate(client, saml_config, saml_files):
    response = client.get("/auth/saml/metadata")
    assert response.status_code == 200
    assert response.mimetype == "application/samlmetadata+xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == f"{MD}EntityDescriptor" and root.get("entityID") == SP_ENTITY_ID
    sp = root.find(f"{MD}SPSSODescriptor")
    assert sp.get("AuthnRequestsSigned") == "true" and sp.get("WantAssertionsSigned") == "true"
    acs = sp.findall(f"{MD}AssertionConsumerService")
    assert [(a.get("Binding"), a.get("Location")) for a in acs] == [
        ("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", ACS_URL)]
    slo = {(s.get("Binding"), s.get("Location")) for s in sp.findall(f"{MD}SingleLogoutService")}
    assert ("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", SLO_URL) in slo
    assert sp.find(f"{MD}NameIDFormat").text == "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    certs = {k.get("use"): k.find(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate").text.split()
             for k in sp.findall(f"{MD}KeyDescriptor")}
    ours = "".join(Path(saml_files.sp_cert).read_text().strip().splitlines()[1:-1])
    assert "".join(certs["signing"]) == ours
    assert base64.b64decode(ours)  # a real DER certificate, not a placeholder


def test_saml_endpoints_are_404_when_sso_is_not_configured(client):
    for path in ("/auth/saml/metadata", "/auth/saml/login"):
        response = client.get(path)
        assert response.status_code == 404
        assert "not set up" in response.get_data(as_text=True)
    assert client.post("/auth/saml/acs", data={"SAMLResponse": "x"}).status_code == 404
