from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import signals
from ..extensions import db
from ..users.operations import authenticate_local
from .forms import LoginForm
from .redirects import safe_next
from .sessions import end_session, start_session

bp = Blueprint("auth", __name__, url_prefix="/auth", template_folder="templates")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("web.index")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = authenticate_local(form.email.data, form.password.data)
        if user is None:
            signals.login_failed.send(form.email.data, reason="bad credentials")
            db.session.commit()
            flash(_("The e-mail address or password is not correct."), "error")
            return render_template("auth/login.html", form=form), 401
        start_session(user, method="password")
        db.session.commit()
        return redirect(safe_next(form.next.data, url_for("web.index")))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    end_session("logout")
    db.session.commit()
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))
