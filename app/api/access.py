"""Which permission rule of app/tickets/permissions.py each API action asks (the same as the UI's)."""

from __future__ import annotations

from flask_babel import gettext

from ..core.errors import PermissionDenied
from ..tickets import lifecycle
from ..tickets.models import Status, Ticket
from ..tickets.permissions import (
    can_create_for_others,
    can_see_internal,
    can_take_requester_steps,
    can_work_on_ticket,
    require_participate,
    require_work,
)
from ..users.models import Role


def _roles(user, ticket: Ticket) -> frozenset[str]:
    """The lifecycle roles ``user`` may act in on ``ticket``: STAFF if they may work on it; REQUESTER as its
    requester (staff too, an auditor included, on their own ticket). Watchers take no step."""
    roles = lifecycle.roles_for(user, ticket.requester_id)
    if lifecycle.STAFF in roles and not can_work_on_ticket(user, ticket):
        roles -= {lifecycle.STAFF}
    if lifecycle.REQUESTER in roles and not can_take_requester_steps(user, ticket):
        roles -= {lifecycle.REQUESTER}
    return roles


def allowed_transitions(user, ticket: Ticket) -> list[lifecycle.Transition]:
    """The lifecycle steps ``user`` may take on ``ticket`` now through the API: none for auditors, whose
    tokens only read (auth.authenticate), though the permission rules below let them take the requester's
    steps on their own ticket, as the portal does."""
    roles = frozenset() if user.role is Role.auditor else _roles(user, ticket)
    return lifecycle.transitions_from(ticket.status, roles) if roles else []


def _is_own_request(user, ticket: Ticket) -> bool:
    return user.is_staff and ticket.requester_id == user.id


def require_transition(user, ticket: Ticket, target: Status | None = None) -> None:
    """Staff move the tickets they work on; the requester (staff on their own ticket too) takes the
    requester's steps. ``target``: a member of staff who may not work on their own ticket (an auditor) is
    refused the steps only staff take (the operation would let them, as it knows them as staff)."""
    if user.is_staff and not _is_own_request(user, ticket):
        require_work(user, ticket)
        return
    if _is_own_request(user, ticket) and can_work_on_ticket(user, ticket):
        return
    require_participate(user, ticket)
    if not can_take_requester_steps(user, ticket):
        raise PermissionDenied(gettext("Only the requester can confirm, reopen or withdraw this request."))
    if target is not None and _is_own_request(user, ticket):
        status = ticket.status
        if (all(t.target is not target for t in lifecycle.transitions_from(status, lifecycle.REQUESTER))
                and any(t.target is target for t in lifecycle.transitions_from(status, lifecycle.STAFF))):
            raise PermissionDenied(gettext("You may not change this ticket."))


def require_comment(user, ticket: Ticket, internal: bool) -> None:
    """Internal notes: staff who work on the ticket. Public replies: staff who work on it, its requester
    (staff too, an auditor included, on their own ticket) and watchers."""
    if internal and not can_see_internal(user):
        raise PermissionDenied(gettext("Only staff can write internal notes."))
    if internal or (user.is_staff and not _is_own_request(user, ticket)):
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
