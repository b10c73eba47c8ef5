"""Administration: who may open which page, settings and mappings saved and audited, users and teams managed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.queries import recent_events
from app.auth.models import GroupMapping
from app.core.settings import get_setting
from app.extensions import db
from app.users.models import AuthSource, Role, Team


@pytest.fixture
def team():
    t = Team(name="Network", tier=2)
    db.session.add(t)
    db.session.commit()
    return t


PAGES = ["/admin/", "/admin/audit", "/admin/identity", "/admin/users"]
ALLOWED = {
    "requester": set(), "agent": {"/admin/"}, "lead": {"/admin/"},
    "auditor": {"/admin/", "/admin/audit"}, "admin": set(PAGES),
}


@pytest.mark.parametrize("role", ALLOWED)
def test_page_access_per_role(app, make_user, login, role):
    client = login(app.test_client(), make_user(role))
    for page in PAGES:
        status = client.get(page).status_code
        assert (status == 200) == (page in ALLOWED[role]), (page, status)
        assert status in (200, 403)


def test_auditor_cannot_change_anything(app, make_user, login, team):
    client = login(app.test_client(), make_user(Role.auditor))
    assert client.post("/admin/identity", data={"idle_timeout_minutes": "10"}).status_code == 403
    mapping = {"source": "ldap", "group": "x", "role": "admin"}
    assert client.post("/admin/identity/mappings", data=mapping).status_code == 403
    assert client.post(f"/admin/teams/{team.id}", data={"add_email": "x@example.org"}).status_code == 403


def test_admin_saves_settings_and_it_is_audited(app, make_user, login):
    admin = make_user(Role.admin)
    client = login(app.test_client(), admin)
    response = client.post("/admin/identity", data={
        "require_2fa_roles": ["admin", "lead"], "idle_timeout_minutes": "45", "absolute_timeout_hours": "10",
        "lockout_after_failures": "6", "lockout_minutes": "20", "ldap_sync_interval_minutes": "30",
        "ldap_max_deactivate_share": "0.05"})
    assert response.status_code == 302
    assert get_setting("auth.require_2fa_roles") == ["admin", "lead"]
    assert get_setting("auth.idle_timeout_minutes") == 45 and get_setting("ldap.max_deactivate_share") == 0.05
    event = recent_events(action_prefix="settings.")[0]
    assert event.actor_label == admin.email and event.details["auth.idle_timeout_minutes"] == [60, 45]


def test_bad_settings_are_refused(app, make_user, login):
    client = login(app.test_client(), make_user(Role.admin))
    response = client.post("/admin/identity", data={"idle_timeout_minutes": "1", "absolute_timeout_hours": "x"})
    assert response.status_code == 400 and get_setting("auth.idle_timeout_minutes") == 60


def test_group_mapping_added_and_removed(app, make_user, login, team):
    client = login(app.test_client(), make_user(Role.admin))
    data = {"source": "ldap", "group": "cn=netops,ou=groups,dc=example,dc=org", "role": "agent",
            "team_id": str(team.id)}
    assert client.post("/admin/identity/mappings", data=data).status_code == 302
    assert client.post("/admin/identity/mappings", data=data).status_code == 409  # duplicate
    assert client.post("/admin/identity/mappings", data={**data, "role": "", "team_id": ""}).status_code == 422
    mapping = db.session.scalar(sa.select(GroupMapping))
    assert mapping.source is AuthSource.ldap and mapping.role is Role.agent and mapping.team == team
    assert client.post(f"/admin/identity/mappings/{mapping.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GroupMapping)) == 0
    assert [e.action for e in recent_events(action_prefix="group_mapping")] == [
        "group_mapping.removed", "group_mapping.added"]


def test_admin_changes_role_and_deactivates(app, make_user, login, team):
    admin, agent = make_user(Role.admin), make_user(Role.agent)
    agent_client = login(app.test_client(), agent)
    client = login(app.test_client(), admin)
    response = client.post(f"/admin/users/{agent.id}", data={"role": "lead", "teams": [str(team.id)], "is_active": "y"})
    assert response.status_code == 302 and agent.role is Role.lead and agent.teams == [team]
    assert agent_client.get("/account/").status_code == 302  # signed out by the role change
    client.post(f"/admin/users/{agent.id}", data={"role": "lead", "teams": [str(team.id)]})
    assert not agent.is_active_account
    assert client.post(f"/admin/users/{admin.id}", data={"role": "agent", "is_active": "y"}).status_code == 409


def test_lead_manages_own_team_only(app, make_user, login, team):
    other = Team(name="Desk")
    db.session.add(other)
    lead, agent = make_user(Role.lead, teams=[team]), make_user(Role.agent)
    client = login(app.test_client(), lead)
    assert client.post(f"/admin/teams/{team.id}", data={"add_email": agent.email}).status_code == 302
    assert team in agent.teams
    assert client.get(f"/admin/teams/{other.id}").status_code == 403
    requester = make_user(Role.requester)
    assert client.post(f"/admin/teams/{team.id}", data={"add_email": requester.email}).status_code == 422
    assert client.post(f"/admin/teams/{team.id}/members/{agent.id}/remove").status_code == 302
    assert team not in agent.teams


def test_audit_log_filters_and_escapes(app, make_user, login):
    auditor = make_user(Role.auditor)
    app.test_client().post("/auth/login", data={"email": "<script>x</script>@example.org", "password": "whatever1"})
    client = login(app.test_client(), auditor)
    page = client.get("/admin/audit?action=auth.login_failed").get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    assert "auth.login_failed" in page
