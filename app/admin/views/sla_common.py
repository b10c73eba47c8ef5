"""What the SLA editor's calendar and policy pages share: the preview page and the signed change it carries.

An edit is previewed first; the preview page carries the edit as a signed token (the form's values, not
re-entered), so what is saved is exactly what was previewed. The token names the version it was
previewed against: a change made meanwhile by someone else is refused (Conflict) instead of overwritten.
"""

from __future__ import annotations

from flask import current_app, flash, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ...core.errors import ServicedeskError
from ...sla.configuration import Recompute
from ...sla.operations import DueChange
from ..forms import ActionForm

#: due-date moves computed for the preview, and shown
PREVIEW_LIMIT = 1000
PREVIEW_SHOWN = 50
TOKEN_MAX_AGE = 3600
TARGET_NAMES = {"acknowledge": _l("acknowledge"), "first_response": _l("first response"),
                "next_response": _l("next response"), "resolution": _l("resolution")}


class BadChange(ServicedeskError):
    status = 400
    code = "bad_request"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="admin.sla.preview")


def sign(change: dict) -> str:
    return _serializer().dumps(change)


def unsign(token: str | None, kind: str) -> dict:
    try:
        change = _serializer().loads(token or "", max_age=TOKEN_MAX_AGE)
    except BadSignature:
        raise BadChange(_("This preview has expired or was altered. Make the change again.")) from None
    if not isinstance(change, dict) or change.get("kind") != kind:
        raise BadChange(_("This preview belongs to another page. Make the change again."))
    return change


def render_preview(*, title: str, summary: list[str], changes: list[DueChange], save_url: str, change: dict,
                   cancel_url: str, open_tickets: int, explain: str = "", status: int = 200):
    """The preview page: what changes, which open tickets' due dates move and how, and the confirm button."""
    shown = changes[:PREVIEW_SHOWN]
    form = ActionForm()
    return render_template(
        "admin/sla_preview.html", title=title, summary=summary, shown=shown, moves=len(changes),
        tickets=len({c.ticket_id for c in changes}), is_capped=len(changes) >= PREVIEW_LIMIT,
        target_names=TARGET_NAMES, save_url=save_url, token=sign(change), cancel_url=cancel_url, form=form,
        open_tickets=open_tickets, inline_limit=current_app.config["SLA_RECOMPUTE_INLINE_LIMIT"],
        explain=explain), status


def flash_saved(plan: Recompute | None) -> None:
    if plan is None:
        flash(_("Saved. No open ticket's due dates depend on this change."), "success")
    elif plan.background:
        flash(_("Saved. Recomputing the due dates of %(count)s open tickets is queued: it runs in the "
                "background, in batches, and takes a minute or two.", count=plan.tickets), "success")
    else:
        flash(_("Saved. %(count)s open tickets were recomputed; %(changed)s of them have new due dates.",
                count=plan.tickets, changed=plan.changed or 0), "success")
