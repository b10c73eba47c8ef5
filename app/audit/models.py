from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..core.db import IdMixin
from ..extensions import db


class AuditEvent(IdMixin, db.Model):
    """Who did what to what, from where, and whether it worked. Append-only."""

    __tablename__ = "audit_event"
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: NULL for the system or an unknown person (failed sign-in for a non-existent account)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    #: readable actor at the time (e-mail, "system"): stays meaningful after the user is deleted
    actor_label: Mapped[str] = mapped_column(sa.String(254))
    #: dotted verb, e.g. "auth.login", "auth.login_failed", "user.role_changed", "token.revoked"
    action: Mapped[str] = mapped_column(sa.String(64))
    #: "user", "token", "ticket", "directory", ...
    target_type: Mapped[str | None] = mapped_column(sa.String(32))
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    #: extra facts (reason, method, old/new values); never secrets
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (
        sa.Index("ix_audit_event_at", "at"),
        sa.Index("ix_audit_event_actor_at", "actor_id", "at"),
        sa.Index("ix_audit_event_action_at", "action", "at"),
    )
