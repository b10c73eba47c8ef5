"""The SLA ledger line of a priority change says why, in plain English, from the ticket's coded priority
explanation: the matrix when the priority was computed again, the person and their words for an override."""

from __future__ import annotations

from flask_babel import force_locale

from app.extensions import db
from app.sla.models import SlaEventKind as K
from app.tickets import operations as ops
from app.tickets.models import Level, Priority
from app.users.models import Role

from .conftest import events


def test_a_recomputed_priority_names_the_matrix(policies, new_ticket, agent):
    ticket = new_ticket("P3")  # impact medium × urgency medium
    ops.update_ticket(ticket, agent, impact=Level.high)
    db.session.commit()
    assert ticket.priority is Priority.p2 and ticket.priority_reason == ""
    (change,) = events(ticket, K.priority_changed)
    assert change.reason == "priority P3 → P2: impact high × urgency medium → P2"
    assert change.details == {"old": "P3", "new": "P2"}


def test_an_override_names_who_and_their_words_in_english_whatever_the_language(policies, new_ticket, make_user,
                                                                               team):
    german = make_user(Role.agent, teams=[team], name="Grete Agentin", language="de")
    ticket = new_ticket("P3")
    with force_locale("de"):
        ops.update_ticket(ticket, german, priority=Priority.p1, reason="ganze Etage betroffen")
    db.session.commit()
    (change,) = events(ticket, K.priority_changed)
    assert change.reason == "priority P3 → P1: set by Grete Agentin: ganze Etage betroffen"
