"""Metrics under real gunicorn with several worker processes: request counts from every worker, recycled
ones included, add up in whichever worker answers the scrape (prometheus-client multiprocess mode, the
directory prepared by the master's on_starting hook as packaging/gunicorn.conf.py does)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.core import migrate

from ..servers import free_port
from .conftest import database_for_test

GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def _get(url: str) -> tuple[int, str]:
    """A new connection every time. A worker that reached max_requests closes the connections it has
    accepted but not served (they are not counted): those are sent again, as a client would."""
    for _ in range(10):
        try:
            with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - our http URL
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except (ConnectionResetError, urllib.error.URLError) as exc:
            if isinstance(exc, urllib.error.URLError) and not isinstance(exc.reason, ConnectionResetError):
                raise
            time.sleep(0.2)
    raise AssertionError(f"{url}: the connection was reset ten times")


def _healthz_count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "servicedesk_http_request_duration_seconds_count" and \
                    sample.labels == {"endpoint": "ops.healthz", "method": "GET", "status": "2xx"}:
                return sample.value
    return 0


@pytest.fixture
def gunicorn(tmp_path, request):
    url = database_for_test(tmp_path, request, "gunicorn")
    migrate.upgrade(url)
    metrics_dir = tmp_path / "run" / "metrics"
    metrics_dir.mkdir(parents=True)
    (metrics_dir / "histogram_999999.db").write_bytes(b"left over from the last run")
    port = free_port()
    config = tmp_path / "gunicorn.conf.py"
    config.write_text(textwrap.dedent(f"""
        bind = "127.0.0.1:{port}"
        workers = 2
        worker_class = "gthread"
        threads = 2
        max_requests = 10  # recycle workers often: counts of the ones gone must stay

        def on_starting(server):
            from app.ops.multiprocess import prepare_multiprocess_dir
            prepare_multiprocess_dir({str(metrics_dir)!r})
    """))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SERVICEDESK_", "PROMETHEUS_"))}
    env.update(SERVICEDESK_DATABASE_URL=url, SERVICEDESK_DATA_DIR=str(tmp_path),
               SERVICEDESK_SECRET_KEY="gunicorn-test-secret-0123456789")
    server = subprocess.Popen([GUNICORN, "-c", str(config), "app:create_app()"], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stderr.read().decode()[-3000:]
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer"
            time.sleep(0.5)
        yield base, metrics_dir
    finally:
        server.terminate()
        server.wait(timeout=60)
        server.stderr.close()


def test_request_counts_from_all_workers_add_up_in_every_scrape(gunicorn):
    base, metrics_dir = gunicorn
    assert not (metrics_dir / "histogram_999999.db").exists()  # the master started from an empty directory
    requests = 1  # the fixture's probe
    for _ in range(24):
        assert _get(f"{base}/healthz")[0] == 200
        requests += 1
    # every worker process that served writes its own file; at least three served 25 requests
    assert len(list(metrics_dir.glob("histogram_*.db"))) >= 3
    for _ in range(6):  # scrapes land on any worker, each sees every worker's requests, past ones too
        status, text = _get(f"{base}/metrics")
        assert status == 200
        assert _healthz_count(text) == requests
