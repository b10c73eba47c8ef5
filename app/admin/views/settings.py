"""Administration: identity settings and group mappings, users and teams, the audit log."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ...audit.queries import recent_events
from ...auth.ldap import check_connection, normalize_dn, probe_login
from ...auth.models import GroupMapping
from ...auth.operations import add_group_mapping, remove_group_mapping, update_settings
from ...core.errors import ServicedeskError
from ...core.settings import get_setting
from ...extensions import db
from ...users import operations as user_ops
from ...users.models import AuthSource, Role, Team, User
from ...users.permissions import can_configure, can_manage_team, can_read_audit, require
from ...users.queries import all_teams
from ..forms import ActionForm, GroupMappingForm, IdentitySettingsForm, LdapTestForm, TeamMembersForm, UserEditForm
from . import bp

#: form field -> setting key
SETTING_FIELDS = {
    "require_2fa_roles": "auth.require_2fa_roles", "saml_link_by_email": "auth.saml_link_by_email",
    "idle_timeout_minutes": "auth.idle_timeout_minutes", "absolute_timeout_hours": "auth.absolute_timeout_hours",
    "lockout_after_failures": "auth.lockout_after_failures", "lockout_minutes": "auth.lockout_minutes",
    "ldap_sync_interval_minutes": "ldap.sync_interval_minutes",
    "ldap_max_deactivate_share": "ldap.max_deactivate_share",
    "requesters_see_department": "tickets.requesters_see_department",
}
PAGE = 100


@bp.get("/")
def index():
    return render_template("admin/index.html", teams=all_teams(), can_configure=can_configure(current_user),
                           can_read_audit=can_read_audit(current_user))


@bp.get("/audit")
def audit_log():
    require(can_read_audit(current_user))
    before = request.args.get("before", type=int)
    action = request.args.get("action", "").strip()[:64]
    actor = request.args.get("actor", "").strip().lower()[:254]
    actor_user = user_ops.get_user_by_email(actor) if actor else None
    events = [] if actor and actor_user is None else recent_events(
        action_prefix=action or None, actor_id=actor_user.id if actor_user else None, before_id=before, limit=PAGE)
    return render_template("admin/audit.html", events=events, action=action, actor=actor,
                           next_before=events[-1].id if len(events) == PAGE else None)


@bp.route("/identity", methods=["GET", "POST"])
def identity():
    require(can_configure(current_user))
    form = IdentitySettingsForm(data={field: get_setting(key) for field, key in SETTING_FIELDS.items()})
    if form.validate_on_submit():
        values = {key: getattr(form, field).data for field, key in SETTING_FIELDS.items()}
        values["ldap.max_deactivate_share"] = float(values["ldap.max_deactivate_share"] or Decimal("0.1"))
        values["ldap.sync_interval_minutes"] = values["ldap.sync_interval_minutes"] or 0
        changes = update_settings(values, current_user)
        db.session.commit()
        flash(_("Saved %(count)s change(s).", count=len(changes)), "success")
        return redirect(url_for("admin.identity"))
    return _identity_page(form), 400 if request.method == "POST" else 200


def _mapping_form() -> GroupMappingForm:
    form = GroupMappingForm()
    form.team_id.choices = [SelectChoice("", _("(no team)"))] + [SelectChoice(str(t.id), t.name) for t in all_teams()]
    return form


def _identity_page(settings_form, mapping_form=None, ldap_test=None):
    mappings = db.session.scalars(sa.select(GroupMapping).order_by(GroupMapping.source, GroupMapping.group)).all()
    config = current_app.config
    return render_template(
        "admin/identity.html", form=settings_form, mapping_form=mapping_form or _mapping_form(), mappings=mappings,
        action=ActionForm(), ldap_configured=bool(config.get("LDAP_URL")),
        saml_configured=bool(config.get("SAML_IDP_METADATA_FILE")), ldap_test=ldap_test,
        ldap_login_form=LdapTestForm(formdata=None))


@bp.post("/identity/ldap-test")
def test_ldap():
    """Connect and bind with the service account; with a login and password, also try that sign-in
    (read-only: no account is created)."""
    require(can_configure(current_user))
    form = LdapTestForm()
    if not form.validate_on_submit():
        abort(400)
    result = check_connection()
    lines = [result.message]
    if result.ok and form.login.data:
        try:
            profile = probe_login(form.login.data, form.password.data or "")
        except ServicedeskError as exc:
            lines.append(exc.message)
        else:
            lines.append(_("Sign-in works: %(name)s <%(email)s>, groups: %(groups)s", name=profile.name,
                           email=profile.email, groups=", ".join(profile.groups) or "-") if profile
                         else _("Sign-in failed: unknown login or wrong password."))
    return _identity_page(IdentitySettingsForm(formdata=None),
                          ldap_test={"ok": result.ok, "lines": lines}), 200 if result.ok else 502


@bp.post("/identity/mappings")
def add_mapping():
    require(can_configure(current_user))
    form = _mapping_form()
    if not form.validate_on_submit():
        return _identity_page(IdentitySettingsForm(formdata=None), form), 400
    team = db.session.get(Team, int(form.team_id.data)) if form.team_id.data else None
    try:
        source = AuthSource(form.source.data)
        group = normalize_dn(form.group.data) if source is AuthSource.ldap else form.group.data
        add_group_mapping(source, group,
                          Role(form.role.data) if form.role.data else None, team, current_user)
    except ServicedeskError as exc:
        db.session.rollback()
        form.group.errors.append(exc.message)
        return _identity_page(IdentitySettingsForm(formdata=None), form), exc.status
    db.session.commit()
    flash(_("Mapping added."), "success")
    return redirect(url_for("admin.identity"))


@bp.post("/identity/mappings/<id:mapping_id>/delete")
def delete_mapping(mapping_id: int):
    require(can_configure(current_user))
    mapping = db.get_or_404(GroupMapping, mapping_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    remove_group_mapping(mapping, current_user)
    db.session.commit()
    flash(_("Mapping removed."), "success")
    return redirect(url_for("admin.identity"))


@bp.get("/users")
def users():
    require(can_configure(current_user))
    q = request.args.get("q", "").strip()[:100]
    stmt = sa.select(User).order_by(User.name).limit(200)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(User.name).like(like), User.email.like(like)))
    return render_template("admin/users.html", users=db.session.scalars(stmt).all(), q=q)


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    require(can_configure(current_user))
    user = db.get_or_404(User, user_id)
    teams = all_teams()
    form = UserEditForm(data={"role": user.role.value, "teams": sorted(user.team_ids),
                              "is_active": user.is_active_account})
    form.teams.choices = [SelectChoice(t.id, t.name) for t in teams]
    if form.validate_on_submit():
        try:
            user_ops.change_role_and_teams(user, current_user, role=Role(form.role.data),
                                           teams=[t for t in teams if t.id in set(form.teams.data)])
            if form.is_active.data:
                user_ops.reactivate_user(user, current_user)
            else:
                user_ops.deactivate_user(user, current_user, reason="deactivated by an administrator")
        except ServicedeskError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("admin/user_edit.html", user=user, form=form), exc.status
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/user_edit.html", user=user, form=form), 400 if request.method == "POST" else 200


@bp.route("/teams/<id:team_id>", methods=["GET", "POST"])
def team(team_id: int):
    team = db.get_or_404(Team, team_id)
    require(can_manage_team(current_user, team), _("Only administrators and this team's leads manage it."))
    form = TeamMembersForm()
    if form.validate_on_submit() and form.add_email.data:
        person = user_ops.get_user_by_email(form.add_email.data)
        if person is None or person.role not in (Role.agent, Role.lead):
            form.add_email.errors.append(_("No agent or lead has this e-mail address."))
            return render_template("admin/team.html", team=team, form=form, action=ActionForm()), 422
        user_ops.change_role_and_teams(person, current_user, teams=[*person.teams, team])
        db.session.commit()
        return redirect(url_for("admin.team", team_id=team.id))
    return render_template("admin/team.html", team=team, form=form, action=ActionForm())


@bp.post("/teams/<id:team_id>/members/<id:user_id>/remove")
def remove_member(team_id: int, user_id: int):
    team = db.get_or_404(Team, team_id)
    require(can_manage_team(current_user, team))
    person = db.get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    user_ops.change_role_and_teams(person, current_user, teams=[t for t in person.teams if t.id != team.id])
    db.session.commit()
    return redirect(url_for("admin.team", team_id=team.id))
