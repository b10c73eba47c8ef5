"""Deliver due messages: one row at a time, locked while it is sent, committed right after."""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..core.clock import utcnow
from ..extensions import db
from .backends import SENDERS, DeliveryError
from .models import Delivery, DeliveryStatus

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BATCH = 10_000
#: a run stops taking new rows after this long, so it ends before the next tick (every 10 s) is due
BUDGET_SECONDS = 8.0


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at 1 h, with jitter so retries of an outage do not stampede."""
    seconds = min(30 * 2 ** (attempts - 1), 3600)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def deliver_due(limit: int = BATCH, budget_seconds: float = BUDGET_SECONDS) -> int:
    """Send what is due, until none is left, `limit` rows or `budget_seconds` (a wave of 10k SLA
    warnings is then sent in minutes, not 100 rows per tick); returns how many were handled. Safe to run
    in several processes at once: a row is locked (SKIP LOCKED) while sent and its status moves on
    before the lock is released."""
    handled, stop_at = 0, time.monotonic() + budget_seconds
    for _ in range(limit):
        if time.monotonic() > stop_at:
            break
        delivery = db.session.scalar(
            sa.select(Delivery).where(Delivery.status == DeliveryStatus.pending, Delivery.next_attempt_at <= utcnow())
            .order_by(Delivery.next_attempt_at, Delivery.id).limit(1).with_for_update(skip_locked=True))
        if delivery is None:
            break
        _attempt(delivery)
        db.session.commit()
        handled += 1
    return handled


def _attempt(delivery: Delivery) -> None:
    delivery.attempts += 1
    try:
        SENDERS[delivery.channel](delivery, current_app.config)
    except DeliveryError as exc:
        delivery.last_error = exc.reason
        if exc.permanent or delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.dead, None
            log.error("delivery %s to %s gave up: %s", delivery.id, delivery.channel.value, exc.reason)
        else:
            delivery.next_attempt_at = utcnow() + backoff(delivery.attempts)
        return
    delivery.status, delivery.sent_at, delivery.next_attempt_at = DeliveryStatus.sent, utcnow(), None
    delivery.last_error = None
