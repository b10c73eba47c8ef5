"""The requester's list of their own requests: open first, then done, in plain language."""

from __future__ import annotations

import re

from app.extensions import db
from app.tickets import operations as ops
from app.tickets.models import Channel, Status
from app.users.models import Role


def test_list_shows_only_own_tickets_open_before_done(portal, requester, make_user, make_ticket, agent):
    other = make_user(Role.requester)
    mine_open = make_ticket(requester, subject="Mine still open", status=Status.awaiting_requester)
    mine_done = make_ticket(requester, subject="Mine all done", status=Status.resolved)
    make_ticket(other, subject="Someone else's secret")
    ops.create_ticket(agent, subject="The agent's own thing", channel=Channel.phone, requester=agent)
    db.session.commit()

    html = portal.get("/portal/").get_data(as_text=True)

    assert "Someone else" not in html and "agent&#39;s own thing" not in html
    assert html.index("Mine still open") < html.index("Done") < html.index("Mine all done")
    assert f'href="/portal/tickets/{mine_open.id}"' in html and f'href="/portal/tickets/{mine_done.id}"' in html
    # plain language, not the workspace's status names
    assert "Waiting for your answer" in html and "Solved" in html and "Awaiting requester" not in html


def test_empty_list_invites_to_open_a_request(portal):
    html = portal.get("/portal/").get_data(as_text=True)
    assert "You have no open requests." in html and 'href="/portal/new"' in html


def test_long_lists_are_paged_with_a_cursor(portal, requester):
    for n in range(27):
        ops.create_ticket(requester, subject=f"Request number {n:02d}")
    db.session.commit()

    first = portal.get("/portal/").get_data(as_text=True)
    cursor = re.search(r'href="/portal/\?open=([^"&]+)"', first).group(1)
    second = portal.get(f"/portal/?open={cursor}").get_data(as_text=True)

    first_ids = set(re.findall(r"Request number (\d\d)", first))
    second_ids = set(re.findall(r"Request number (\d\d)", second))
    assert len(first_ids) == 25 and len(second_ids) == 2
    assert first_ids | second_ids == {f"{n:02d}" for n in range(27)}
    assert "Show older" not in second


def test_a_forged_cursor_is_a_clear_4xx(portal):
    response = portal.get("/portal/?open=not-a-cursor")
    assert response.status_code == 422 and "cursor is not valid" in response.get_data(as_text=True)
