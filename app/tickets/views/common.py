"""The blueprint of the agent workspace, its access rule, and helpers its views share."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user

from ...core.clock import utcnow
from ...core.errors import PermissionDenied, ValidationFailed
from ...users.models import Role
from ..forms import FIELD_LABELS
from ..labels import label
from ..models import Level, Priority, Status, TicketType

#: templates live in app/tickets/templates, next to this package
bp = Blueprint("tickets", __name__, url_prefix="/tickets", template_folder="../templates")

#: roles that change tickets; auditors (and requesters) only read
WORKING_ROLES = (Role.agent, Role.lead, Role.admin)


@bp.before_request
def staff_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if request.endpoint == "tickets.attachment":
        return None  # requesters fetch their own tickets' files; checked in the view
    if not current_user.is_staff:
        raise PermissionDenied(_("The agent workspace is for IT staff. Your requests are in the portal."))
    if request.method not in ("GET", "HEAD") and current_user.role not in WORKING_ROLES:
        raise PermissionDenied(_("Your access is read-only."))
    return None


@bp.context_processor
def helpers():
    return {"age": _age, "field_label": lambda f: str(FIELD_LABELS.get(f, f)), "event_value": _event_value,
            "can_change": current_user.is_authenticated and current_user.role in WORKING_ROLES}


def _age(when) -> str:
    return format_timedelta(utcnow() - when, granularity="minute", threshold=1.1) if when else ""


def _event_value(field: str | None, value: str | None) -> str:
    """A history value in the reader's language (enum values are stored raw)."""
    enums = {"status": Status, "priority": Priority, "impact": Level, "urgency": Level, "type": TicketType}
    if value is None:
        return ""
    if field in enums:
        try:
            return label(enums[field](value))
        except ValueError:
            return value
    if field == "has_workaround":
        return _("yes") if value == "True" else _("no")
    return value


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def validate(form) -> None:
    if not form.validate_on_submit():
        problems = [f"{getattr(form, name).label.text}: {' '.join(map(str, errors))}"
                    for name, errors in form.errors.items()]
        raise ValidationFailed("; ".join(problems) or _("The form is incomplete."))


def pick(options: dict, raw: str | None, what: str):
    """The object chosen in a select (``""`` = none); ValidationFailed for an id that was not offered."""
    if not raw:
        return None
    if raw not in options:
        raise ValidationFailed(_("Unknown %(what)s.", what=what))
    return options[raw]


def with_current(objects: list, current) -> list:
    """The offered options, plus the current value if it is no longer offered (retired service...)."""
    return objects if current is None or current in objects else [*objects, current]


