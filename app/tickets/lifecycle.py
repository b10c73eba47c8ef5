"""The ticket lifecycle as data: every allowed transition, who may take it, whether it needs a reason.

Pure: no database, no Flask. Operations consult it; the UI and API list the allowed next steps from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import InvalidTransition
from .models import Status as S

STAFF = "staff"
REQUESTER = "requester"


@dataclass(frozen=True)
class Transition:
    source: S
    target: S
    #: who may take this step: STAFF, REQUESTER or both
    by: frozenset[str]
    #: a short label for buttons ("Start work", "Reopen", ...)
    label: str
    needs_reason: bool = False


def _t(source, target, label, by=(STAFF,), needs_reason=False) -> Transition:
    return Transition(source, target, frozenset(by), label, needs_reason)


BOTH = (STAFF, REQUESTER)

TRANSITIONS: tuple[Transition, ...] = (
    _t(S.new, S.triage, "Triage"),
    _t(S.new, S.in_progress, "Start work"),
    _t(S.new, S.awaiting_requester, "Ask requester"),
    _t(S.new, S.resolved, "Resolve"),
    _t(S.new, S.rejected, "Reject", needs_reason=True),
    _t(S.new, S.closed, "Withdraw", by=(REQUESTER,), needs_reason=True),
    _t(S.triage, S.in_progress, "Start work"),
    _t(S.triage, S.awaiting_requester, "Ask requester"),
    _t(S.triage, S.resolved, "Resolve"),
    _t(S.triage, S.rejected, "Reject", needs_reason=True),
    _t(S.triage, S.closed, "Withdraw", by=(REQUESTER,), needs_reason=True),
    _t(S.in_progress, S.triage, "Back to triage", needs_reason=True),
    _t(S.in_progress, S.awaiting_requester, "Ask requester"),
    _t(S.in_progress, S.awaiting_third_party, "Wait for third party"),
    _t(S.in_progress, S.testing, "Testing"),
    _t(S.in_progress, S.awaiting_validation, "Ask requester to validate"),
    _t(S.in_progress, S.resolved, "Resolve"),
    # A requester's reply resumes work by itself (see operations.add_comment).
    _t(S.awaiting_requester, S.in_progress, "Resume work", by=BOTH),
    _t(S.awaiting_requester, S.triage, "Back to triage"),
    _t(S.awaiting_requester, S.resolved, "Resolve"),
    _t(S.awaiting_requester, S.closed, "Close without answer", needs_reason=True),
    _t(S.awaiting_third_party, S.in_progress, "Resume work"),
    _t(S.awaiting_third_party, S.resolved, "Resolve"),
    _t(S.testing, S.in_progress, "Back to work"),
    _t(S.testing, S.awaiting_validation, "Ask requester to validate"),
    _t(S.testing, S.resolved, "Resolve"),
    _t(S.awaiting_validation, S.resolved, "Confirm fix", by=BOTH),
    _t(S.awaiting_validation, S.in_progress, "Not fixed", by=BOTH, needs_reason=True),
    _t(S.resolved, S.closed, "Close", by=BOTH),
    _t(S.resolved, S.in_progress, "Reopen", by=BOTH, needs_reason=True),
    _t(S.rejected, S.triage, "Reopen", needs_reason=True),
    _t(S.rejected, S.closed, "Close"),
)

_BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}
REOPEN_TARGETS = {(S.resolved, S.in_progress), (S.rejected, S.triage)}


Roles = str | frozenset[str] | set[str]


def _as_set(roles: Roles) -> frozenset[str]:
    return frozenset((roles,)) if isinstance(roles, str) else frozenset(roles)


def roles_for(actor, requester_id: int | None) -> frozenset[str]:
    """The roles ``actor`` plays on a ticket requested by ``requester_id``: staff (and SYSTEM) act as
    STAFF, the ticket's requester as REQUESTER, so a member of staff on their own ticket is both.
    Other people without a staff role (watchers, colleagues) act as REQUESTER; the permission rules
    decide what they may do at all (permissions.can_take_requester_steps: only the requester)."""
    is_requester = getattr(actor, "id", None) is not None and actor.id == requester_id
    if not actor.is_staff:
        return frozenset((REQUESTER,))
    return frozenset((STAFF, REQUESTER)) if is_requester else frozenset((STAFF,))


def transitions_from(status: S, roles: Roles) -> list[Transition]:
    """The steps open to ``roles`` (STAFF, REQUESTER or a set of them) from ``status``, in declaration order."""
    roles = _as_set(roles)
    return [t for t in TRANSITIONS if t.source is status and roles & t.by]


def check_transition(source: S, target: S, roles: Roles, reason: str | None) -> Transition:
    """The transition, or InvalidTransition saying what is allowed instead."""
    roles = _as_set(roles)
    transition = _BY_PAIR.get((source, target))
    if transition is None or not roles & transition.by:
        allowed = ", ".join(t.target.value for t in transitions_from(source, roles)) or "none"
        raise InvalidTransition(
            f"A ticket cannot go from {source.value} to {target.value}"
            + ("" if transition is None else " by a " + " or ".join(sorted(roles)))
            + f". Allowed from {source.value}: {allowed}.",
            {"from": source.value, "to": target.value, "allowed": allowed.split(", ")},
        )
    if transition.needs_reason and not (reason or "").strip():
        raise InvalidTransition(
            f"Going from {source.value} to {target.value} needs a reason.",
            {"from": source.value, "to": target.value, "field": "reason"},
        )
    return transition


def is_reopen(source: S, target: S) -> bool:
    return (source, target) in REOPEN_TARGETS
