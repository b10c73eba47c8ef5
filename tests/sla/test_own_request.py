"""A member of staff on their own ticket writes as its requester: that meets no response target."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.sla.models import SlaEventKind as K
from app.sla.models import SlaTarget as T
from app.tickets import operations as ops
from app.tickets.models import Level

from .conftest import berlin, clock_of, events


def test_staff_replying_on_their_own_ticket_meet_no_target_and_a_colleague_does(policies, agent, lead, team, clock):
    ticket = ops.create_ticket(agent, subject="My own laptop", team=team, impact=Level.medium, urgency=Level.medium)
    db.session.commit()
    clock.shift(timedelta(minutes=10))
    ops.add_comment(ticket, agent, "It also beeps.")
    ops.add_comment(ticket, agent, "note to self", internal=True)
    db.session.commit()
    assert clock_of(ticket, T.first_response).met_at is None and clock_of(ticket, T.acknowledge).met_at is None
    assert not events(ticket, K.met)

    clock.shift(timedelta(minutes=10))
    ops.add_comment(ticket, lead, "Bring it to room 4.")
    db.session.commit()
    assert clock_of(ticket, T.first_response).met_at == berlin(2025, 3, 3, 9, 20)
