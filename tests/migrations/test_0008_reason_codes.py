"""Migration 0008: the English reasons the application used to write become codes with parameters (so old
history reads in the reader's language too), people's words stay; the downgrade writes the sentences back."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.core import migrate

from ..conftest import TEST_DB

_names = itertools.count(1)
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

#: (kind, field, reason as 0007 stored it) -> (reason, code, params) after 0008
EVENTS = [
    (("created", None, "via portal"), (None, "created_via", {"channel": "portal"})),
    (("created", None, "via walk_up"), (None, "created_via", {"channel": "walk_up"})),
    (("field_changed", "priority", "impact high × urgency medium → P2"),
     (None, "priority_matrix", {"impact": "high", "urgency": "medium", "priority": "P2", "raised": []})),
    (("field_changed", "priority", "impact medium × urgency low → P4; raised to P3: service \"O'Neil's ERP\" is "
                                   "business-critical; raised to P2: requester is a VIP"),
     (None, "priority_matrix", {"impact": "medium", "urgency": "low", "priority": "P4", "raised": [
         {"cause": "business_critical_service", "priority": "P3", "service": "O'Neil's ERP"},
         {"cause": "vip_requester", "priority": "P2"}]})),
    (("field_changed", "team", "default team of service 'ERP'"), (None, "default_team", {"service": "ERP"})),
    (("status_changed", "status", "requester replied"), (None, "requester_replied", {})),
    (("status_changed", "status", "resolved 7 days ago without objection"), (None, "auto_closed", {"days": 7})),
    (("merged", "merged_into", "duplicate of #12"), (None, "duplicate_of", {"ticket": "#12"})),
    (("status_changed", "status", "duplicate of #12"), (None, "duplicate_of", {"ticket": "#12"})),
    # what people typed, and sentences that only look like the application's, stay as they are
    (("status_changed", "status", "via the vendor hotline"), ("via the vendor hotline", None, None)),
    (("created", None, "via carrier pigeon"), ("via carrier pigeon", None, None)),
    (("field_changed", "priority", "impact high × urgency medium → P2, says the boss"),
     ("impact high × urgency medium → P2, says the boss", None, None)),
    (("field_changed", "priority", "CEO's laptop"), ("CEO's laptop", None, None)),
    (("field_changed", "team", "default team of service ERP"), ("default team of service ERP", None, None)),
    (("rated", "csat", "quick and friendly"), ("quick and friendly", None, None)),
    (("comment_added", None, None), (None, None, None)),
]

#: Ticket.priority_reason as 0007 stored it -> (priority_reason, code, params) after 0008
TICKETS = [
    ("impact low × urgency low → P4", ("", "priority_matrix",
                                       {"impact": "low", "urgency": "low", "priority": "P4", "raised": []})),
    ("impact high × urgency high → P1; raised by hand", None),  # half a match: left alone
    ("set by Ann Agent: CEO's laptop: now", ("CEO's laptop: now", "priority_set_by", {"actor": "Ann Agent"})),
    ("", ("", None, None)),
    ("decided in the weekly meeting", ("decided in the weekly meeting", None, None)),
]


@pytest.fixture
def url(tmp_path, request):
    if TEST_DB == "postgresql":
        return request.getfixturevalue("pg_cluster")(f"migration_0008_{next(_names)}")
    return f"sqlite:///{tmp_path / 'migration.db'}"


def _params(value):
    return json.loads(value) if isinstance(value, str) else value


def _seed(engine) -> tuple[list[int], list[int]]:
    md = sa.MetaData()
    md.reflect(engine, only=["user", "ticket", "ticket_event"])
    user, ticket, event = md.tables["user"], md.tables["ticket"], md.tables["ticket_event"]
    with engine.begin() as conn:
        requester = conn.execute(user.insert().values(
            email="r@example.org", name="R", role="requester", auth_source="local", is_active=True, is_vip=False,
            session_version=1, created_at=NOW).returning(user.c.id)).scalar_one()
        ticket_ids = [conn.execute(ticket.insert().values(
            type="incident", status="new", subject=f"T{i}", description="", channel="portal", requester_id=requester,
            impact="medium", urgency="medium", priority="P3", priority_reason=text, has_workaround=False,
            updated_at=NOW, status_changed_at=NOW, reopen_count=0, created_at=NOW).returning(ticket.c.id)).scalar_one()
            for i, (text, _) in enumerate(TICKETS)]
        event_ids = [conn.execute(event.insert().values(
            ticket_id=ticket_ids[0], kind=kind, field=field, reason=reason, is_internal=False, created_at=NOW
        ).returning(event.c.id)).scalar_one() for (kind, field, reason), _ in EVENTS]
    return ticket_ids, event_ids


def test_upgrade_turns_known_sentences_into_codes_and_downgrade_restores_them(url):
    migrate.upgrade(url, "0007")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    ticket_ids, event_ids = _seed(engine)

    migrate.upgrade(url, "0008")
    with engine.connect() as conn:
        events = {row.id: (row.reason, row.reason_code, _params(row.reason_params)) for row in conn.execute(
            sa.text("SELECT id, reason, reason_code, reason_params FROM ticket_event"))}
        tickets = {row.id: (row.priority_reason, row.priority_reason_code, _params(row.priority_reason_params))
                   for row in conn.execute(sa.text(
                       "SELECT id, priority_reason, priority_reason_code, priority_reason_params FROM ticket"))}
    assert [events[i] for i in event_ids] == [after for _, after in EVENTS]
    assert [tickets[i] for i in ticket_ids] == [after or (before, None, None) for before, after in TICKETS]

    migrate.downgrade(url, "0007")
    with engine.connect() as conn:
        events = dict(conn.execute(sa.text("SELECT id, reason FROM ticket_event")).all())
        tickets = dict(conn.execute(sa.text("SELECT id, priority_reason FROM ticket")).all())
        columns = {c["name"] for c in sa.inspect(conn).get_columns("ticket_event")}
    engine.dispose()
    assert [events[i] for i in event_ids] == [reason for (_, _, reason), _ in EVENTS]  # word for word
    assert [tickets[i] for i in ticket_ids] == [before for before, _ in TICKETS]
    assert "reason_code" not in columns


def test_rows_written_by_the_new_code_downgrade_to_english(url, app_config):
    """A history recorded after the upgrade (codes only, and a person's words next to a code) reads in English
    after a rollback."""
    migrate.upgrade(url, "0008")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    md = sa.MetaData()
    md.reflect(engine, only=["ticket", "ticket_event"])
    ticket_ids, _ = _seed(engine)
    event = md.tables["ticket_event"]
    with engine.begin() as conn:
        conn.execute(sa.update(md.tables["ticket"]).where(md.tables["ticket"].c.id == ticket_ids[0]).values(
            priority_reason="board meeting", priority_reason_code="priority_set_by",
            priority_reason_params={"actor": None}))
        coded = [conn.execute(event.insert().values(
            ticket_id=ticket_ids[0], kind="status_changed", field="status", reason=reason, reason_code=code,
            reason_params=params, is_internal=False, created_at=NOW).returning(event.c.id)).scalar_one()
            for reason, code, params in [
                (None, "auto_closed", {"days": 14}),
                ("also: printer", "requester_replied", {}),
                (None, "from_a_newer_version", {"x": 1}),
            ]]
    migrate.downgrade(url, "0007")
    with engine.connect() as conn:
        reasons = dict(conn.execute(sa.text("SELECT id, reason FROM ticket_event")).all())
        override = conn.execute(sa.text("SELECT priority_reason FROM ticket WHERE id = :id"),
                                {"id": ticket_ids[0]}).scalar_one()
    engine.dispose()
    assert [reasons[i] for i in coded] == [
        "resolved 14 days ago without objection", "requester replied: also: printer", "from_a_newer_version"]
    assert override == "set by System: board meeting"
