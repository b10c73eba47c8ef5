"""Whether this installation is ready to serve, from plain facts (gathered by queries.py) and ``now``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Facts:
    #: None when the database answered; otherwise why not
    database_error: str | None = None
    schema_current: str | None = None
    schema_head: str | None = None
    #: the scheduler leader's last beat, its host and process (None: never beat)
    heartbeat_at: datetime | None = None
    leader: str | None = None
    #: next_attempt_at of the oldest pending delivery that is due (None: nothing due)
    oldest_due_delivery_at: datetime | None = None
    due_deliveries: int = 0


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str

    def as_json(self) -> dict:
        return {"status": "ok" if self.ok else "fail", "detail": self.detail}


def _age(since: datetime, now: datetime) -> int:
    return max(0, int((now - since).total_seconds()))


def evaluate(facts: Facts, now: datetime, *, heartbeat_max_age: timedelta,
             outbox_stuck_after: timedelta) -> dict[str, Check]:
    """The four checks of /readyz, each ok or failing with a reason a sysadmin can act on."""
    if facts.database_error is not None:
        unknown = Check(False, "not checked: the database is unreachable")
        return {"database": Check(False, facts.database_error), "migrations": unknown, "scheduler": unknown,
                "outbox": unknown}
    checks = {"database": Check(True, "reachable")}
    if facts.schema_current != facts.schema_head:
        unknown = Check(False, "not checked: the schema is not at head")
        return {**checks, "migrations": Check(False, f"database at {facts.schema_current or 'none'}, code expects "
                                                     f"{facts.schema_head}: run `servicedesk init`"),
                "scheduler": unknown, "outbox": unknown}
    checks["migrations"] = Check(True, f"at head {facts.schema_head}")
    if facts.heartbeat_at is None:
        checks["scheduler"] = Check(False, "no scheduler has ever run: set SCHEDULER_ENABLED = True on one "
                                           "app server or run `servicedesk scheduler`")
    else:
        age = _age(facts.heartbeat_at, now)
        if age <= heartbeat_max_age.total_seconds():
            checks["scheduler"] = Check(True, f"leader {facts.leader}, last beat {age} s ago")
        else:
            checks["scheduler"] = Check(False, f"no leader: the last beat ({facts.leader}) was {age} s ago")
    if facts.oldest_due_delivery_at is not None and facts.oldest_due_delivery_at <= now - outbox_stuck_after:
        checks["outbox"] = Check(False, f"{facts.due_deliveries} due deliveries, the oldest due for "
                                        f"{_age(facts.oldest_due_delivery_at, now)} s")
    else:
        checks["outbox"] = Check(True, f"{facts.due_deliveries} due deliveries")
    return checks
