"""Signing in and out: password (local accounts), the second factor, and the 2FA enrolment gate."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import signals
from ..core.clock import utcnow
from ..core.errors import ServicedeskError
from ..extensions import db
from ..users.models import User
from ..users.operations import load_user_for_session
from .forms import LoginForm, ResetForm, ResetRequestForm, SecondFactorForm
from .ldap import authenticate_ldap
from .local import (
    LoginRefused,
    check_password_login,
    complete_password_reset,
    must_enrol_second_factor,
    request_password_reset,
    requires_second_factor,
    reset_user,
    verify_second_factor,
)
from .redirects import safe_next
from .saml import is_enabled as saml_enabled
from .sessions import current_session_row, end_session, start_session

bp = Blueprint("auth", __name__, url_prefix="/auth", template_folder="templates")

PENDING_KEY, ENROL_KEY = "pending_2fa", "enrol_2fa"
PENDING_FOR = timedelta(minutes=5)
#: pages a user who must set up 2FA can still reach
ENROL_ALLOWED = {"account.setup_2fa", "account.confirm_2fa", "auth.logout", "static"}


def _finish(user: User, method: str, next_url: str | None):
    start_session(user, method)
    if must_enrol_second_factor(user):
        session[ENROL_KEY] = True
        db.session.commit()
        flash(_("Your role requires two-factor sign-in. Set it up to continue."), "error")
        return redirect(url_for("account.setup_2fa"))
    db.session.commit()
    return redirect(safe_next(next_url, url_for("web.index")))


def _login_page(form):
    return render_template("auth/login.html", form=form, sso=saml_enabled())


def _refused(login: str, exc: LoginRefused, template: str, form, status: int | None = None):
    signals.login_failed.send(login, reason=exc.reason)
    db.session.commit()
    flash(exc.message, "error")
    page = _login_page(form) if template == "auth/login.html" else render_template(template, form=form)
    return page, status or (429 if exc.reason == "locked" else 401)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("web.index")))
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return _login_page(form), 400 if request.method == "POST" else 200
    try:
        user, method = _authenticate(form.email.data, form.password.data)
    except LoginRefused as exc:
        return _refused(form.email.data, exc, "auth/login.html", form)
    except ServicedeskError as exc:  # directory down (503), account not linked (409)
        return _refused(form.email.data, LoginRefused(exc.message, exc.code), "auth/login.html", form, exc.status)
    if requires_second_factor(user):
        session[PENDING_KEY] = {"user": user.get_id(), "at": utcnow().isoformat()}
        db.session.commit()
        return redirect(url_for("auth.second_factor", next=form.next.data or None))
    return _finish(user, method, form.next.data)


def _authenticate(login: str, password: str) -> tuple[User, str]:
    """Local accounts first (so break-glass admins work while the directory is down), then LDAP."""
    try:
        return check_password_login(login, password), "password"
    except LoginRefused as exc:
        if exc.reason != "bad credentials" or not current_app.config["LDAP_URL"]:
            raise
        local_refusal = exc
    user = authenticate_ldap(login, password)
    if user is None:
        raise local_refusal
    return user, "ldap"


def _pending_user() -> User | None:
    pending = session.get(PENDING_KEY)
    if not pending or utcnow() - datetime.fromisoformat(pending["at"]) > PENDING_FOR:
        return None
    return load_user_for_session(pending["user"])


@bp.route("/2fa", methods=["GET", "POST"])
def second_factor():
    user = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Sign in again."), "error")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("auth/second_factor.html", form=form), 400 if request.method == "POST" else 200
    method = verify_second_factor(user, form.code.data)
    if method is None:
        user.failed_logins += 1
        return _refused(user.email, LoginRefused(_("The code is not correct."), "bad second factor"),
                        "auth/second_factor.html", form)
    session.pop(PENDING_KEY, None)
    if method == "recovery":
        flash(_("You used a recovery code. Each code works once: set up a new authenticator if you lost yours."),
              "success")
    return _finish(user, "totp", form.next.data)


@bp.post("/logout")
def logout():
    row = current_session_row()
    if row is not None and row.method == "saml" and saml_enabled():
        return redirect(url_for("saml.logout"), code=307)  # also ends the session at the IdP
    end_session("logout")
    db.session.commit()
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data,
                               lambda token: current_app.config["BASE_URL"].rstrip("/") + url_for(
                                   "auth.reset_password", token=token))
        db.session.commit()
        # The same answer whether or not the account exists.
        flash(_("If a local account has this address, a link to reset its password is on its way."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if reset_user(token) is None:
        flash(_("This link is invalid, used or expired. Ask for a new one."), "error")
        return redirect(url_for("auth.request_reset"))
    form = ResetForm()
    if form.validate_on_submit():
        try:
            complete_password_reset(token, form.new.data)
        except ServicedeskError as exc:
            db.session.rollback()
            form.new.errors.append(exc.message)
            return render_template("auth/reset.html", form=form), exc.status
        db.session.commit()
        flash(_("Your password is set. Sign in with it."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), 400 if request.method == "POST" else 200


@bp.before_app_request
def enforce_enrolment():
    """A user whose role requires 2FA can do nothing else until it is set up."""
    if session.get(ENROL_KEY) and current_user.is_authenticated and request.endpoint not in ENROL_ALLOWED:
        return redirect(url_for("account.setup_2fa"))
    return None
