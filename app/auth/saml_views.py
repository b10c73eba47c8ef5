"""SAML 2.0 SP endpoints: metadata, sign-in start, assertion consumer service, single logout.

The ACS and SLO endpoints receive posts from the IdP, so blueprints.py exempts them from CSRF; they are
protected by the XML signatures and the one-time request ids instead.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template_string, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

from ..core import signals
from ..core.errors import Conflict, ServicedeskError
from ..extensions import db
from ..web import CSP
from . import saml
from .redirects import safe_next
from .sessions import current_session_row, end_session, start_session

bp = Blueprint("saml", __name__, url_prefix="/auth/saml")

#: the NameID (with qualifiers) of this browser's SAML sign-in, for the LogoutRequest
NAME_ID_KEY = "saml_name_id"

POST_PAGE = """{% extends "base.html" %}
{% block title %}{{ heading }}{% endblock %}
{% block content %}
<h1>{{ heading }}</h1>
<form method="post" action="{{ outbound.url }}">
  {% for name, value in outbound.fields.items() %}<input type="hidden" name="{{ name }}" value="{{ value }}">
  {% endfor %}<button type="submit">{{ button }}</button>
</form>
{% endblock %}"""


def _send(outbound: saml.Outbound):
    """Redirect the browser to the IdP, or (POST binding) show a form that posts there."""
    if not outbound.is_post:
        return redirect(outbound.url, code=303)
    response = Response(render_template_string(POST_PAGE, outbound=outbound, button=_("Continue"),
                                               heading=_("Continue to your identity provider")))
    response.headers["Content-Security-Policy"] = CSP.replace(
        "form-action 'self'", f"form-action 'self' {saml.request_host(outbound.url)}")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metadata")
def metadata():
    return Response(saml.sp_metadata(), mimetype="application/samlmetadata+xml",
                    headers={"Content-Disposition": 'inline; filename="servicedesk-sp-metadata.xml"'})


@bp.get("/login")
def login():
    next_path = safe_next(request.args.get("next"), url_for("web.index"))
    if current_user.is_authenticated:
        return redirect(next_path)
    outbound = saml.begin_login(next_path)
    db.session.commit()
    return _send(outbound)


@bp.post("/acs")
def acs():
    result = None
    try:
        result = saml.consume_response(request.form.get("SAMLResponse"))
        user = saml.provision_saml_user(result)
    except ServicedeskError as exc:
        db.session.rollback()
        if result is not None:
            saml.burn_request(result.request_id)
        subject = getattr(exc, "subject", None) or (result.profile.email if result else None) or "saml"
        reason = getattr(exc, "reason", None) or ("not linked" if isinstance(exc, Conflict) else exc.code)
        signals.login_failed.send(subject, reason=f"saml: {reason}")
        db.session.commit()
        raise
    start_session(user, "saml", saml_session_index=result.session_index)
    session[NAME_ID_KEY] = result.name_id_code
    db.session.commit()
    return redirect(safe_next(result.relay_state, url_for("web.index")))


@bp.post("/logout")
def logout():
    """SP-initiated single logout: end our session, then ask the IdP to end its own."""
    row, name_id = current_session_row(), session.get(NAME_ID_KEY)
    outbound = None
    if row is not None and row.method == "saml" and name_id and saml.is_enabled():
        try:
            outbound = saml.begin_logout(name_id, row.saml_session_index)
        except ServicedeskError:
            outbound = None  # we still sign out here
    end_session("logout")
    db.session.commit()
    if outbound is None:
        flash(_("You are signed out."), "success")
        return redirect(url_for("auth.login"))
    return _send(outbound)


@bp.route("/slo", methods=["GET", "POST"])
def slo():
    """IdP-initiated LogoutRequest, or the IdP's LogoutResponse to ours."""
    values = request.args if request.method == "GET" else request.form
    binding = BINDING_HTTP_REDIRECT if request.method == "GET" else BINDING_HTTP_POST
    raw_query = request.query_string.decode("ascii", "replace")
    if values.get("SAMLRequest"):
        user, ended, outbound = saml.handle_logout_request(binding, values["SAMLRequest"], raw_query,
                                                           values.get("RelayState"))
        if user is not None and ended:
            signals.logged_out.send(user, reason="single logout")
        row = current_session_row()
        if row is not None:
            db.session.refresh(row)
            if row.revoked_at is not None:
                logout_user()
                session.clear()
        db.session.commit()
        return _send(outbound)
    if values.get("SAMLResponse"):
        if saml.handle_logout_response(binding, values["SAMLResponse"], raw_query):
            flash(_("You are signed out."), "success")
        else:
            flash(_("You are signed out here, but the identity provider could not end its own session."),
                  "error")
        return redirect(url_for("auth.login"))
    abort(400, _("A SAML logout message was expected."))
