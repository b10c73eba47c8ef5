"""Recurring ticket jobs: select due rows, call operations, commit per item."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..core.actors import SYSTEM
from ..core.clock import utcnow
from ..extensions import db
from .models import Status, Ticket
from .operations import transition_ticket
from .reasons import Reason, ReasonCode

BATCH = 200


def close_resolved_tickets() -> int:
    """Close tickets resolved more than AUTO_CLOSE_RESOLVED_AFTER_DAYS ago. Returns how many."""
    days = current_app.config["AUTO_CLOSE_RESOLVED_AFTER_DAYS"]
    cutoff = utcnow() - timedelta(days=days)
    closed = 0
    while True:
        stmt = (
            sa.select(Ticket).where(Ticket.status == Status.resolved, Ticket.resolved_at <= cutoff)
            .order_by(Ticket.id).limit(BATCH).with_for_update(skip_locked=True)
        )
        tickets = list(db.session.scalars(stmt))
        for ticket in tickets:
            transition_ticket(ticket, Status.closed, SYSTEM, why=Reason(ReasonCode.auto_closed, {"days": days}))
        db.session.commit()
        closed += len(tickets)
        if len(tickets) < BATCH:
            return closed
