"""SLA pages of the workspace: the live list of tickets about to breach and breached this week; and what the
SLA adds to the queue (badges, the "time to breach" sort) and to the ticket page (the SLA panel), through
the workspace's extension points (tickets/views/extensions.py; tickets never import this package).
Staff only. Reads only: the SLA's state changes come from the ticket's signals and the job.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, get_template_attribute, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from ..core.clock import utcnow
from ..core.errors import PermissionDenied, ValidationFailed
from ..tickets.views.extensions import QueueColumn, QueueSort, workspace_extensions
from . import display, queries

bp = Blueprint("sla", __name__, url_prefix="/sla", template_folder="templates")

#: the windows the live page offers for "about to breach" (URL value -> window, label)
WINDOWS = {
    "1h": (timedelta(hours=1), _l("within 1 hour")),
    "4h": (timedelta(hours=4), _l("within 4 hours")),
    "1d": (timedelta(days=1), _l("within 1 day")),
}
DEFAULT_WINDOW = "1h"
#: how often the live page refreshes itself (htmx; a meta refresh without JavaScript)
REFRESH_SECONDS = 30


@bp.record_once
def _register(state: BlueprintSetupState) -> None:
    app = state.app
    app.jinja_env.filters["duration"] = display.format_duration
    app.jinja_env.filters["business_duration"] = display.format_business_duration
    app.jinja_env.globals.update(
        sla_target_label=display.target_label, sla_state_label=display.state_label,
        sla_badge_text=display.badge_text, sla_timeline_text=display.timeline_text,
        sla_business_target=display.business_target, sla_minutes=lambda n: timedelta(minutes=n or 0))
    extensions = workspace_extensions(app)
    extensions.sorts["due"] = QueueSort(_l("Time to breach (soonest first)"), queries.tickets_by_time_to_breach)
    extensions.columns.append(QueueColumn(_l("SLA"), badge_cells))
    extensions.ticket_panels.append(ticket_panel)
    extensions.links.append((_l("SLA: about to breach / breached"), "sla.live"))


@bp.before_request
def staff_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_staff:
        raise PermissionDenied(_("The agent workspace is for IT staff. Your requests are in the portal."))
    return None


def badge_cells(tickets: list) -> dict[int, Markup]:
    """The SLA badge of each ticket of a queue page (one query for the whole page)."""
    now = utcnow()
    badge = get_template_attribute("sla/_macros.html", "badge")
    return {ticket_id: badge(head.state, head.at, head.target, now)
            for ticket_id, head in queries.headlines([t.id for t in tickets], now).items() if head}


def ticket_panel(ticket) -> Markup:
    """The SLA panel of the ticket page: each target, the policy and why, and the explaining timeline."""
    now = utcnow()
    return get_template_attribute("sla/_panel.html", "sla_panel")(queries.sla_panel(ticket, now),
                                                                  queries.sla_state(ticket), now)


@bp.get("/")
def live():
    window = request.args.get("within") or DEFAULT_WINDOW
    if window not in WINDOWS:
        raise ValidationFailed(_("Unknown time window “%(value)s”.", value=window[:20]), {"field": "within"})
    teams = {str(t.id): t for t in current_user.teams}
    team = teams.get(request.args.get("team", ""))
    if request.args.get("team") and team is None:
        raise ValidationFailed(_("Choose one of your teams."), {"field": "team"})
    now = utcnow()
    context = dict(
        now=now, window=window, windows=WINDOWS, teams=list(teams.values()), team=team,
        refresh_seconds=REFRESH_SECONDS,
        self_url=url_for(".live", within=window, team=team.id if team else None),
        soon=queries.visible_about_to_breach(current_user, WINDOWS[window][0], team_id=team and team.id, now=now),
        breached=queries.visible_breached_this_week(current_user, team_id=team and team.id, now=now),
    )
    if request.headers.get("HX-Request") == "true":
        return render_template("sla/_live_lists.html", **context)
    return render_template("sla/live.html", **context)
