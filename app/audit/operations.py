"""Writing the audit log. Rows are added to the caller's transaction: they commit with the change
they describe, or not at all."""

from __future__ import annotations

from flask import has_request_context, request

from ..core.actors import SYSTEM
from ..extensions import db
from .models import AuditEvent


def _label(actor) -> str:
    if actor is None or actor is SYSTEM:
        return "system"
    return getattr(actor, "email", None) or str(actor)


def record(action: str, actor=None, *, target_type: str | None = None, target_id=None, **details) -> AuditEvent:
    event = AuditEvent(
        actor_id=getattr(actor, "id", None) if actor is not SYSTEM else None,
        actor_label=_label(actor)[:254],
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        ip_address=request.remote_addr if has_request_context() else None,
        details={k: v for k, v in details.items() if v is not None},
    )
    db.session.add(event)
    return event
