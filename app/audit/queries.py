from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from .models import AuditEvent


def recent_events(*, action_prefix: str | None = None, actor_id: int | None = None, target_type: str | None = None,
                  target_id: str | None = None, before_id: int | None = None, limit: int = 100) -> list[AuditEvent]:
    """Newest first, keyset-paged by id."""
    stmt = sa.select(AuditEvent)
    if action_prefix:
        stmt = stmt.where(AuditEvent.action.startswith(action_prefix, autoescape=True))
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if target_type:
        stmt = stmt.where(AuditEvent.target_type == target_type)
    if target_id is not None:
        stmt = stmt.where(AuditEvent.target_id == str(target_id))
    if before_id is not None:
        stmt = stmt.where(AuditEvent.id < before_id)
    return list(db.session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(limit)))
