"""Full-text search on the real search index of each database."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.tickets import operations as ops
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
