"""Machine-made reasons (history events, the priority explanation) as a stable code plus parameters.

They are stored as codes so that every reader sees them in their own language (``labels.reason_text``
words them when shown) and integrations get something stable to match on. What a person typed stays
free text next to them (``TicketEvent.reason``, ``Ticket.priority_reason``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class ReasonCode(enum.Enum):
    #: the ticket came in through a channel. params: channel (Channel value)
    created_via = "created_via"
    #: the priority matrix, and what raised its result. params: impact, urgency (Level values),
    #: priority (the matrix cell), raised: [{cause: RaiseCause value, priority, service?}]
    priority_matrix = "priority_matrix"
    #: a person set the priority by hand (Ticket only; their words are in Ticket.priority_reason).
    #: params: actor (name; null for the system)
    priority_set_by = "priority_set_by"
    #: the team came from the affected service. params: service (name)
    default_team = "default_team"
    #: the requester answered while we waited for them. no params
    requester_replied = "requester_replied"
    #: closed by the job after a quiet time. params: days
    auto_closed = "auto_closed"
    #: merged without a typed reason. params: ticket (reference, "#12")
    duplicate_of = "duplicate_of"


class RaiseCause(enum.Enum):
    """Why the priority is above its matrix cell (``raised`` entries of ``priority_matrix``)."""

    business_critical_service = "business_critical_service"
    vip_requester = "vip_requester"


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    params: dict = field(default_factory=dict)
