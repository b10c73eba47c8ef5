"""Real servers for tests, started on free loopback ports in temporary directories."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*cmd: str) -> list[str]:
    # PostgreSQL refuses to run as root; as root, run it as the Debian 'postgres' user.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


@contextlib.contextmanager
def postgres_cluster():
    """A throwaway PostgreSQL cluster (fsync off); yields a function that creates databases and
    returns their SQLAlchemy URLs."""
    root = Path(tempfile.mkdtemp(prefix="sd-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data, port = root / "data", free_port()
    subprocess.run(_as_postgres(str(PGBIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                "-N", "-E", "UTF8", "--locale=C.UTF-8"), check=True, capture_output=True)
    options = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
               "-c full_page_writes=off -c max_connections=200")
    subprocess.run(_as_postgres(str(PGBIN / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"),
                                "-w", "start", "-o", options), check=True, capture_output=True)

    def create_database(name: str) -> str:
        subprocess.run([str(PGBIN / "createdb"), "-h", str(root), "-p", str(port), "-U", "postgres", name],
                       check=True, capture_output=True)
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{name}"

    try:
        yield create_database
    finally:
        subprocess.run(_as_postgres(str(PGBIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def smtp_sink():
    """A real SMTP server (aiosmtpd) on a free loopback port; yields (port, list of received messages)."""
    from email import message_from_bytes

    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            received.append(message_from_bytes(envelope.original_content))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, received
    finally:
        controller.stop()


@contextlib.contextmanager
def http_receiver(statuses=()):
    """An HTTP server that records POSTed bodies and answers with the given statuses in turn (then 200)."""
    import http.server
    import threading

    received, answers = [], list(statuses)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's hook name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append({"path": self.path, "headers": dict(self.headers), "body": body})
            self.send_response(answers.pop(0) if answers else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", received
    finally:
        server.shutdown()
        server.server_close()
