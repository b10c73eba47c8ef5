"""Priority from impact x urgency (the ITIL matrix), raised for VIP requesters and critical services.

Pure: plain values in, (priority, explanation) out.
"""

from __future__ import annotations

from .models import Level, Priority

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
) -> tuple[Priority, str]:
    """The priority and a sentence that explains it, e.g. for the ticket history."""
    priority = MATRIX[(impact, urgency)]
    reasons = [f"impact {impact.value} × urgency {urgency.value} → {priority.value}"]
    if service_is_critical:
        raised = _raise(priority)
        if raised is not priority:
            reasons.append(f"raised to {raised.value}: service {service_name!r} is business-critical")
            priority = raised
    if is_vip:
        # A VIP alone never makes a P1: that stays reserved for real business impact.
        raised = _raise(priority, ceiling=Priority.p2)
        if raised is not priority:
            reasons.append(f"raised to {raised.value}: requester is a VIP")
            priority = raised
    return priority, "; ".join(reasons)
