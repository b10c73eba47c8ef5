"""Full-text search on the real search index of each database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.tickets import operations as ops
from app.tickets import search
from app.tickets.queries import TicketFilter, list_tickets
from app.users.models import Role


@pytest.fixture
def people(make_user):
    return make_user(Role.requester), make_user(Role.admin)


def _search(user, q, **kw):
    return [t.subject for t in list_tickets(user, TicketFilter(query=q, include_done=True, **kw)).items]


def test_finds_words_in_subject_description_and_comments(people):
    requester, admin = people
    t1 = ops.create_ticket(requester, subject="Printer jammed", description="Third floor, paper stuck")
    ops.create_ticket(requester, subject="VPN drops", description="every hour")
    ops.add_comment(t1, admin, "Replaced the fuser unit")
    db.session.commit()
    assert _search(admin, "printer") == ["Printer jammed"]
    assert _search(admin, "paper") == ["Printer jammed"]
    assert _search(admin, "fuser") == ["Printer jammed"]
    assert _search(admin, "pap") == ["Printer jammed"]  # prefix match while typing
    assert _search(admin, "printer vpn") == []  # every word must match
    assert _search(admin, "nothing-like-this") == []


def test_requester_search_never_matches_internal_notes(people, make_user):
    requester, admin = people
    t = ops.create_ticket(requester, subject="Laptop slow")
    ops.add_comment(t, admin, "suspect cryptominer on this machine", internal=True)
    db.session.commit()
    assert _search(admin, "cryptominer") == ["Laptop slow"]
    assert _search(requester, "cryptominer") == []
    assert _search(requester, "laptop") == ["Laptop slow"]


def test_search_by_ticket_number(people):
    requester, admin = people
    t = ops.create_ticket(requester, subject="Mouse broken")
    db.session.commit()
    assert _search(admin, f"#{t.id}") == ["Mouse broken"]


def test_edit_reindexes(people):
    requester, admin = people
    t = ops.create_ticket(requester, subject="Old words")
    ops.update_ticket(t, admin, subject="Fresh title")
    db.session.commit()
    assert _search(admin, "fresh") == ["Fresh title"] and _search(admin, "old") == []


@pytest.mark.parametrize("q", ['"', "'", "*", "AND OR NOT", "a:b", "(", "NEAR(", "\\", "-x", "ü ß", "' OR 1=1 --"])
def test_odd_queries_do_not_fail(people, q):
    requester, admin = people
    ops.create_ticket(requester, subject="Grüße aus München")
    db.session.commit()
    list_tickets(admin, TicketFilter(query=q))  # must not raise


def test_unicode_words(people):
    requester, admin = people
    ops.create_ticket(requester, subject="Drucker in München defekt")
    db.session.commit()
    assert _search(admin, "münchen") == ["Drucker in München defekt"]


def _postgresql_only():
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("the planner's estimates: PostgreSQL")


@pytest.fixture
def many_printers(people, monkeypatch):
    """120 tickets about printers, 5 about VPNs, statistics fresh (over 100 distinct words, the least
    the planner needs to estimate a prefix search); a 'broad' search is one expected to match more
    than 50 tickets here (2000 in production)."""
    _postgresql_only()
    monkeypatch.setattr(search, "SELECTIVE", 50)
    requester, _admin = people
    for i in range(120):
        ops.create_ticket(requester, subject=f"Printer {i} offline", description="toner")
    for i in range(5):
        ops.create_ticket(requester, subject=f"VPN {i} drops")
    db.session.commit()
    db.session.execute(sa.text("ANALYZE ticket_search"))
    db.session.execute(sa.text("ANALYZE ticket"))
    return people


def test_a_broad_search_is_estimated_and_a_narrow_one_counted(many_printers):
    _requester, admin = many_printers
    broad = list_tickets(admin, TicketFilter(query="printer", include_done=True), limit=10)
    assert broad.count_is_estimate and not broad.count_is_capped
    assert 60 <= broad.count <= 240  # the planner's guess at the 120
    assert len(broad.items) == 10 and all(t.subject.startswith("Printer") for t in broad.items)
    narrow = list_tickets(admin, TicketFilter(query="vpn", include_done=True))
    assert not narrow.count_is_estimate and narrow.count == 5
    assert sorted(t.subject for t in narrow.items) == [f"VPN {i} drops" for i in range(5)]
    number = list_tickets(admin, TicketFilter(query=f"#{broad.items[0].id}", include_done=True))
    assert [t.id for t in number.items] == [broad.items[0].id] and number.count == 1


def test_broad_search_pages_reach_every_match(many_printers):
    _requester, admin = many_printers
    seen, cursor = [], None
    while True:
        page = list_tickets(admin, TicketFilter(query="printer toner", include_done=True), limit=50, cursor=cursor,
                            with_count=cursor is None)
        seen += [t.subject for t in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert sorted(seen) == sorted(f"Printer {i} offline" for i in range(120))


def test_queries_are_planned_for_their_values(app):
    """A generic plan (psycopg prepares after 5 runs) ignores the search words: every run is planned."""
    _postgresql_only()
    assert db.session.execute(sa.text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"


def test_the_queue_and_the_api_say_about_for_an_estimate(many_printers, client, login):
    _requester, admin = many_printers
    login(client, admin)
    page = client.get("/tickets/?q=printer&status=all")
    assert page.status_code == 200
    count_text = page.get_data(as_text=True).split('class="queue-count" role="status">')[1].split("<")[0]
    assert count_text.startswith("about ") and count_text.endswith(" tickets"), count_text
    assert client.get("/tickets/?q=vpn&status=all").get_data(as_text=True).count(">5 tickets<") == 1
    from app.users.operations import create_api_token

    _row, token = create_api_token(admin, admin)
    db.session.commit()
    body = client.get("/api/v1/tickets?q=printer&limit=5", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["count_is_estimate"] is True and body["count_is_capped"] is False and body["count"] >= 60
    assert len(body["items"]) == 5
