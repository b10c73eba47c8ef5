"""Which permission rule of app/tickets/permissions.py each API action asks (the same as the UI's)."""

from __future__ import annotations

from flask_babel import gettext

from ..core.errors import PermissionDenied
from ..tickets import lifecycle
from ..tickets.models import Ticket
from ..tickets.permissions import (
    can_create_for_others,
    can_participate,
    can_see_internal,
    can_work_on_ticket,
    require_participate,
    require_work,
)


def allowed_transitions(user, ticket: Ticket) -> list[lifecycle.Transition]:
    """The lifecycle steps ``user`` may take on ``ticket`` now (none for auditors)."""
    if user.is_staff:
        return lifecycle.transitions_from(ticket.status, lifecycle.STAFF) if can_work_on_ticket(user, ticket) else []
    if can_participate(user, ticket):
        return lifecycle.transitions_from(ticket.status, lifecycle.REQUESTER)
    return []


def require_transition(user, ticket: Ticket) -> None:
    if user.is_staff:
        require_work(user, ticket)
    else:
        require_participate(user, ticket)


def require_comment(user, ticket: Ticket, internal: bool) -> None:
    if internal and not can_see_internal(user):
        raise PermissionDenied(gettext("Only staff can write internal notes."))
    if internal or user.is_staff:
        require_work(user, ticket)
    else:
        require_participate(user, ticket)


def require_create_for(user, requester_ref) -> None:
    """Only staff may name someone else as the requester (checked before looking the person up, so
    a requester cannot probe which accounts exist)."""
    if requester_ref is None or can_create_for_others(user):
        return
    if requester_ref in (user.id, user.email):
        return
    raise PermissionDenied(gettext("Only staff can open a ticket on someone else's behalf."))
