"""A large rebuild after an SLA calendar/policy edit is queued in the database with the edit and done by the
leader's job in batches, a commit and a cursor step per batch: an interruption resumes where it stopped,
nothing is written twice, and a run with nothing queued does nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.queries import recent_events
from app.extensions import db
from app.sla import configuration as config
from app.sla import jobs
from app.sla.models import BusinessCalendar, SlaClock, SlaEvent
from app.sla.models import SlaEventKind as K
from app.sla.models import SlaTarget as T
from app.sla.operations import recompute as recompute_module
from app.sla.operations import recompute_open_tickets
from app.sla.operations.recompute import pending_recomputes
from app.users.models import Role

from ..conftest import TEST_DB
from .conftest import clock_of

STAFF_DAY = {date(2025, 3, 4): "Staff day"}  # the Tuesday after the clock's Monday 3 March 2025


@pytest.fixture
def admin(make_user):
    return make_user(Role.admin, name="Ada Admin")


@pytest.fixture
def small_limit(app):
    """Rebuilds of more than one open ticket are queued."""
    app.config["SLA_RECOMPUTE_INLINE_LIMIT"] = 1
    yield
    app.config["SLA_RECOMPUTE_INLINE_LIMIT"] = 500


def _office() -> BusinessCalendar:
    return db.session.scalar(sa.select(BusinessCalendar).where(BusinessCalendar.name == "Business hours"))


def _add_staff_day(admin) -> config.Recompute:
    _changed, plan = config.save_calendar(_office(), admin, holidays=STAFF_DAY, reason="staff day")
    db.session.commit()
    return plan


def _resolution_dues(tickets) -> dict[int, object]:
    db.session.expire_all()
    return {t.id: clock_of(t, T.resolution).due_at for t in tickets}


def _recomputed_per_clock() -> dict[int, int]:
    rows = db.session.execute(sa.select(SlaEvent.clock_id, sa.func.count()).where(SlaEvent.kind == K.recomputed)
                              .group_by(SlaEvent.clock_id)).all()
    return dict(rows)


def test_an_edit_over_the_limit_queues_a_rebuild_that_the_job_completes(policies, new_ticket, admin,
                                                                        small_limit):
    tickets = [new_ticket("P3") for _ in range(3)]
    before = _resolution_dues(tickets)
    plan = _add_staff_day(admin)

    assert plan.background and plan.tickets == 3 and plan.changed is None
    [queued] = pending_recomputes()
    assert (queued["calendar_id"], queued["actor_id"], queued["after_ticket_id"], queued["tickets"]) == (
        _office().id, admin.id, 0, 3)
    assert _resolution_dues(tickets) == before  # committed with the edit, not yet done
    progress = config.recompute_progress()
    assert (progress.done, progress.tickets) == (0, 3)

    assert jobs.recompute_pending() == 3
    assert pending_recomputes() == [] and config.recompute_progress() is None
    after = _resolution_dues(tickets)
    assert all(after[t.id] - before[t.id] == timedelta(days=1) for t in tickets)
    [audit] = recent_events(action_prefix="sla.recomputed")
    assert audit.actor_id == admin.id and audit.details["changed"] == 3 and audit.details["tickets"] == 3
    [moved] = [e for e in db.session.scalars(sa.select(SlaEvent).where(SlaEvent.kind == K.recomputed))
               if e.ticket_id == tickets[0].id]
    assert moved.reason == "calendar 'Business hours' changed (v2): staff day"


def test_an_interrupted_rebuild_resumes_from_its_cursor_and_writes_each_entry_once(
        policies, new_ticket, admin, small_limit, monkeypatch):
    tickets = [new_ticket("P3") for _ in range(5)]
    before = _resolution_dues(tickets)
    _add_staff_day(admin)

    # One batch of two, then the time budget is spent: the cursor stands after the second ticket.
    assert jobs.recompute_pending(batch=2, budget_seconds=0) == 2
    [queued] = pending_recomputes()
    assert (queued["after_ticket_id"], queued["done"], queued["changed"]) == (tickets[1].id, 2, 2)
    assert config.recompute_progress().done == 2
    halfway = _resolution_dues(tickets)
    assert [halfway[t.id] != before[t.id] for t in tickets] == [True, True, False, False, False]

    # The process dies in the middle of the next batch, after writing and before the commit.
    real = recompute_module.recompute_batch

    def crash(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("worker killed")

    monkeypatch.setattr(recompute_module, "recompute_batch", crash)
    with pytest.raises(RuntimeError):
        jobs.recompute_pending(batch=2)
    db.session.rollback()  # what the scheduler's runner does
    monkeypatch.setattr(recompute_module, "recompute_batch", real)
    assert pending_recomputes()[0]["after_ticket_id"] == tickets[1].id  # lost with the batch
    assert _resolution_dues(tickets) == halfway

    # The next run goes on from the cursor and finishes.
    assert jobs.recompute_pending(batch=2) == 3
    assert pending_recomputes() == []
    after = _resolution_dues(tickets)
    assert all(after[t.id] - before[t.id] == timedelta(days=1) for t in tickets)
    resolution_clocks = {clock_of(t, T.resolution).id for t in tickets}
    counts = _recomputed_per_clock()
    assert resolution_clocks <= set(counts) and set(counts.values()) == {1}  # every entry once
    [audit] = recent_events(action_prefix="sla.recomputed")
    assert audit.details["changed"] == 5 and audit.details["tickets"] == 5
    # Equal to an uninterrupted rebuild: doing one now finds nothing to change.
    stored = {c.id: (c.due_at, c.warn_at, c.is_paused, c.used_seconds) for c in db.session.scalars(sa.select(SlaClock))}
    assert recompute_open_tickets(calendar=_office()) == 0
    db.session.commit()
    db.session.expire_all()
    assert {c.id: (c.due_at, c.warn_at, c.is_paused, c.used_seconds)
            for c in db.session.scalars(sa.select(SlaClock))} == stored
    assert _recomputed_per_clock() == counts


def test_the_job_does_nothing_when_nothing_is_queued(policies, new_ticket, admin, small_limit):
    assert jobs.recompute_pending() == 0  # no queue at all yet
    tickets = [new_ticket("P3") for _ in range(2)]
    _add_staff_day(admin)
    assert jobs.recompute_pending() == 2
    dues, events = _resolution_dues(tickets), db.session.scalar(sa.select(sa.func.count()).select_from(SlaEvent))

    assert jobs.recompute_pending() == 0  # an empty queue
    assert _resolution_dues(tickets) == dues
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SlaEvent)) == events
    assert len(recent_events(action_prefix="sla.recomputed")) == 1


def test_two_edits_queue_two_rebuilds_and_an_identical_one_not_yet_started_merges(
        policies, new_ticket, admin, small_limit):
    tickets = [new_ticket("P3") for _ in range(2)]
    office = _office()
    _add_staff_day(admin)
    config.save_calendar(office, admin, holidays={**STAFF_DAY, date(2025, 3, 5): "Second staff day"},
                         reason="second staff day")
    db.session.commit()
    [merged] = pending_recomputes()
    assert merged["reason"] == "staff day; second staff day"

    p3 = policies["P3"]
    config.save_policy(p3, admin, targets={"resolution": 4 * 540}, note="longer")
    db.session.commit()
    assert [(p["calendar_id"], p["policy_id"]) for p in pending_recomputes()] == [(office.id, None), (None, p3.id)]
    assert config.recompute_progress().tickets == 4

    assert jobs.recompute_pending(batch=1, budget_seconds=0) == 1  # the oldest first
    assert pending_recomputes()[0]["calendar_id"] == office.id
    assert jobs.recompute_pending() == 3
    assert pending_recomputes() == []
    assert len(recent_events(action_prefix="sla.recomputed")) == 2
    assert all(clock_of(t, T.resolution).target_minutes == 4 * 540 for t in tickets)


@pytest.mark.skipif(TEST_DB != "postgresql", reason="row locks: PostgreSQL")
def test_a_second_scheduler_skips_a_queue_another_one_is_working_on(app, policies, new_ticket, admin,
                                                                   small_limit):
    tickets = [new_ticket("P3") for _ in range(2)]
    before = _resolution_dues(tickets)
    _add_staff_day(admin)
    other = sa.create_engine(app.config["DATABASE_URL"], poolclass=sa.pool.NullPool)
    try:
        with other.connect() as conn:
            conn.execute(sa.text("SELECT key FROM setting WHERE key = 'sla.pending_recompute' FOR UPDATE"))
            assert jobs.recompute_pending() == 0
            conn.rollback()
        assert _resolution_dues(tickets) == before
        assert jobs.recompute_pending() == 2
    finally:
        other.dispose()
