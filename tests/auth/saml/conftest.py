"""Fixtures for the SAML SP tests: a real pysaml2 IdP (tests/saml_idp.py), the SP's own keypair, and
helpers that drive a sign-in through the test client like a browser would."""

from __future__ import annotations

import base64
import logging
import re
from types import SimpleNamespace

import pytest

from app.auth.models import GroupMapping
from app.extensions import db as _db
from app.users.models import AuthSource, Role, Team

from ...saml_idp import TestIdP, make_keypair

BASE_URL = "https://servicedesk.example.test"
SP_ENTITY_ID = f"{BASE_URL}/auth/saml/metadata"
ACS_URL = f"{BASE_URL}/auth/saml/acs"
SLO_URL = f"{BASE_URL}/auth/saml/slo"


@pytest.fixture(autouse=True, scope="session")
def _quiet_pysaml2():
    # pysaml2 logs every refused message (whole documents) at ERROR level; the tests assert outcomes.
    logging.getLogger("saml2").setLevel(logging.CRITICAL)


@pytest.fixture(scope="session")
def saml_files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("saml")
    sp_key, sp_cert = make_keypair(directory, "sp")
    idp = TestIdP(directory)
    return SimpleNamespace(directory=directory, sp_key=sp_key, sp_cert=sp_cert, idp=idp,
                           idp_metadata=idp.write_metadata(directory / "idp-metadata.xml"))


@pytest.fixture
def saml_config(app, saml_files):
    """SAML switched on in the (session-wide) test app for one test, then off again."""
    keys = {"BASE_URL": BASE_URL, "SAML_IDP_METADATA_FILE": saml_files.idp_metadata,
            "SAML_SP_KEY_FILE": saml_files.sp_key, "SAML_SP_CERT_FILE": saml_files.sp_cert,
            "SAML_ATTR_DEPARTMENT": "department", "SAML_ATTR_LOCATION": "l", "SAML_ATTR_VIP": "isVip"}
    old = {k: app.config.get(k) for k in keys}
    app.config.update(keys)
    yield keys
    app.config.update(old)


@pytest.fixture
def idp(saml_config, saml_files, client):
    idp = saml_files.idp
    if idp.server is None:  # the IdP loads the metadata we publish, once
        idp.trust_sp(client.get("/auth/saml/metadata").get_data(as_text=True))
    return idp


def alice(**extra) -> dict[str, list[str]]:
    return {"mail": ["Alice.Agent@Example.org"], "displayName": ["Alice Agent"], "department": ["IT"],
            "l": ["Berlin"], "telephoneNumber": ["+49 30 1234"], "preferredLanguage": ["de"],
            "groups": ["sd-agents", "Network-Team"], "isVip": ["true"], **extra}


@pytest.fixture
def start_login(client, idp):
    """GET /auth/saml/login like a browser; returns the AuthnRequest as the IdP received it."""
    def start(next_path: str = "/tickets/", on=None):
        response = (on or client).get(f"/auth/saml/login?next={next_path}")
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return idp.receive_authn_request(response.headers["Location"])
    return start


@pytest.fixture
def post_response(client):
    def post(saml_response: str, on=None):
        return (on or client).post("/auth/saml/acs", data={"SAMLResponse": saml_response})
    return post


@pytest.fixture
def mappings():
    """IdP groups -> role and team, as an admin would set them up."""
    team = Team(name="Network")
    _db.session.add(team)
    _db.session.add_all([
        GroupMapping(source=AuthSource.saml, group="sd-agents", role=Role.agent),
        GroupMapping(source=AuthSource.saml, group="network-team", team=team),
        GroupMapping(source=AuthSource.ldap, group="sd-admins", role=Role.admin),
    ])
    _db.session.commit()
    return team


def xml_of(saml_response: str) -> str:
    return base64.b64decode(saml_response).decode()


def replace_in_signed(saml_response: str, old: str, new: str) -> str:
    xml = xml_of(saml_response)
    assert old in xml
    return base64.b64encode(xml.replace(old, new).encode()).decode()


def flashes(html: str) -> list[str]:
    return re.findall(r'class="flash [a-z]+"[^>]*>([^<]+)<', html)


def signed_in(client) -> bool:
    """Does this browser have a valid session? (The home page sends anonymous visitors to sign in.)"""
    return not client.get("/").headers["Location"].startswith("/auth/login")


@pytest.fixture
def failures():
    """Every signals.login_failed sent during the test, as (sender, reason)."""
    from app.core import signals

    seen: list[tuple[str, str]] = []

    def record(sender, reason, **_):
        seen.append((sender, reason))

    with signals.login_failed.connected_to(record):
        yield seen
