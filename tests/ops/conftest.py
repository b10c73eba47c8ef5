"""A separate installation per test for the backup and CLI tests: a fresh database of the kind under
test, its own DATA_DIR, the environment for running the real `servicedesk` command against it, and an
app object for seeding and inspecting it in-process."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from app import create_app
from app.cli import main
from app.core import migrate
from app.extensions import db

from ..conftest import TEST_DB

SERVICEDESK = str(Path(sys.executable).parent / "servicedesk")
_names = itertools.count(1)


@dataclass
class Site:
    url: str
    data_dir: Path
    env: dict[str, str]
    app: object

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """The real `servicedesk` command in its own process."""
        self._let_go()
        return subprocess.run([SERVICEDESK, *args], env=env or self.env, capture_output=True, text=True,
                              timeout=300)

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """The same command in this process (click's runner): much faster on a busy machine."""
        self._let_go()
        result = self.app.test_cli_runner().invoke(main, list(args))
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)

    def _let_go(self) -> None:
        with self.app.app_context():  # no connection left open: restore must be able to drop tables
            db.session.remove()
            db.engine.dispose()


def database_for_test(tmp_path: Path, request, prefix: str) -> str:
    if TEST_DB == "postgresql":
        return request.getfixturevalue("pg_cluster")(f"{prefix}_{next(_names)}")
    return f"sqlite:///{tmp_path / f'{prefix}.db'}"


@pytest.fixture
def site(tmp_path, request):
    url = database_for_test(tmp_path, request, "site")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    settings = {"DATABASE_URL": url, "DATA_DIR": str(data_dir), "SECRET_KEY": "ops-test-secret-0123456789"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEDESK_")}
    env.update({f"SERVICEDESK_{k}": v for k, v in settings.items()})
    app = create_app({**settings, "TESTING": True})
    migrate.upgrade(url)
    yield Site(url, data_dir, env, app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
