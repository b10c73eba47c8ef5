"""Steps the service desk takes on its own (the requester replied, the auto-close job) carry a coded reason;
the portal words it in the requester's language like the workspace does."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.clock import utcnow
from app.extensions import db
from app.tickets import operations as ops
from app.tickets.jobs import close_resolved_tickets
from app.tickets.models import Status
from app.users.models import Role


def _page(client, ticket) -> str:
    response = client.get(f"/portal/tickets/{ticket.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("language", "replied", "closed"), [
    ("en", "requester replied", "resolved {days} days ago without objection"),
    ("de", "Anfragender hat geantwortet", "vor {days} Tagen ohne Einwand gelöst"),
])
def test_requester_sees_automatic_reasons_in_their_language(app, client, login, make_user, make_ticket,
                                                            language, replied, closed):
    requester = make_user(Role.requester, language=language)
    ticket = make_ticket(requester, status=Status.awaiting_requester)
    login(client, requester)
    assert replied not in _page(client, ticket)

    assert client.post(f"/portal/tickets/{ticket.id}/reply", data={"body": "Here it is."}).status_code == 302
    assert replied in _page(client, ticket)

    days = app.config["AUTO_CLOSE_RESOLVED_AFTER_DAYS"]
    db.session.expire_all()
    ticket = db.session.get(type(ticket), ticket.id)
    ticket.status, ticket.resolved_at = Status.resolved, utcnow() - timedelta(days=days + 1)
    db.session.commit()
    assert close_resolved_tickets() == 1

    page = _page(client, ticket)
    assert closed.format(days=days) in page and replied in page


def test_typed_reasons_still_show_as_typed(portal, agent, requester, make_ticket):
    ticket = make_ticket(requester)
    ops.transition_ticket(ticket, Status.rejected, agent, reason="Hardware is out of warranty-xyz.")
    db.session.commit()
    assert "Hardware is out of warranty-xyz." in _page(portal, ticket)
