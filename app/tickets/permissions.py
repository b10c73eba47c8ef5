"""Who may see and change which ticket: the one place every way in (UI, API, mail, jobs) asks.

Roles: requesters see their own tickets (and ones they watch; their department's if an admin turns
that on), never internal notes; agents and
leads see their teams' tickets, unassigned-team tickets and their own (all, if AGENTS_SEE_ALL_TICKETS);
admins see and change everything; auditors see everything and change nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..core.actors import SYSTEM
from ..core.errors import NotFound, PermissionDenied
from ..core.settings import get_setting
from ..users.models import Role, User
from .models import Ticket, ticket_watchers

READ_ALL_ROLES = {Role.admin, Role.auditor}


def _sees_all(user: User) -> bool:
    return user.role in READ_ALL_ROLES or (
        user.role in (Role.agent, Role.lead) and current_app.config["AGENTS_SEE_ALL_TICKETS"]
    )


def _sees_department(user) -> bool:
    """The optional rule that requesters see their department's tickets (admin setting)."""
    return bool(user.department) and get_setting("tickets.requesters_see_department")


def can_see_internal(user) -> bool:
    return user is SYSTEM or user.is_staff


def can_view_ticket(user, ticket: Ticket) -> bool:
    if user is SYSTEM:
        return True
    if not user.is_staff:
        return (ticket.requester_id == user.id or any(w.id == user.id for w in ticket.watchers)
                or (_sees_department(user) and ticket.requester.department == user.department))
    if _sees_all(user):
        return True
    return (
        ticket.team_id is None
        or ticket.team_id in user.team_ids
        or ticket.assignee_id == user.id
        or ticket.requester_id == user.id
    )


def can_work_on_ticket(user, ticket: Ticket) -> bool:
    """Change fields, change status, write notes, bulk-edit."""
    if user is SYSTEM:
        return True
    return user.role in (Role.agent, Role.lead, Role.admin) and can_view_ticket(user, ticket)


def can_participate(user, ticket: Ticket) -> bool:
    """Post a public reply: staff who work on it, or the requester and watchers. Staff (an auditor too)
    always reply to their own request."""
    if user is SYSTEM:
        return True
    if user.is_staff and ticket.requester_id != user.id:
        return can_work_on_ticket(user, ticket)
    return can_view_ticket(user, ticket)


def can_take_requester_steps(user, ticket: Ticket) -> bool:
    """Confirm a fix, say it is not fixed, reopen, withdraw, rate: the requester's own decisions (staff
    on their own request too). Watchers and colleagues who see the ticket follow it and reply."""
    return getattr(user, "id", None) == ticket.requester_id and can_participate(user, ticket)


def can_create_for_others(user) -> bool:
    """Agents log phone calls and walk-ups on a requester's behalf."""
    return user is SYSTEM or user.role in (Role.agent, Role.lead, Role.admin)


def visible_tickets_clause(user) -> sa.ColumnElement[bool]:
    """SQL condition matching exactly the tickets ``can_view_ticket`` allows."""
    if user is SYSTEM or (user.is_staff and _sees_all(user)):
        return sa.true()
    if not user.is_staff:
        watched = sa.select(ticket_watchers.c.ticket_id).where(ticket_watchers.c.user_id == user.id)
        clause = sa.or_(Ticket.requester_id == user.id, Ticket.id.in_(watched))
        if _sees_department(user):
            colleagues = sa.select(User.id).where(User.department == user.department)
            clause = sa.or_(clause, Ticket.requester_id.in_(colleagues))
        return clause
    return sa.or_(
        Ticket.team_id.is_(None),
        Ticket.team_id.in_(user.team_ids or [-1]),
        Ticket.assignee_id == user.id,
        Ticket.requester_id == user.id,
    )


def require_view(user, ticket: Ticket | None, ticket_id=None) -> Ticket:
    """The ticket if ``user`` may see it; otherwise 404 (never reveal that it exists)."""
    if ticket is None or not can_view_ticket(user, ticket):
        raise NotFound(_("Ticket %(id)s does not exist.", id=ticket_id if ticket is None else ticket.id))
    return ticket


def require_work(user, ticket: Ticket) -> None:
    if not can_work_on_ticket(user, ticket):
        raise PermissionDenied(_("You may not change this ticket."))


def require_participate(user, ticket: Ticket) -> None:
    if not can_participate(user, ticket):
        raise PermissionDenied(_("You may not reply to this ticket."))
