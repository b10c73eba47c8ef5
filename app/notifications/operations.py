"""Putting messages into the outbox. Never sends: the delivery job does, after the commit.

A message is one row with a unique idempotency key, written with `INSERT ... ON CONFLICT DO NOTHING`
(PostgreSQL and SQLite, bulk.py): enqueueing the same key again, in this transaction or any later one, or in a
concurrent process, adds nothing. Inside `outbox_batch()` the rows are collected and written in one
statement when the block ends (the SLA job enqueues thousands per run); outside, at once.
"""

from __future__ import annotations

import contextlib

from ..core.clock import utcnow
from ..extensions import db
from .backends import payload
from .bulk import insert_rows
from .models import Delivery, DeliveryChannel, DeliveryStatus

_BATCH = "notifications.outbox_batch"  # key in db.session.info: idempotency key -> row, while batching


def _enqueue(channel: DeliveryChannel, recipient: str, key: str, *, subject: str = "", body: str = "",
             ticket_id: int | None = None) -> None:
    """Idempotent: a message whose key is already in the outbox (or in the current batch) is not added."""
    now = utcnow()
    row = {"channel": channel, "recipient": recipient, "subject": subject[:300], "body": body,
           "idempotency_key": key, "ticket_id": ticket_id, "status": DeliveryStatus.pending, "attempts": 0,
           "next_attempt_at": now, "created_at": now}
    batch = db.session.info.get(_BATCH)
    if batch is not None:
        batch.setdefault(key, row)
        return
    db.session.flush()  # rows it refers to (the ticket) go first
    insert_rows(Delivery.__table__, [row], unique="idempotency_key")


@contextlib.contextmanager
def outbox_batch():
    """Collect the messages enqueued inside the block and write them in one statement at its end (in the
    caller's transaction, which commits or rolls back as usual). Nested blocks join the outer one."""
    if _BATCH in db.session.info:
        yield
        return
    batch: dict[str, dict] = {}
    db.session.info[_BATCH] = batch
    try:
        yield
    finally:
        del db.session.info[_BATCH]
    if batch:
        if db.session.new:  # rows they may refer to (a new ticket) go first
            db.session.flush()
        insert_rows(Delivery.__table__, list(batch.values()), unique="idempotency_key")


def enqueue_email(to: str, subject: str, body: str, key: str, ticket_id: int | None = None) -> None:
    _enqueue(DeliveryChannel.email, to, key, subject=subject, body=body, ticket_id=ticket_id)


def enqueue_webhook(url: str, document: dict, key: str, ticket_id: int | None = None) -> None:
    _enqueue(DeliveryChannel.webhook, url, key, body=payload(document), ticket_id=ticket_id)


def retry_delivery(delivery: Delivery) -> None:
    """An admin sends a dead delivery again."""
    if delivery.status is DeliveryStatus.dead:
        delivery.status, delivery.next_attempt_at, delivery.attempts = DeliveryStatus.pending, utcnow(), 0
        db.session.flush()
