"""Role-level permissions (what a role may do at all). Ticket-level checks are in tickets/permissions.py."""

from __future__ import annotations

from flask_babel import gettext as _

from ..core.errors import PermissionDenied
from .models import Role, Team


def can_configure(user) -> bool:
    """Admin settings: identity, mappings, users."""
    return user.is_authenticated and user.role is Role.admin


def can_read_audit(user) -> bool:
    return user.is_authenticated and user.role in (Role.admin, Role.auditor)


def can_manage_team(user, team: Team) -> bool:
    """Admins manage every team; leads manage the teams they belong to."""
    return user.is_authenticated and (
        user.role is Role.admin or (user.role is Role.lead and team.id in user.team_ids))


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You do not have permission to do this."))
