"""Saving an admin's edit of the SLA configuration (admin pages and API): the edit, then the named
rebuild of open tickets' due dates (ARCHITECTURE.md rule 8).

A rebuild of up to ``SLA_RECOMPUTE_INLINE_LIMIT`` open tickets runs in the request, in the same
transaction as the edit (all or nothing). A larger one would keep the request waiting for a minute: it is
queued in the database in the edit's transaction (`operations.recompute.queue_recompute`), and the
scheduler leader's job `jobs.recompute_pending` does it in batches, a commit and a cursor step per batch,
so that a restart resumes it. Everything here flushes; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from ..core import signals
from ..core.actors import SYSTEM, actor_id
from ..core.errors import Conflict, ValidationFailed
from ..extensions import db
from ..tickets.models import OPEN_STATUSES, Ticket
from .models import BusinessCalendar, SlaClock, SlaPolicy, SlaPolicyVersion, SlaTarget, SlaTicket
from .operations import (
    create_policy,
    current_version,
    recompute_open_tickets,
    reorder_policies,
    update_calendar,
    update_policy,
)
from .operations.recompute import pending_recomputes, queue_recompute


@dataclass
class Recompute:
    """What saving did to open tickets."""

    #: open tickets the rebuild looks at
    tickets: int
    #: True: queued for the job `jobs.recompute_pending` (after the commit); False: done in the request
    background: bool = False
    #: tickets whose due dates moved (known only when done in the request)
    changed: int | None = None
    calendar_id: int | None = None
    policy_id: int | None = None
    actor_id: int | None = None
    reason: str = ""

    def as_dict(self) -> dict:
        return {"tickets": self.tickets, "background": self.background, "changed": self.changed}


def affected_open_tickets(calendar: BusinessCalendar | None = None) -> int:
    """Open tickets a rebuild looks at: those with a live clock on `calendar`, else every open ticket."""
    stmt = sa.select(sa.func.count()).select_from(Ticket).where(Ticket.status.in_(OPEN_STATUSES))
    if calendar is not None:
        stmt = stmt.where(sa.exists().where(
            SlaClock.ticket_id == Ticket.id, SlaClock.met_at.is_(None), SlaClock.stopped_at.is_(None),
            SlaClock.policy_version_id == SlaPolicyVersion.id, SlaPolicyVersion.calendar_id == calendar.id))
    return db.session.scalar(stmt) or 0


def recompute_after_edit(*, calendar: BusinessCalendar | None = None, policy: SlaPolicy | None = None,
                         actor=SYSTEM, reason: str = "") -> Recompute:
    """Rebuild now when small, else queue it for the job (in this transaction: committed with the edit)."""
    tickets = affected_open_tickets(calendar)
    plan = Recompute(tickets, calendar_id=calendar.id if calendar is not None else None,
                     policy_id=policy.id if policy is not None else None, actor_id=actor_id(actor), reason=reason)
    if tickets <= current_app.config["SLA_RECOMPUTE_INLINE_LIMIT"]:
        plan.changed = recompute_open_tickets(calendar=calendar, policy=policy, actor=actor, reason=reason) \
            if tickets else 0
    else:
        plan.background = True
        queue_recompute(calendar_id=plan.calendar_id, policy_id=plan.policy_id, actor_id=plan.actor_id,
                        reason=reason, tickets=tickets)
    return plan


def _check_version(current: int, expected: int | None, what: str) -> None:
    if expected is not None and expected != current:
        raise Conflict(f"The {what} was changed by someone else meanwhile (now version {current}); "
                       "review the preview again.", {"version": current})


def save_calendar(calendar: BusinessCalendar, actor, *, expected_version: int | None = None, reason: str = "",
                  **changes) -> tuple[list[str], Recompute | None]:
    """`update_calendar`, then the rebuild of the open tickets on it (if anything changed)."""
    _check_version(calendar.version, expected_version, "calendar")
    changed = update_calendar(calendar, actor, **changes)
    if not changed:
        return changed, None
    return changed, recompute_after_edit(calendar=calendar, actor=actor, reason=reason)


def require_a_target(targets: dict | None, previous: SlaPolicyVersion | None = None) -> None:
    """A policy promises at least one target (all empty is a mistake, not a policy)."""
    merged = {t.value: previous.target_minutes(t) for t in SlaTarget} if previous is not None else {}
    merged.update({(k.value if isinstance(k, SlaTarget) else k): v for k, v in (targets or {}).items()})
    if not any(v is not None for v in merged.values()):
        raise ValidationFailed("Give at least one target (acknowledge, first response, next response or "
                               "resolution).", {"field": "targets"})


def save_policy(policy: SlaPolicy, actor, *, expected_version: int | None = None, note: str = "",
                **changes) -> tuple[SlaPolicyVersion | None, Recompute | None]:
    """`update_policy`, then every open ticket chooses its policy again (conditions, order or targets may
    have changed). Only the active flag changes nothing for open tickets (see `retire_policy`)."""
    _check_version(policy.current_version, expected_version, "policy")
    if "targets" in changes:
        require_a_target(changes["targets"], current_version(policy))
    before = (policy.position, policy.is_default, policy.current_version)
    version = update_policy(policy, actor, note=note, **changes)
    if before == (policy.position, policy.is_default, policy.current_version):
        return version, None  # nothing that chooses policies or derives due dates changed
    return version, recompute_after_edit(policy=policy, actor=actor, reason=note)


def add_policy(name: str, actor, **fields) -> tuple[SlaPolicy, Recompute]:
    """`create_policy`, then every open ticket chooses its policy again (the new one may match first)."""
    require_a_target(fields.get("targets"))
    policy = create_policy(name, actor, **fields)
    return policy, recompute_after_edit(policy=policy, actor=actor, reason=fields.get("note") or "")


def save_order(policies: list[SlaPolicy], actor) -> Recompute:
    """`reorder_policies`, then every open ticket chooses its policy again (first match wins)."""
    reorder_policies(policies, actor)
    return recompute_after_edit(actor=actor, reason="policies reordered")


def policy_is_used(policy: SlaPolicy) -> bool:
    """Whether a ticket ever ran under a version of the policy (then it can only be retired)."""
    versions = sa.select(SlaPolicyVersion.id).where(SlaPolicyVersion.policy_id == policy.id)
    return bool(db.session.scalar(sa.select(sa.exists().where(SlaTicket.policy_version_id.in_(versions))))
                or db.session.scalar(sa.select(sa.exists().where(SlaClock.policy_version_id.in_(versions)))))


def delete_or_retire_policy(policy: SlaPolicy, actor) -> str:
    """Delete a policy no ticket ever ran under; retire (deactivate) one that was used, so the tickets
    keep the version that explains their due dates. Returns "deleted" or "retired"."""
    if policy.is_default:
        raise Conflict(f"{policy.name!r} is the default policy: make another policy the default first.")
    if policy_is_used(policy):
        update_policy(policy, actor, is_active=False)
        return "retired"
    details = {"policy_id": policy.id, "name": policy.name}
    db.session.execute(sa.delete(SlaPolicyVersion).where(SlaPolicyVersion.policy_id == policy.id))
    db.session.delete(policy)
    db.session.flush()
    signals.configuration_changed.send(None, actor=actor, what="sla.policy_deleted", details=details)
    return "deleted"


# -- the queued rebuild -----------------------------------------------------------------------------------------
@dataclass
class RecomputeProgress:
    """The rebuilds still queued, for the notice on the SLA admin pages."""

    #: open tickets looked at so far
    done: int
    #: open tickets the queued rebuilds look at (as counted when each was queued)
    tickets: int
    rebuilds: int


def recompute_progress() -> RecomputeProgress | None:
    """None when no rebuild is queued."""
    pending = pending_recomputes()
    if not pending:
        return None
    tickets = sum(p["tickets"] for p in pending)
    return RecomputeProgress(done=min(sum(p["done"] for p in pending), tickets), tickets=tickets,
                             rebuilds=len(pending))
