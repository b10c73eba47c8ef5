"""Static checks that run with the tests: the layer contract (import-linter) and ruff."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import TEST_DB

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# They do not depend on the database: run them in the SQLite pass only.
pytestmark = pytest.mark.skipif(TEST_DB != "sqlite", reason="database-independent; runs in the SQLite pass")


def _run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_domains_depend_only_downwards():
    result = _run(str(BIN / "lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_ruff_finds_nothing():
    result = _run(str(BIN / "ruff"), "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr
