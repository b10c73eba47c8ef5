"""The in-process scheduler and its leader lock.

Every app process may start a scheduler, but only the one holding the leader lock runs jobs:
a PostgreSQL advisory lock (held by a dedicated connection, released when the process dies) or,
on SQLite, an exclusive file lock. Non-leaders retry on every tick and take over when the leader dies.
Jobs must be idempotent anyway (ARCHITECTURE.md, "time is data").
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .clock import utcnow

log = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 0x5E7D_E5C0  # "servicedesk scheduler"
#: how often the leader writes its heartbeat (app/schedule.py); /readyz and /metrics read its age
HEARTBEAT_SECONDS = 15


class SchedulerHeartbeat(db.Model):
    """The scheduler leader's sign of life: one row for the installation, rewritten on every beat.

    Fresh means some process holds the leader lock and its jobs actually run (the beat is a job too)."""

    __tablename__ = "scheduler_heartbeat"
    #: always 1
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: the leader's host name and process id
    hostname: Mapped[str] = mapped_column(sa.String(255))
    pid: Mapped[int]
    #: when this host and process started beating (UTC)
    leader_since: Mapped[datetime]
    #: the last beat (UTC)
    beat_at: Mapped[datetime]


def beat_heartbeat(now: datetime | None = None) -> None:
    """Record that this process is the leader and its jobs run. Scheduled like every job, so it runs
    only in the leader; a new leader (other host or pid) restarts ``leader_since``."""
    now = now or utcnow()
    hostname, pid = socket.gethostname()[:255], os.getpid()
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    table = SchedulerHeartbeat.__table__
    insert = dialect.insert(table).values(id=1, hostname=hostname, pid=pid, leader_since=now, beat_at=now)
    same_leader = sa.and_(table.c.hostname == hostname, table.c.pid == pid)
    db.session.execute(insert.on_conflict_do_update(index_elements=[table.c.id], set_={
        "hostname": hostname, "pid": pid, "beat_at": now,
        "leader_since": sa.case((same_leader, table.c.leader_since), else_=insert.excluded.leader_since),
    }))
    db.session.commit()


class LeaderLock:
    def __init__(self, engine: sa.Engine, data_dir: str):
        self.engine, self.data_dir = engine, data_dir
        self._conn = None
        self._file = None
        self._mutex = threading.Lock()

    @property
    def is_leader(self) -> bool:
        return self._conn is not None or self._file is not None

    def try_acquire(self) -> bool:
        with self._mutex:
            if self.is_leader:
                return self._still_held()
            if self.engine.dialect.name == "postgresql":
                conn = self.engine.connect()
                if conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}).scalar():
                    conn.commit()
                    self._conn = conn
                else:
                    conn.close()
            else:
                handle = open(Path(self.data_dir, "scheduler.lock"), "a+")  # noqa: SIM115 - held open
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    handle.seek(0)
                    handle.truncate()
                    handle.write(str(os.getpid()))
                    handle.flush()
                    self._file = handle
                except OSError:
                    handle.close()
            return self.is_leader

    def _still_held(self) -> bool:
        if self._conn is None:
            return True
        try:
            self._conn.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.DBAPIError:  # connection lost: so is the lock
            log.warning("scheduler lost its database connection and with it the leader lock")
            self._conn = None
            return False

    def release(self) -> None:
        with self._mutex:
            if self._conn is not None:
                # close() only returns the connection to the pool: the session lock must be let go explicitly
                try:
                    self._conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
                    self._conn.commit()
                except sa.exc.DBAPIError:
                    pass
                finally:
                    self._conn.close()
                    self._conn = None
            if self._file is not None:
                fcntl.flock(self._file, fcntl.LOCK_UN)
                self._file.close()
                self._file = None


class Runner:
    """Runs the registered jobs on their intervals, inside an app context, only while leader."""

    def __init__(self, app, jobs: list[tuple[Callable, int]]):
        self.app, self.jobs = app, jobs
        with app.app_context():
            self.lock = LeaderLock(db.engine, app.config["DATA_DIR"])
        self.scheduler = BackgroundScheduler(timezone="UTC")

    def _run(self, job: Callable) -> None:
        if not self.lock.try_acquire():
            return
        with self.app.app_context():
            try:
                job()
            except Exception:
                log.exception("scheduled job %s failed", job.__name__)
                db.session.rollback()
            finally:
                db.session.remove()

    def start(self) -> None:
        # Every job runs once at start, then on its interval: a restart catches up at once and the
        # heartbeat shows the new leader within seconds (jobs are idempotent, ARCHITECTURE.md).
        started = datetime.now(UTC)
        for job, seconds in self.jobs:
            self.scheduler.add_job(self._run, "interval", seconds=seconds, args=[job], id=job.__name__,
                                   max_instances=1, coalesce=True, next_run_time=started)
        self.scheduler.start()

    def shutdown(self) -> None:
        self.scheduler.shutdown(wait=True)
        self.lock.release()
