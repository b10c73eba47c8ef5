"""Signing in against a real slapd: credentials, injection, groups, locked and disabled accounts, TLS,
and a directory that is down or silent."""

from __future__ import annotations

import socket
import time

import ldap
import pytest
import sqlalchemy as sa

from app.auth.ldap import DirectoryLoginRefused, DirectoryUnavailable, authenticate_ldap, probe_login
from app.core.errors import Conflict
from app.extensions import db
from app.users.models import AuthSource, Role, User
from app.users.operations import authenticate_local, get_or_create_team
from tests.conftest import PASSWORD
from tests.ldap_server import MAX_FAILURES
from tests.servers import free_port


def _user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_correct_password_creates_the_user_with_the_directory_profile(directory, password):
    user = authenticate_ldap("alice", password("alice"))
    db.session.commit()
    assert user.auth_source is AuthSource.ldap and user.password_hash is None
    assert user.external_id == directory.entry_uuid("alice")
    assert (user.email, user.name, user.department, user.location, user.phone, user.language, user.manager) == (
        "alice@example.org", "Alice Agent", "IT", "Berlin", "+49 30 1234", "de-DE", "carol@example.org")
    assert user.role is Role.requester and not user.is_vip  # no group mapping yet


def test_login_by_email_is_the_same_account_and_picks_up_changes(directory, password):
    first = authenticate_ldap("alice", password("alice"))
    db.session.commit()
    directory.set("alice", l="Hamburg")
    again = authenticate_ldap("ALICE@example.org", password("alice"))
    assert again.id == first.id and again.location == "Hamburg" and _user_count() == 1


def test_wrong_password_and_unknown_login_are_refused_alike(directory, password):
    assert authenticate_ldap("alice", "not-the-password") is None
    assert authenticate_ldap("nobody", password("alice")) is None
    assert _user_count() == 0


def test_empty_password_is_refused_without_asking_the_directory(directory, app, monkeypatch):
    # The danger is real: for slapd an empty password is an anonymous bind, and that succeeds.
    conn = ldap.initialize(directory.server.uri)
    conn.simple_bind_s(directory.user_dn("alice"), "")
    assert conn.whoami_s() == ""
    assert authenticate_ldap("alice", "") is None
    assert authenticate_ldap("alice", None) is None
    # With an unreachable directory the answer is the same (no DirectoryUnavailable): no call was made.
    monkeypatch.setitem(app.config, "LDAP_URL", f"ldap://127.0.0.1:{free_port()}")
    assert authenticate_ldap("alice", "") is None
    assert _user_count() == 0


@pytest.mark.parametrize("login", ["*)(uid=*", "admin*", "*", "\\", "alice)(|(uid=*", "*@example.org", "al*ce",
                                   "admin\x00"])
def test_filter_characters_in_the_login_match_nobody(directory, password, login):
    for uid in ("alice", "admin", "bob"):
        assert probe_login(login, password(uid)) is None
    assert _user_count() == 0


def test_nested_groups_give_role_and_team(directory, password, map_group):
    team = get_or_create_team("Service Desk")
    map_group(directory.group_dn("staff"), role=Role.agent, team=team)  # alice is in agents, agents in staff
    map_group(directory.group_dn("admins"), role=Role.admin)
    user = authenticate_ldap("alice", password("alice"))
    assert user.role is Role.agent and [t.name for t in user.teams] == ["Service Desk"]
    assert authenticate_ldap("admin", password("admin")).role is Role.admin


@pytest.mark.parametrize("memberof_attribute", ["memberOf", ""])
def test_membership_loops_end_and_every_group_is_found(directory, password, app, monkeypatch, memberof_attribute):
    monkeypatch.setitem(app.config, "LDAP_MEMBEROF_ATTRIBUTE", memberof_attribute)  # "": search member= instead
    profile = probe_login("alice", password("alice"))
    assert {g.lower() for g in profile.groups} == {directory.group_dn(g) for g in ("agents", "staff", "loop-a",
                                                                                  "loop-b")}


def test_vip_from_an_attribute_value_or_a_group(directory, password):
    assert authenticate_ldap("bob", password("bob")).is_vip
    assert authenticate_ldap("carol", password("carol")).is_vip
    assert not authenticate_ldap("alice", password("alice")).is_vip


def test_account_locked_by_an_administrator_is_refused_with_a_clear_message(directory, password):
    with pytest.raises(DirectoryLoginRefused) as refused:
        authenticate_ldap("erin", password("erin"))
    assert refused.value.reason == "locked" and "locked" in refused.value.message
    assert _user_count() == 0


def test_lockout_after_failed_binds_is_reported_as_locked(directory, password):
    for _ in range(MAX_FAILURES):
        assert authenticate_ldap("bob", "wrong password") is None
    with pytest.raises(DirectoryLoginRefused) as refused:
        authenticate_ldap("bob", password("bob"))
    assert refused.value.reason == "locked"


def test_account_disabled_in_the_directory_is_refused_after_the_password_check(directory, password):
    assert authenticate_ldap("dave", "wrong password") is None  # says nothing about the account
    with pytest.raises(DirectoryLoginRefused) as refused:
        authenticate_ldap("dave", password("dave"))
    assert refused.value.reason == "disabled" and "disabled" in refused.value.message
    assert _user_count() == 0


def test_account_without_email_is_refused(directory, password):
    with pytest.raises(DirectoryLoginRefused) as refused:
        authenticate_ldap("frank", password("frank"))
    assert refused.value.reason == "no e-mail"


def test_local_account_with_the_same_email_is_not_taken_over(directory, password, make_user):
    local = make_user(Role.admin, email="alice@example.org")
    with pytest.raises(Conflict):
        authenticate_ldap("alice", password("alice"))
    db.session.rollback()
    assert db.session.get(User, local.id).auth_source is AuthSource.local


def test_directory_down_is_a_clear_503_and_local_admins_still_sign_in(directory, password, app, monkeypatch,
                                                                      make_user):
    admin = make_user(Role.admin)
    monkeypatch.setitem(app.config, "LDAP_URL", f"ldap://127.0.0.1:{free_port()}")
    with pytest.raises(DirectoryUnavailable) as down:
        authenticate_ldap("alice", password("alice"))
    assert down.value.status == 503 and "cannot be reached" in down.value.message
    assert authenticate_local(admin.email, PASSWORD) == admin  # break-glass


def test_wrong_service_account_password_is_directory_unavailable(directory, password, app, monkeypatch):
    monkeypatch.setitem(app.config, "LDAP_BIND_PASSWORD", "wrong")
    with pytest.raises(DirectoryUnavailable) as down:
        authenticate_ldap("alice", password("alice"))
    assert "service account" in down.value.details["reason"]


@pytest.mark.parametrize("scheme", ["ldap", "ldaps"])
def test_a_server_that_never_answers_times_out(directory, password, app, monkeypatch, scheme):
    # Accepts connections (the kernel completes the handshake) but never says a word.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        monkeypatch.setitem(app.config, "LDAP_URL", f"{scheme}://127.0.0.1:{silent.getsockname()[1]}")
        monkeypatch.setitem(app.config, "LDAP_NETWORK_TIMEOUT", 0.3)
        monkeypatch.setitem(app.config, "LDAP_TIMEOUT", 0.3)
        started = time.monotonic()
        with pytest.raises(DirectoryUnavailable):
            authenticate_ldap("alice", password("alice"))
    assert time.monotonic() - started < 3


def test_ldaps_with_the_right_ca(directory, password, app, monkeypatch):
    monkeypatch.setitem(app.config, "LDAP_URL", directory.server.ldaps_uri)
    monkeypatch.setitem(app.config, "LDAP_ALLOW_PLAINTEXT", False)
    monkeypatch.setitem(app.config, "LDAP_CA_FILE", directory.server.ca_file)
    assert authenticate_ldap("alice", password("alice")).email == "alice@example.org"


@pytest.mark.parametrize("start_tls", [False, True])
def test_a_server_certificate_from_another_ca_is_refused(directory, password, app, monkeypatch, start_tls):
    url = directory.server.uri if start_tls else directory.server.ldaps_uri
    monkeypatch.setitem(app.config, "LDAP_URL", url)
    monkeypatch.setitem(app.config, "LDAP_START_TLS", start_tls)
    monkeypatch.setitem(app.config, "LDAP_ALLOW_PLAINTEXT", False)
    monkeypatch.setitem(app.config, "LDAP_CA_FILE", directory.server.other_ca_file)
    with pytest.raises(DirectoryUnavailable):
        authenticate_ldap("alice", password("alice"))


def test_starttls_with_the_right_ca(directory, password, app, monkeypatch):
    monkeypatch.setitem(app.config, "LDAP_START_TLS", True)
    monkeypatch.setitem(app.config, "LDAP_ALLOW_PLAINTEXT", False)
    monkeypatch.setitem(app.config, "LDAP_CA_FILE", directory.server.ca_file)
    assert authenticate_ldap("alice", password("alice")).email == "alice@example.org"


def test_plain_ldap_without_starttls_is_refused_unless_allowed(directory, password, app, monkeypatch):
    monkeypatch.setitem(app.config, "LDAP_ALLOW_PLAINTEXT", False)
    with pytest.raises(DirectoryUnavailable) as refused:
        authenticate_ldap("alice", password("alice"))
    assert "clear text" in refused.value.details["reason"]


def test_not_configured_means_no_directory_login(app, monkeypatch):
    monkeypatch.setitem(app.config, "LDAP_URL", "")
    assert authenticate_ldap("alice", "whatever") is None
