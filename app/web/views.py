"""Views that belong to no domain: the front door and language switch."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required

bp = Blueprint("web", __name__)


@bp.get("/")
@login_required
def index():
    return redirect(url_for("tickets.queue" if current_user.is_staff else "portal.my_tickets"))
