"""The directory sync against a real slapd: diff, dry run, create/update/deactivate, the guards, the job
and the CLI."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app.auth.directory_sync import sync_directory
from app.auth.jobs import sync_directory_when_due
from app.auth.models import UserSession
from app.auth.sessions import start_session
from app.cli import main
from app.core import signals
from app.core.actors import SYSTEM
from app.core.clock import utcnow
from app.core.settings import set_setting
from app.extensions import db
from app.users.models import ApiToken, AuthSource, Role, User
from app.users.operations import authenticate_token, create_api_token, get_or_create_team, load_user_for_session
from tests.servers import free_port

ENABLED = {"alice@example.org", "bob@example.org", "carol@example.org", "ada@example.org"}


def run(**kwargs):
    result = sync_directory(SYSTEM, **kwargs)
    db.session.commit()
    return result


def users() -> dict[str, User]:
    return {u.email: u for u in db.session.scalars(sa.select(User))}


@pytest.fixture
def synced_events():
    events = []

    def record(result, **kwargs):
        events.append((result, kwargs))

    with signals.directory_synced.connected_to(record):
        yield events


def test_first_sync_creates_the_enabled_directory_users(directory, synced_events):
    result = run()
    assert result.applied and result.aborted is None
    assert set(users()) == ENABLED  # dave (disabled), erin (locked) and frank (no e-mail) are not created
    assert [who for who, _ in result.diff.skipped] == [directory.user_dn("frank")]
    alice = users()["alice@example.org"]
    assert alice.auth_source is AuthSource.ldap and alice.external_id == directory.entry_uuid("alice")
    assert (alice.department, alice.manager, alice.language) == ("IT", "carol@example.org", "de-DE")
    assert alice.directory_synced_at is not None
    assert users()["carol@example.org"].is_vip and users()["bob@example.org"].is_vip
    assert synced_events == [(result, {"dry_run": False, "aborted": None})]
    assert result.summary() == {"applied": True, "directory_entries": 7, "created": 4, "updated": 0,
                                "deactivated": [], "skipped": 1, "unchanged": 0}


def test_dry_run_lists_the_diff_and_changes_nothing(directory, synced_events):
    result = run(dry_run=True)
    assert {c.email for c in result.diff.creates} == ENABLED
    assert users() == {} and not result.applied
    text = result.describe()
    assert "create      alice@example.org" in text and "4 to create" in text and "Dry run: nothing was changed" in text
    assert synced_events[0][1] == {"dry_run": True, "aborted": None}


def test_second_sync_without_directory_changes_changes_nothing(directory):
    run()
    result = run()
    assert result.diff.is_empty and result.diff.unchanged == 4


def test_sync_updates_changed_attributes_and_group_roles(directory, map_group):
    run()
    team = get_or_create_team("Service Desk")
    map_group(directory.group_dn("staff"), role=Role.agent, team=team)
    directory.set("alice", departmentNumber="Finance", telephoneNumber=None)
    updated = []
    with signals.user_updated.connected_to(lambda user, **kw: updated.append((user.email, kw["changes"]))):
        result = run(dry_run=True)
        [change] = result.diff.updates
        assert change.changes == {"department": ("IT", "Finance"), "phone": ("+49 30 1234", None),
                                  "role": ("requester", "agent"), "teams": ([], ["Service Desk"])}
        assert users()["alice@example.org"].department == "IT"  # dry run
        assert "update      alice@example.org  department: IT -> Finance" in result.describe()
        run()
    alice = users()["alice@example.org"]
    assert (alice.department, alice.phone, alice.role, [t.name for t in alice.teams]) == (
        "Finance", None, Role.agent, ["Service Desk"])
    assert [email for email, _ in updated] == ["alice@example.org"]


def test_deactivation_ends_sessions_and_revokes_tokens(directory, app):
    set_setting("ldap.max_deactivate_share", 0.5, None)
    run()
    bob, carol = users()["bob@example.org"], users()["carol@example.org"]
    with app.test_request_context():
        start_session(bob, "ldap")
    _, plaintext = create_api_token(bob, SYSTEM)
    old_session_id = bob.get_id()
    db.session.commit()
    directory.delete("bob")
    directory.set("carol", employeeType="disabled")
    deactivated = []
    with signals.user_deactivated.connected_to(lambda user, **kw: deactivated.append((user.email, kw["reason"]))):
        result = run()
    assert {(c.email, c.reason) for c in result.diff.deactivations} == {
        ("bob@example.org", "not found in the directory"), ("carol@example.org", "disabled in the directory")}
    assert sorted(deactivated) == [("bob@example.org", "directory sync: not found in the directory"),
                                   ("carol@example.org", "directory sync: disabled in the directory")]
    db.session.expire_all()
    assert not bob.is_active_account and not carol.is_active_account
    assert load_user_for_session(old_session_id) is None
    session_row = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == bob.id))
    assert session_row.revoked_reason == "deactivated"
    assert authenticate_token(plaintext) is None
    assert db.session.scalar(sa.select(ApiToken.revoked_at).where(ApiToken.user_id == bob.id)) is not None


def test_user_enabled_again_in_the_directory_is_reactivated(directory):
    set_setting("ldap.max_deactivate_share", 0.5, None)
    run()
    directory.set("bob", employeeType="disabled")
    run()
    assert not users()["bob@example.org"].is_active_account
    directory.set("bob", employeeType=None)
    result = run()
    assert result.diff.updates[0].changes == {"is_active": (False, True)}
    assert users()["bob@example.org"].is_active_account


def test_mass_deactivation_guard_aborts_changes_nothing_and_reports(directory, synced_events, caplog):
    run()
    directory.delete("bob")  # 1 of 4 users = 25 %, more than the default 10 %
    directory.set("alice", l="Hamburg")
    with caplog.at_level(logging.ERROR, logger="app.auth.directory_sync"):
        result = run()
    assert result.aborted.startswith("it would deactivate 1 of 4 directory users (25%)")
    assert not result.applied
    assert users()["bob@example.org"].is_active_account and users()["alice@example.org"].location == "Berlin"
    assert synced_events[-1][1] == {"dry_run": False, "aborted": result.aborted}
    assert any(r.levelno == logging.ERROR and "aborted" in r.getMessage() for r in caplog.records)
    assert run(force=True).applied  # an operator who has checked the diff may push it through
    assert not users()["bob@example.org"].is_active_account


def test_a_wrong_base_dn_that_finds_nobody_aborts(directory, app, monkeypatch):
    run()
    directory.server.add(f"ou=empty,{directory.root}", {"objectClass": "organizationalUnit", "ou": "empty"})
    monkeypatch.setitem(app.config, "LDAP_USER_BASE", f"ou=empty,{directory.root}")
    result = run()
    assert result.aborted and "4 of 4" in result.aborted
    assert all(u.is_active_account for u in users().values())


def test_last_admin_guard(directory, map_group, make_user):
    set_setting("ldap.max_deactivate_share", 1.0, None)
    map_group(directory.group_dn("admins"), role=Role.admin)
    run()
    assert users()["ada@example.org"].role is Role.admin  # the only administrator
    directory.server.modify(directory.group_dn("admins"), member=f"cn=placeholder,{directory.root}")
    assert run().aborted == "it would leave no active administrator"  # ada would lose the role
    directory.delete("admin")
    assert run(force=True).aborted == "it would leave no active administrator"  # ... or be deactivated
    ada = users()["ada@example.org"]
    assert ada.role is Role.admin and ada.is_active_account
    make_user(Role.admin)  # with a local break-glass admin the sync may go through
    assert run().applied
    assert not users()["ada@example.org"].is_active_account


def test_directory_down_is_reported_not_raised(directory, app, monkeypatch, synced_events):
    monkeypatch.setitem(app.config, "LDAP_URL", f"ldap://127.0.0.1:{free_port()}")
    result = run()
    assert result.diff is None and "unavailable" in result.aborted
    assert synced_events[0][1]["aborted"] == result.aborted


def test_job_syncs_when_due_and_survives_a_down_directory(directory, app, monkeypatch):
    app.extensions.pop("ldap_sync", None)
    set_setting("ldap.sync_interval_minutes", 0, None)
    db.session.commit()
    sync_directory_when_due()
    assert users() == {}  # 0 = off
    set_setting("ldap.sync_interval_minutes", 30, None)
    db.session.commit()
    sync_directory_when_due()
    assert set(users()) == ENABLED
    directory.set("alice", l="Hamburg")
    sync_directory_when_due()  # not due yet
    assert users()["alice@example.org"].location == "Berlin"
    with time_machine.travel(utcnow() + timedelta(minutes=31)):
        monkeypatch.setitem(app.config, "LDAP_URL", f"ldap://127.0.0.1:{free_port()}")
        sync_directory_when_due()  # down: no exception, nothing changed
        assert users()["alice@example.org"].location == "Berlin"
    with time_machine.travel(utcnow() + timedelta(minutes=62)):
        monkeypatch.setitem(app.config, "LDAP_URL", directory.server.uri)
        sync_directory_when_due()
    assert users()["alice@example.org"].location == "Hamburg"


def test_cli_dry_run_prints_the_diff(directory, app):
    result = app.test_cli_runner().invoke(main, ["ldap-sync", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "create      bob@example.org  'Bob Requester'  role requester" in result.output
    assert f"skip        {directory.user_dn('frank')}  (no valid e-mail address)" in result.output
    assert users() == {}


def test_cli_sync_that_aborts_exits_non_zero(directory, app):
    run()
    directory.delete("bob")
    result = app.test_cli_runner().invoke(main, ["ldap-sync"])
    assert result.exit_code == 1 and "ABORTED, nothing was changed: it would deactivate 1 of 4" in result.output


def test_cli_connection_check_and_test_login(directory, app, password):
    runner = app.test_cli_runner()
    check = runner.invoke(main, ["ldap-test"])
    assert check.exit_code == 0 and "OK: Connected" in check.output and "7 users" in check.output
    login = runner.invoke(main, ["ldap-test", "alice", "--password-stdin"], input=password("alice") + "\n")
    assert login.exit_code == 0 and "alice@example.org" in login.output and directory.group_dn("staff") in login.output
    assert users() == {}  # a test login creates no account
    wrong = runner.invoke(main, ["ldap-test", "alice", "--password-stdin"], input="wrong\n")
    assert wrong.exit_code == 1 and "unknown login or wrong password" in wrong.output
