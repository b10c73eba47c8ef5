from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..core.db import CreatedAtMixin, IdMixin, enum_type
from ..extensions import db


class DeliveryChannel(enum.Enum):
    email = "email"
    webhook = "webhook"


class DeliveryStatus(enum.Enum):
    pending = "pending"
    sent = "sent"
    #: gave up after the last retry; kept for the admins to see and resend
    dead = "dead"


class Delivery(IdMixin, CreatedAtMixin, db.Model):
    """One message to one recipient. Written with the change that causes it; sent after commit."""

    __tablename__ = "delivery"
    channel: Mapped[DeliveryChannel] = mapped_column(enum_type(DeliveryChannel))
    #: e-mail address or webhook URL
    recipient: Mapped[str] = mapped_column(sa.String(1000))
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    #: plain-text mail body, or the JSON document a webhook receives
    body: Mapped[str] = mapped_column(sa.Text, default="")
    #: same key = same message: enqueueing it again does nothing; receivers can deduplicate on it too
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    status: Mapped[DeliveryStatus] = mapped_column(enum_type(DeliveryStatus), default=DeliveryStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    #: when the job should (re)try; NULL once sent or dead
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(1000))
    sent_at: Mapped[datetime | None]
    #: what it is about, for the ticket history and the admin view
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ticket.id", ondelete="SET NULL"))

    __table_args__ = (
        # The delivery job polls only what is due: a small partial index, whatever the history size.
        sa.Index("ix_delivery_due", "next_attempt_at", postgresql_where=sa.text("status = 'pending'"),
                 sqlite_where=sa.text("status = 'pending'")),
        sa.Index("ix_delivery_ticket_id", "ticket_id"),
    )
