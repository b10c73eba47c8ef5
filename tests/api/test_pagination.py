"""Keyset pagination: walking every page yields every ticket once, in order, whatever happens between pages."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.tickets import operations as ops
from app.tickets.models import Level, Priority

from .helpers import assert_error

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
LEVELS = [Level.high, Level.medium, Level.low]


@pytest.fixture
def many(requester, team):
    """23 tickets; several share a creation time (the id breaks the tie) and a priority."""
    tickets = []
    for i in range(23):
        t = ops.create_ticket(requester, subject=f"Ticket {i}", team=team, impact=LEVELS[i % 3],
                              urgency=LEVELS[(i // 3) % 3])
        t.created_at = T0 + timedelta(minutes=i // 4)  # groups of four with the same created_at
        t.updated_at = T0 + timedelta(hours=1, minutes=(i * 7) % 5)
        tickets.append(t)
    db.session.commit()
    return tickets


def _walk(api, user, query: str, limit: int, cursor: str | None = None) -> tuple[list[int], int]:
    ids, pages = [], 0
    while True:
        url = f"/tickets?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
        response = api.get(url, user)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert len(body["items"]) <= limit
        ids += [t["id"] for t in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, pages
        assert pages < 50, "pagination does not end"


SORT_KEYS = {
    "-created": (lambda t: (t.created_at, t.id), True),
    "created": (lambda t: (t.created_at, t.id), False),
    "-updated": (lambda t: (t.updated_at, t.id), True),
    "priority": (lambda t: (t.priority.rank, t.created_at, t.id), False),
}


@pytest.mark.parametrize("sort", SORT_KEYS)
@pytest.mark.parametrize("limit", [1, 5, 23, 200])
def test_walking_all_pages_gives_each_ticket_once_in_order(api, agent, many, sort, limit):
    key, descending = SORT_KEYS[sort]
    expected = [t.id for t in sorted(many, key=key, reverse=descending)]
    ids, pages = _walk(api, agent, f"&sort={sort}", limit)
    assert len(ids) == len(set(ids)), "duplicates across pages"
    assert ids == expected, "gaps or wrong order"
    assert pages == -(-len(many) // limit)


def test_count_is_of_all_matches_not_the_page(api, agent, many):
    body = api.get("/tickets?limit=5", agent).get_json()
    assert body["count"] == 23 and body["count_is_capped"] is False and len(body["items"]) == 5


def test_requester_pages_only_through_own_tickets(api, many, make_ticket, other_requester):
    theirs = [make_ticket(other_requester, subject=f"Theirs {i}") for i in range(4)]
    ids, _ = _walk(api, other_requester, "", 3)
    assert sorted(ids) == sorted(t.id for t in theirs)


def test_tickets_created_between_pages_cause_no_duplicates_or_gaps(api, agent, many, make_ticket):
    first = api.get("/tickets?limit=10&sort=created", agent).get_json()
    newer = make_ticket(subject="Arrived meanwhile")  # sorts after every ticket in `many`
    rest, _ = _walk(api, agent, "&sort=created", 10, cursor=first["next_cursor"])
    walked = [t["id"] for t in first["items"]] + rest
    assert walked == [t.id for t in sorted(many, key=lambda t: (t.created_at, t.id))] + [newer.id]


def test_cursor_of_another_sort_or_garbage_is_422(api, agent, many):
    cursor = api.get("/tickets?limit=5&sort=priority", agent).get_json()["next_cursor"]
    assert_error(api.get(f"/tickets?sort=-created&cursor={cursor}", agent), 422)
    for garbage in ("eyJhIjoxfQ", "W10", "!!!", "WyIyMDI0LTAxLTAxIiwgIngiXQ"):
        assert_error(api.get(f"/tickets?cursor={garbage}", agent), 422)


@pytest.mark.parametrize("raw", [
    ["2024-01-01T00:00:00", 5],                   # naive time
    ["2024-01-01T00:00:00+00:00", 10**20],        # id beyond the column
    ["0001-01-01T00:00:00+05:00", 1],             # before year 1 in UTC
    ["9999-12-31T23:59:59-05:00", 1],             # after year 9999 in UTC
    [True, 1], [None, 1], ["2024-01-01T00:00:00+00:00"],
])
def test_well_formed_but_impossible_cursor_is_422_not_500(api, agent, raw):
    cursor = base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")
    error = assert_error(api.get(f"/tickets?cursor={cursor}", agent), 422, "validation_failed")
    assert error["details"]["field"] == "cursor"


def test_priority_filter_and_paging_combine(api, agent, many):
    p2 = [t.id for t in sorted(many, key=lambda t: (t.created_at, t.id)) if t.priority is Priority.p2]
    ids, _ = _walk(api, agent, "&priority=P2&sort=created", 2)
    assert len(p2) > 2 and ids == p2
