"""The SLA reacts to the ticket's signals (core/signals.py); tickets never import the SLA."""

from __future__ import annotations

from ..core import signals
from ..extensions import db
from ..tickets.models import Ticket
from .operations import apply_comment, apply_status_change, apply_ticket_update, start_sla


def on_ticket_created(ticket, actor, **_):
    start_sla(ticket, actor, is_new=True)


def on_ticket_updated(ticket, actor, changes, **_):
    apply_ticket_update(ticket, actor, changes)


def on_ticket_status_changed(ticket, actor, old, new, reason=None, **_):
    apply_status_change(ticket, actor, old, new, reason)


def on_comment_added(comment, actor, **_):
    ticket = db.session.get(Ticket, comment.ticket_id)
    if ticket is not None:
        apply_comment(ticket, comment, actor)


SUBSCRIPTIONS = [
    (signals.ticket_created, on_ticket_created),
    (signals.ticket_updated, on_ticket_updated),
    (signals.ticket_status_changed, on_ticket_status_changed),
    (signals.comment_added, on_comment_added),
]


def init_sla(app) -> None:
    """Subscribe to the ticket signals (idempotent: blinker keeps one connection per receiver)."""
    for signal, handler in SUBSCRIPTIONS:
        signal.connect(handler, weak=False)
