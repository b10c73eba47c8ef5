"""The admin's "test connection / test login" button against the real slapd."""

from __future__ import annotations

import sqlalchemy as sa

from app.auth.ldap import normalize_dn
from app.auth.models import GroupMapping
from app.extensions import db
from app.users.models import Role, User
from tests.servers import free_port


def test_connection_and_login_test_creates_no_account(app, client, directory, password, make_user, login):
    admin = make_user(Role.admin)
    login(client, admin)
    page = client.post("/admin/identity/ldap-test", data={"login": "alice", "password": password("alice")})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Connected to" in text and "Sign-in works: Alice Agent" in text
    assert db.session.scalar(sa.select(User).where(User.email == "alice@example.org")) is None
    wrong = client.post("/admin/identity/ldap-test", data={"login": "alice", "password": "nope"})
    assert "Sign-in failed" in wrong.get_data(as_text=True)


def test_unreachable_directory_is_reported(app, client, directory, monkeypatch, make_user, login):
    login(client, make_user(Role.admin))
    monkeypatch.setitem(app.config, "LDAP_URL", f"ldap://127.0.0.1:{free_port()}")
    page = client.post("/admin/identity/ldap-test", data={})
    assert page.status_code == 502 and 'class="flash error"' in page.get_data(as_text=True)


def test_ldap_mapping_dn_is_normalised(app, client, directory, make_user, login):
    login(client, make_user(Role.admin))
    client.post("/admin/identity/mappings", data={"source": "ldap", "group": "CN=NetOps, OU=Groups,DC=Example,DC=org",
                                                  "role": "agent", "team_id": ""})
    stored = db.session.scalar(sa.select(GroupMapping.group))
    assert stored == "CN=NetOps,OU=Groups,DC=Example,DC=org" == normalize_dn(stored)  # no stray spaces
