"""A person's own account: password, two-factor, signed-in sessions, API tokens."""

from __future__ import annotations

from datetime import timedelta

import segno
from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.clock import utcnow
from ..core.errors import ServicedeskError
from ..core.settings import get_setting
from ..extensions import db
from ..users.models import ApiToken, AuthSource, Role
from ..users.operations import create_api_token, revoke_api_token, set_password
from ..users.passwords import verify_password
from ..users.queries import active_tokens
from .forms import ActionForm, ConfirmTotpForm, PasswordChangeForm, TokenForm
from .local import begin_totp, confirm_totp, disable_totp, provisioning_uri, unused_recovery_codes
from .models import UserSession
from .sessions import active_sessions, current_session_row, is_current, revoke_user_sessions, start_session
from .views import ENROL_KEY

bp = Blueprint("account", __name__, url_prefix="/account", template_folder="templates")


def _page(**forms):
    user = current_user
    context = {"password_form": PasswordChangeForm(), "token_form": TokenForm(), **forms}
    return render_template(
        "auth/account.html", sessions=active_sessions(user), is_current=is_current, tokens=active_tokens(user),
        action=ActionForm(), recovery_left=unused_recovery_codes(user) if user.has_totp else 0,
        can_change_password=user.auth_source is AuthSource.local, **context)


@bp.get("/")
@login_required
def overview():
    return _page()


@bp.post("/password")
@login_required
def change_password():
    form = PasswordChangeForm()
    if current_user.auth_source is not AuthSource.local:
        abort(403)
    if not form.validate_on_submit():
        return _page(password_form=form), 400
    if not verify_password(current_user.password_hash, form.current.data):
        form.current.errors.append(_("The current password is not correct."))
        return _page(password_form=form), 400
    user, method = current_user._get_current_object(), current_session_row().method
    try:
        set_password(user, form.new.data, user)
    except ServicedeskError as exc:
        form.new.errors.append(exc.message)
        return _page(password_form=form), 422
    start_session(user, method)  # every session ended with the change; this browser gets a new one
    db.session.commit()
    flash(_("Your password is changed. You were signed out everywhere else."), "success")
    return redirect(url_for("account.overview"))


@bp.route("/2fa/setup", methods=["GET", "POST"])
@login_required
def setup_2fa():
    if current_user.auth_source is not AuthSource.local:
        abort(403)
    if current_user.has_totp and not session.get(ENROL_KEY):
        return redirect(url_for("account.overview"))
    secret = begin_totp(current_user)
    db.session.commit()
    uri = provisioning_uri(current_user)
    qr = segno.make(uri, error="m").svg_data_uri(scale=4, dark="#000", light="#fff")
    return render_template("auth/setup_2fa.html", secret=secret, uri=uri, qr=qr, form=ConfirmTotpForm())


@bp.post("/2fa/confirm")
@login_required
def confirm_2fa():
    form = ConfirmTotpForm()
    if not form.validate_on_submit():
        return redirect(url_for("account.setup_2fa"))
    try:
        codes = confirm_totp(current_user, form.code.data, current_user)
    except ServicedeskError as exc:
        db.session.rollback()
        uri = provisioning_uri(current_user)
        form.code.errors.append(exc.message)
        qr = segno.make(uri, error="m").svg_data_uri(scale=4)
        return render_template("auth/setup_2fa.html", secret=current_user.totp_secret, uri=uri, qr=qr,
                               form=form), 422
    session.pop(ENROL_KEY, None)
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.post("/2fa/disable")
@login_required
def disable_2fa():
    if not ActionForm().validate_on_submit():
        abort(400)
    if current_user.role.value in get_setting("auth.require_2fa_roles"):
        flash(_("Your role requires two-factor sign-in; it cannot be turned off."), "error")
        return redirect(url_for("account.overview")), 409
    disable_totp(current_user, current_user)
    db.session.commit()
    flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for("account.overview"))


@bp.post("/sessions/<id_hash>/revoke")
@login_required
def revoke_session(id_hash: str):
    row = db.session.get(UserSession, id_hash)
    if row is None or row.user_id != current_user.id or not ActionForm().validate_on_submit():
        abort(404)
    row.revoked_at, row.revoked_reason = utcnow(), "revoked by user"
    db.session.commit()
    flash(_("The session is signed out."), "success")
    return redirect(url_for("account.overview"))


@bp.post("/sessions/revoke-others")
@login_required
def revoke_other_sessions():
    if not ActionForm().validate_on_submit():
        abort(400)
    count = revoke_user_sessions(current_user, "revoked by user", keep=current_session_row())
    db.session.commit()
    flash(_("%(count)s other session(s) signed out.", count=count), "success")
    return redirect(url_for("account.overview"))


@bp.post("/tokens")
@login_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(token_form=form), 400
    scopes = set(form.scopes.data)
    if "admin" in scopes and current_user.role is not Role.admin:
        form.scopes.errors.append(_("Only administrators can create tokens with the admin scope."))
        return _page(token_form=form), 403
    expires = utcnow() + timedelta(days=form.expires_in_days.data) if form.expires_in_days.data else None
    token, plaintext = create_api_token(current_user, current_user, name=form.name.data, scopes=scopes,
                                        expires_at=expires)
    db.session.commit()
    return render_template("auth/token_created.html", token=token, plaintext=plaintext)


@bp.post("/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id or not ActionForm().validate_on_submit():
        abort(404)
    revoke_api_token(token, current_user)
    db.session.commit()
    flash(_("The token is revoked."), "success")
    return redirect(url_for("account.overview"))
