"""Priority from impact x urgency (the ITIL matrix), raised for VIP requesters and critical services.

Pure: plain values in, (priority, reason) out. The reason is structured (``reasons.Reason``); the words
come only when it is shown, in the reader's language.
"""

from __future__ import annotations

from .models import Level, Priority
from .reasons import RaiseCause, Reason, ReasonCode

H, M, L = Level.high, Level.medium, Level.low

#: (impact, urgency) -> priority
MATRIX: dict[tuple[Level, Level], Priority] = {
    (H, H): Priority.p1, (H, M): Priority.p2, (H, L): Priority.p3,
    (M, H): Priority.p2, (M, M): Priority.p3, (M, L): Priority.p4,
    (L, H): Priority.p3, (L, M): Priority.p4, (L, L): Priority.p4,
}


def _raise(priority: Priority, ceiling: Priority = Priority.p1) -> Priority:
    return Priority(f"P{max(priority.rank - 1, ceiling.rank, 1)}") if priority.rank > ceiling.rank else priority


def compute_priority(
    impact: Level, urgency: Level, *, is_vip: bool = False, service_name: str | None = None,
    service_is_critical: bool = False,
) -> tuple[Priority, Reason]:
    """The priority and why: the matrix cell, then each raise with its cause."""
    priority = MATRIX[(impact, urgency)]
    params = {"impact": impact.value, "urgency": urgency.value, "priority": priority.value, "raised": []}
    if service_is_critical:
        raised = _raise(priority)
        if raised is not priority:
            params["raised"].append({"cause": RaiseCause.business_critical_service.value,
                                     "priority": raised.value, "service": service_name or ""})
            priority = raised
    if is_vip:
        # A VIP alone never makes a P1: that stays reserved for real business impact.
        raised = _raise(priority, ceiling=Priority.p2)
        if raised is not priority:
            params["raised"].append({"cause": RaiseCause.vip_requester.value, "priority": raised.value})
            priority = raised
    return priority, Reason(ReasonCode.priority_matrix, params)
