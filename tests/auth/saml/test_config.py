"""Start-up checks of the SAML keys: a broken setup stops the service, it does not fail at sign-in."""

from __future__ import annotations

import pytest

from app import create_app
from app.auth.saml import check_config, load_settings
from app.core.errors import ConfigError

from ...saml_idp import IDP_ENTITY_ID


def test_a_missing_key_file_stops_the_start(app_config, saml_config):
    with pytest.raises(ConfigError, match="SAML_SP_KEY_FILE"):
        create_app({**app_config, **saml_config, "SAML_SP_KEY_FILE": "/nonexistent/sp.key"})


def test_transient_name_ids_are_refused_at_start(app, saml_config):
    with pytest.raises(ConfigError, match="transient"):
        check_config({**app.config, "SAML_NAMEID_FORMAT": "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"})


def test_an_idp_entity_id_not_in_the_metadata_stops_the_start(app, saml_config):
    with pytest.raises(ConfigError, match="not in"):
        check_config({**app.config, "SAML_IDP_ENTITY_ID": "https://other-idp.example/"})


def test_settings_come_from_config(app, saml_config):
    check_config({**app.config, "SAML_IDP_ENTITY_ID": IDP_ENTITY_ID})
    s = load_settings({**app.config, "SAML_ATTR_GROUPS": "memberOf  groups", "BASE_URL": "https://sd.example/"})
    assert s.acs_url == "https://sd.example/auth/saml/acs" and s.entity_id == "https://sd.example/auth/saml/metadata"
    assert s.names_for("groups") == ("memberOf", "groups")
