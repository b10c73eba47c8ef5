from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from .models import ApiToken, Role, Team, User

STAFF_ROLES = (Role.agent, Role.lead, Role.admin)


def staff_users() -> list[User]:
    """Active people tickets can be assigned to."""
    return list(db.session.scalars(
        sa.select(User).where(User.role.in_(STAFF_ROLES), User.is_active_account).order_by(User.name)
    ))


def staff_names() -> list[sa.Row]:
    """(id, name) of `staff_users`, for an assignee list on a page (no User objects: there may be hundreds)."""
    return list(db.session.execute(
        sa.select(User.id, User.name).where(User.role.in_(STAFF_ROLES), User.is_active_account).order_by(User.name)
    ))


def all_teams() -> list[Team]:
    return list(db.session.scalars(sa.select(Team).order_by(Team.tier, Team.name)))


def find_requesters(text: str, limit: int = 20) -> list[User]:
    pattern = f"%{text.strip().lower()}%"
    return list(db.session.scalars(
        sa.select(User).where(
            User.is_active_account,
            sa.or_(sa.func.lower(User.name).like(pattern), User.email.like(pattern)),
        ).order_by(User.name).limit(limit)
    ))


def active_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc())
    ))
