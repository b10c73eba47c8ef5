"""Administration pages. Every view checks a role permission from users/permissions.py.

* `settings`: identity settings, group mappings, users, teams, the audit log
* `sla_calendars`, `sla_policies`: the SLA editor (every edit is previewed before it is saved)
"""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="../templates")


@bp.before_request
@login_required
def staff_only():
    if not current_user.is_staff:
        abort(403)


from . import settings, sla_calendars, sla_policies  # noqa: E402, F401  (they add their views to bp)
