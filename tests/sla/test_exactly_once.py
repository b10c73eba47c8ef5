"""Exactly once, with the real thing: two installations' worth of app processes on one PostgreSQL.

Instance A (a gunicorn master with three workers) and instance B (another master, two workers) run with
SCHEDULER_ENABLED, so five in-process schedulers compete for the leader lock. SLA warnings and breaches
come due (back-dated tickets and short targets, no long sleeps); their mails go to a real SMTP server and
their webhooks to a real HTTP receiver. Each must arrive once, and the ledger must record each once, also
when the leader instance is killed (SIGKILL, master and workers: a crashed host) and the other one takes
over. The tickets of the first wave were due while the service was down for over an hour: everything
missed is processed once when it starts.

The job intervals are shortened to a second (a module written to tmp_path wraps the app: app/schedule.py
JOBS with intervals capped), so the test takes seconds instead of minutes; nothing else is changed.

What cannot be promised for any outbox: a message the SMTP server accepted just before the sender died,
before its `sent` status was committed, is sent again by the next leader (at least once; receivers can
deduplicate on the Idempotency-Key header / the key in the Message-ID). So the leader is killed while it
has nothing in flight: every delivery committed as sent, and the second wave not due yet.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine

from app import create_app
from app.core import migrate
from app.core.actors import SYSTEM
from app.core.clock import utcnow
from app.core.scheduler import ADVISORY_LOCK_KEY
from app.extensions import db
from app.notifications.models import Delivery, DeliveryChannel, DeliveryStatus
from app.sla.models import SlaClock, SlaEvent, SlaEventKind, SlaPolicy, SlaTarget
from app.sla.operations import create_calendar, create_policy
from app.tickets import operations as ticket_ops
from app.tickets.models import Level
from app.users.models import Role, Team, User

from ..conftest import TEST_DB
from ..servers import free_port, http_receiver, smtp_sink

pytestmark = [pytest.mark.postgres_only,
              pytest.mark.skipif(TEST_DB != "postgresql", reason="several processes on one PostgreSQL")]

REPO = Path(__file__).resolve().parents[2]
SECRET_KEY = "exactly-once-secret-key-0123456789"
#: a policy on a 24x7 calendar with short targets (minutes): acknowledge 1, first response 2, resolution
#: 30; the warning at half of each
TARGETS = {"acknowledge": 1, "first_response": 2, "next_response": None, "resolution": 30}
SHIM = """
from app import schedule
schedule.JOBS[:] = [(job, min(seconds, 1)) for job, seconds in schedule.JOBS]
from app import create_app
app = create_app()
"""


def _wait(what: str, condition, timeout: float = 45.0, every: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Instance:
    """One gunicorn master with its workers, configured like production (packaging/gunicorn.conf.py)."""

    def __init__(self, name: str, workers: int, env: dict, tmp_path: Path):
        self.name, self.port = name, free_port()
        data_dir = tmp_path / f"data-{name}"
        data_dir.mkdir()
        self.log = tmp_path / f"gunicorn-{name}.log"
        environment = {**os.environ, **env, "SERVICEDESK_DATA_DIR": str(data_dir),
                       "SERVICEDESK_BIND": f"127.0.0.1:{self.port}", "SERVICEDESK_WORKERS": str(workers),
                       "SERVICEDESK_THREADS": "2", "SERVICEDESK_GUNICORN_LOG_LEVEL": "warning",
                       "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(REPO / "packaging" / "gunicorn.conf.py"),
                 "exactly_once_app:app"], cwd=REPO, env=environment, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)

    def serves(self) -> bool:
        """A worker answers HTTP (so its app, and with it its scheduler, has started)."""
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.port}/auth/login", timeout=2).close()  # noqa: S310
            return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def pids(self) -> set[int]:
        """The master and its workers."""
        found = {self.process.pid}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat[stat.rindex(")") + 2:].split()[1]) == self.process.pid:
                    found.add(int(entry.name))
        return found

    def kill(self) -> None:
        """SIGKILL to the master and its workers at once, as when the host dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def errors(self) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if "Traceback" in line or "ERROR" in line]


def _leader_backend(engine) -> int | None:
    """The database backend holding the scheduler's advisory lock (None: no leader right now)."""
    with engine.connect() as conn:
        return conn.scalar(sa.text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = :hi AND objid = :lo"),
            {"hi": ADVISORY_LOCK_KEY >> 32, "lo": ADVISORY_LOCK_KEY & 0xFFFFFFFF})


def _instance_of(engine, backend: int, instances: list[Instance]) -> Instance:
    """The instance whose process holds the database connection of `backend`: the client port of the
    connection (pg_stat_activity) -> the socket's inode (/proc/net/tcp) -> the process that has it open."""
    with engine.connect() as conn:
        port = conn.scalar(sa.text("SELECT client_port FROM pg_stat_activity WHERE pid = :pid"), {"pid": backend})
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    for instance in instances:
        for pid in instance.pids():
            try:
                fds = list(Path(f"/proc/{pid}/fd").iterdir())
            except OSError:
                continue
            for fd in fds:
                try:
                    if os.readlink(fd) in inodes:
                        return instance
                except OSError:
                    continue
    raise AssertionError(f"no instance holds the connection of backend {backend} (port {port})")


def _make_ticket(requester, agent, team, subject: str):
    ticket = ticket_ops.create_ticket(requester, subject=subject, requester=requester, impact=Level.medium,
                                      urgency=Level.medium, team=team, assignee=agent)
    db.session.commit()
    return ticket


def _expected(tickets: dict[int, list[SlaTarget]]) -> set[tuple[int, str, str]]:
    """(ticket, target, warned|breached) for every listed target of every ticket."""
    return {(t, target.value, kind) for t, targets in tickets.items() for target in targets
            for kind in ("warned", "breached")}


def _recorded(engine) -> list[tuple[int, str, str]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(
            "SELECT ticket_id, target, kind FROM sla_event WHERE kind IN ('warned', 'breached')"))]


def _outbox(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT status, count(*) FROM delivery GROUP BY status")).all())


def _all_sent(engine, expected_rows: int):
    outbox = _outbox(engine)
    return outbox.get("sent", 0) == expected_rows and not outbox.get("pending") and not outbox.get("dead")


def test_two_gunicorn_instances_send_each_warning_and_breach_once_also_when_the_leader_dies(pg_cluster, tmp_path):
    url = pg_cluster("sla_exactly_once")
    migrate.upgrade(url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    (tmp_path / "exactly_once_app.py").write_text(SHIM)
    app = create_app({"DATABASE_URL": url, "DATA_DIR": str(tmp_path), "SECRET_KEY": SECRET_KEY})
    instances: list[Instance] = []
    with smtp_sink() as (smtp_port, mails), http_receiver() as (hook_url, hooks), app.app_context():
        try:
            team = Team(name="Service Desk", tier=1)
            agent = User(email="ann@example.org", name="Ann Agent", role=Role.agent, teams=[team])
            lead = User(email="lena@example.org", name="Lena Lead", role=Role.lead, teams=[team])
            requester = User(email="rita@example.org", name="Rita Requester", role=Role.requester)
            db.session.add_all([team, agent, lead, requester])
            calendar = create_calendar("Always", "Europe/Berlin", {day: "00:00-24:00" for day in range(7)})
            create_policy("Fast", SYSTEM, calendar=calendar, targets=TARGETS, warning_percent=50, is_default=True,
                          warning_actions=[{"type": "notify", "recipients": ["assignee"]},
                                           {"type": "webhook", "url": hook_url + "/sla"}],
                          breach_actions=[{"type": "notify", "recipients": ["assignee", "team_leads"]},
                                          {"type": "webhook", "url": hook_url + "/sla"}])
            db.session.commit()
            assert db.session.scalar(sa.select(sa.func.count()).select_from(SlaPolicy)) == 1

            # Wave 1: the service was down for over an hour; every target of these came due meanwhile.
            with time_machine.travel(utcnow() - timedelta(minutes=75), tick=True):
                first_wave = [_make_ticket(requester, agent, team, f"Outage ticket {i}").id for i in range(4)]
            assert db.session.scalar(sa.select(sa.func.count()).select_from(SlaEvent).where(
                SlaEvent.kind.in_([SlaEventKind.warned, SlaEventKind.breached]))) == 0

            env = {"SERVICEDESK_DATABASE_URL": url, "SERVICEDESK_SECRET_KEY": SECRET_KEY,
                   "SERVICEDESK_SCHEDULER_ENABLED": "true", "SERVICEDESK_SMTP_HOST": "127.0.0.1",
                   "SERVICEDESK_SMTP_PORT": str(smtp_port), "SERVICEDESK_LOG_LEVEL": "WARNING",
                   "SERVICEDESK_BASE_URL": "https://desk.example.org"}
            instances += [Instance("a", 3, env, tmp_path), Instance("b", 2, env, tmp_path)]
            for instance in instances:
                _wait(f"instance {instance.name} to serve", instance.serves, timeout=90)
            leader = _wait("a leader", lambda: _leader_backend(engine))
            dying = _instance_of(engine, leader, instances)
            [survivor] = [i for i in instances if i is not dying]

            expected = _expected({t: [SlaTarget.acknowledge, SlaTarget.first_response, SlaTarget.resolution]
                                  for t in first_wave})
            # per warning: the assignee's mail and a webhook; per breach: assignee, lead, webhook
            rows = len(first_wave) * 3 * (2 + 3)
            _wait("the missed warnings and breaches", lambda: set(_recorded(engine)) == expected)
            _wait("their deliveries", lambda: _all_sent(engine, rows))
            assert _leader_backend(engine) == leader, "the leader changed although nobody died"
            assert all(i.process.poll() is None for i in instances)

            # The leader dies with nothing in flight; wave 2 comes due while nobody leads.
            dying.kill()
            with time_machine.travel(utcnow() - timedelta(seconds=115), tick=True):
                # acknowledge warned at 30 s and due at 60 s, first response warned at 60 s: already due;
                # first response due at 120 s: in 5 s; resolution (warning at 15 min) not during this test
                second_wave = [_make_ticket(requester, agent, team, f"Late ticket {i}").id for i in range(3)]
            new_leader = _wait("the other instance to take over", lambda: _leader_backend(engine), timeout=30)
            assert _instance_of(engine, new_leader, instances) is survivor
            expected |= _expected({t: [SlaTarget.acknowledge, SlaTarget.first_response] for t in second_wave})
            rows += len(second_wave) * 2 * (2 + 3)
            _wait("wave 2's warnings and breaches", lambda: set(_recorded(engine)) == expected)
            _wait("wave 2's deliveries", lambda: _all_sent(engine, rows))
            time.sleep(3)  # a few more ticks of every job: nothing more may happen
            survivor.stop()
        finally:
            for instance in instances:
                instance.stop()
            engine.dispose()
            db.engine.dispose()

        for instance in instances:
            assert instance.errors() == [], instance.log.read_text()[-3000:]

        # The ledger: each warning and breach once, nothing else.
        recorded = _recorded(engine)
        assert sorted(recorded) == sorted(expected)
        with engine.connect() as conn:
            clocks_twice = conn.scalar(sa.text("""SELECT count(*) FROM (SELECT clock_id, kind FROM sla_event
                WHERE kind IN ('warned', 'breached') GROUP BY clock_id, kind HAVING count(*) > 1) x"""))
            deliveries = conn.execute(sa.select(Delivery.channel, Delivery.idempotency_key, Delivery.recipient,
                                                Delivery.status, Delivery.attempts)).all()
        assert clocks_twice == 0
        # The outbox: one row per message, each sent at the first attempt.
        assert len(deliveries) == rows
        assert all(d.status is DeliveryStatus.sent and d.attempts == 1 for d in deliveries)
        # The receivers: each mail once (per recipient and subject: ticket, target, warning or breach) ...
        emails = [d for d in deliveries if d.channel is DeliveryChannel.email]
        per_mail = collections.Counter((m["To"], " ".join(m["Subject"].split())) for m in mails)
        assert len(mails) == len(emails) == len(per_mail) and set(per_mail.values()) == {1}
        assert collections.Counter(m["To"] for m in mails) == {
            "ann@example.org": len(expected), "lena@example.org": len(expected) // 2}
        # ... and each webhook once per idempotency key, one per warning and breach.
        per_key = collections.Counter(h["headers"]["Idempotency-Key"] for h in hooks)
        assert len(hooks) == len(expected) == len(per_key) and set(per_key.values()) == {1}
        documents = {(json.loads(h["body"])["ticket"]["id"], json.loads(h["body"])["target"],
                      {"sla.warning": "warned", "sla.breach": "breached"}[json.loads(h["body"])["event"]])
                     for h in hooks}
        assert documents == expected
        with engine.connect() as conn:
            assert conn.scalar(sa.select(sa.func.count()).select_from(SlaClock).where(
                SlaClock.breached_at.is_not(None))) == len(expected) // 2

