"""The scheduler's leader lock: one process in the installation runs the jobs, another takes over when
it stops or dies. A file lock on SQLite, a PostgreSQL advisory lock on PostgreSQL."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.core.scheduler import LeaderLock, Runner, SchedulerHeartbeat, beat_heartbeat
from app.extensions import db

from ..conftest import TEST_DB

_names = itertools.count(1)


@pytest.fixture
def lock_target(tmp_path, request):
    """(database URL, data dir) of a fresh database of the kind under test."""
    if TEST_DB == "postgresql":
        return request.getfixturevalue("pg_cluster")(f"leader_{next(_names)}"), str(tmp_path)
    return f"sqlite:///{tmp_path / 'leader.db'}", str(tmp_path)


@pytest.fixture
def engine(lock_target):
    engine = sa.create_engine(lock_target[0])
    yield engine
    engine.dispose()


def test_kind_of_lock_follows_the_database(engine, lock_target):
    lock = LeaderLock(engine, lock_target[1])
    assert lock.try_acquire()
    try:
        if TEST_DB == "postgresql":
            with engine.connect() as conn:
                held = conn.execute(sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                )).scalar()
            assert held == 1
        else:  # the lock file names the leader's process
            assert Path(lock_target[1], "scheduler.lock").read_text() == str(os.getpid())
    finally:
        lock.release()


def test_only_one_of_two_locks_is_leader_and_the_other_takes_over_after_release(engine, lock_target):
    first, second = LeaderLock(engine, lock_target[1]), LeaderLock(engine, lock_target[1])
    try:
        assert first.try_acquire() is True
        assert second.try_acquire() is False
        assert first.is_leader and not second.is_leader
        assert first.try_acquire() is True  # the leader keeps it on every tick
        first.release()
        assert not first.is_leader
        assert second.try_acquire() is True
        assert first.try_acquire() is False
    finally:
        first.release()
        second.release()


HOLDER = textwrap.dedent("""
    import sys, time
    import sqlalchemy as sa
    from app.core.scheduler import LeaderLock
    lock = LeaderLock(sa.create_engine(sys.argv[1]), sys.argv[2])
    print("leader" if lock.try_acquire() else "follower", flush=True)
    time.sleep(120)
""")


def test_another_process_takes_over_when_the_leader_dies(engine, lock_target):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, *lock_target], stdout=subprocess.PIPE, text=True)
    follower = LeaderLock(engine, lock_target[1])
    try:
        assert holder.stdout.readline().strip() == "leader"
        assert follower.try_acquire() is False
        holder.send_signal(signal.SIGKILL)  # no clean release: the lock must go with the process
        holder.wait(timeout=10)
        deadline = time.monotonic() + 15
        while not follower.try_acquire():
            assert time.monotonic() < deadline, "the lock was not released when its holder died"
            time.sleep(0.1)
        assert follower.is_leader
    finally:
        follower.release()
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        holder.stdout.close()


def test_runner_runs_jobs_only_while_it_is_the_leader(app):
    ran = []

    def job():
        ran.append(1)

    other = LeaderLock(db.engine, app.config["DATA_DIR"])
    runner = Runner(app, [(job, 60)])  # not started: ticks are driven by hand
    try:
        assert other.try_acquire()
        runner._run(job)
        assert ran == []
        other.release()
        runner._run(job)
        assert ran == [1]
    finally:
        runner.lock.release()
        other.release()


def _heartbeat() -> SchedulerHeartbeat | None:
    db.session.expire_all()
    row = db.session.get(SchedulerHeartbeat, 1)
    db.session.rollback()  # no snapshot kept open between polls
    return row


def test_a_started_runner_beats_at_once_while_leader_and_not_while_another_is(app):
    other = LeaderLock(db.engine, app.config["DATA_DIR"])
    assert other.try_acquire()
    follower = Runner(app, [(beat_heartbeat, 3600)])  # the first run is at start, the next in an hour
    follower.start()
    try:
        time.sleep(1.5)
        assert _heartbeat() is None  # not the leader: no beat
    finally:
        follower.shutdown()
        other.release()
    leader = Runner(app, [(beat_heartbeat, 3600)])
    leader.start()
    try:
        deadline = time.monotonic() + 15
        while (row := _heartbeat()) is None:
            assert time.monotonic() < deadline, "the leader did not beat at start"
            time.sleep(0.1)
        assert row.pid == os.getpid() and row.leader_since == row.beat_at
    finally:
        leader.shutdown()
