"""Reads for the probes and the metrics: small aggregate queries on indexed columns, one round trip each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from ..core import migrate
from ..core.scheduler import SchedulerHeartbeat
from ..extensions import db
from ..notifications.models import Delivery, DeliveryChannel, DeliveryStatus
from ..sla.models import SlaClock
from .readiness import Facts

_LIVE = (SlaClock.met_at.is_(None), SlaClock.breached_at.is_(None), SlaClock.stopped_at.is_(None))


def schema_revisions() -> tuple[str | None, str]:
    """(the database's alembic revision, the code's head revision)."""
    return migrate.current_revision(db.engine), migrate.head_revision()


def heartbeat() -> SchedulerHeartbeat | None:
    return db.session.get(SchedulerHeartbeat, 1)


def due_deliveries(now: datetime) -> tuple[int, datetime | None]:
    """How many pending deliveries are due, and since when the oldest (partial index ix_delivery_due)."""
    count, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(Delivery.next_attempt_at))
        .where(Delivery.status == DeliveryStatus.pending, Delivery.next_attempt_at <= now)
    ).one()
    return count, _aware(oldest)


def readiness_facts(now: datetime) -> Facts:
    """Everything /readyz decides on; a database that does not answer is a fact too."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        current, head = schema_revisions()
        if current != head:  # the tables asked about next may not exist yet
            return Facts(schema_current=current, schema_head=head)
        beat = heartbeat()
        due, oldest = due_deliveries(now)
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        return Facts(database_error=f"{type(exc).__name__}: {_first_line(exc)}", schema_head=migrate.head_revision())
    return Facts(schema_current=current, schema_head=head,
                 heartbeat_at=beat.beat_at if beat else None,
                 leader=f"{beat.hostname} pid {beat.pid}" if beat else None,
                 oldest_due_delivery_at=oldest, due_deliveries=due)


@dataclass(frozen=True)
class OpsSnapshot:
    """The gauges of /metrics, read at scrape time (the same in whichever worker answers)."""

    schema_current: str | None
    heartbeat: SchedulerHeartbeat | None
    #: kind ("warning" | "breach") -> (due but unprocessed clocks, the oldest one's due time)
    sla_due: dict[str, tuple[int, datetime | None]]
    #: (channel, state) -> deliveries; state: pending (never tried), retrying (failed, will retry), dead
    outbox: dict[tuple[str, str], int]
    #: the oldest due pending delivery's due time
    outbox_oldest_due_at: datetime | None


def ops_snapshot(now: datetime) -> OpsSnapshot:
    warnings = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(SlaClock.warn_at))
        .where(SlaClock.warn_at <= now, SlaClock.warned_at.is_(None), *_LIVE)).one()
    breaches = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(SlaClock.due_at)).where(SlaClock.due_at <= now, *_LIVE)).one()
    outbox = {(c.value, s): 0 for c in DeliveryChannel for s in ("pending", "retrying", "dead")}
    pending = db.session.execute(  # attempts has a handful of values (MAX_ATTEMPTS)
        sa.select(Delivery.channel, Delivery.attempts, sa.func.count())
        .where(Delivery.status == DeliveryStatus.pending).group_by(Delivery.channel, Delivery.attempts))
    for channel, attempts, count in pending:
        outbox[(channel.value, "retrying" if attempts else "pending")] += count
    dead = db.session.execute(sa.select(Delivery.channel, sa.func.count())
                              .where(Delivery.status == DeliveryStatus.dead).group_by(Delivery.channel))
    for channel, count in dead:
        outbox[(channel.value, "dead")] = count
    return OpsSnapshot(
        schema_current=migrate.current_revision(db.engine), heartbeat=heartbeat(),
        sla_due={"warning": (warnings[0], _aware(warnings[1])), "breach": (breaches[0], _aware(breaches[1]))},
        outbox=outbox, outbox_oldest_due_at=due_deliveries(now)[1],
    )


def _aware(value: datetime | None) -> datetime | None:
    # min() keeps the column type, so values arrive as aware UTC; a plain string would be a driver surprise
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if isinstance(value, str) else value


def _first_line(exc: Exception) -> str:
    return (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0][:300]
