"""Putting messages into the outbox. Never sends: the delivery job does, after the commit."""

from __future__ import annotations

import sqlalchemy as sa

from ..core.clock import utcnow
from ..extensions import db
from .backends import payload
from .models import Delivery, DeliveryChannel, DeliveryStatus


def _enqueue(channel: DeliveryChannel, recipient: str, key: str, *, subject: str = "", body: str = "",
             ticket_id: int | None = None) -> Delivery:
    """Idempotent: a second call with the same key returns the first delivery and adds nothing."""
    existing = db.session.scalar(sa.select(Delivery).where(Delivery.idempotency_key == key))
    if existing is not None:
        return existing
    delivery = Delivery(channel=channel, recipient=recipient, subject=subject[:300], body=body,
                        idempotency_key=key, ticket_id=ticket_id, next_attempt_at=utcnow())
    db.session.add(delivery)
    db.session.flush()
    return delivery


def enqueue_email(to: str, subject: str, body: str, key: str, ticket_id: int | None = None) -> Delivery:
    return _enqueue(DeliveryChannel.email, to, key, subject=subject, body=body, ticket_id=ticket_id)


def enqueue_webhook(url: str, document: dict, key: str, ticket_id: int | None = None) -> Delivery:
    return _enqueue(DeliveryChannel.webhook, url, key, body=payload(document), ticket_id=ticket_id)


def retry_delivery(delivery: Delivery) -> None:
    """An admin sends a dead delivery again."""
    if delivery.status is DeliveryStatus.dead:
        delivery.status, delivery.next_attempt_at, delivery.attempts = DeliveryStatus.pending, utcnow(), 0
        db.session.flush()
