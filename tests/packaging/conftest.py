"""Fixtures for the packaging tests: the offline bundle and the .deb, built once per test session.

The packaging does not depend on the test database, so these tests run in the SQLite pass only
(SERVICEDESK_TEST_DB=postgresql skips them all). The dependency wheels are cached between runs in
${XDG_CACHE_HOME:-~/.cache}/servicedesk-wheels (SERVICEDESK_WHEEL_CACHE overrides it), outside the
repository, so a repeated run builds without asking the package index.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
WHEEL_CACHE = Path(os.environ.get("SERVICEDESK_WHEEL_CACHE")
                   or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "servicedesk-wheels")


def version() -> str:
    from app.core.version import VERSION

    return VERSION


def expected_release() -> str:
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=8", "HEAD"],
                         capture_output=True, text=True)
    return f"{version()}+g{sha.stdout.strip()}" if sha.returncode == 0 else version()


def require(*commands: str) -> None:
    missing = [c for c in commands if shutil.which(c) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (packaging/dev/run-tests.sh installs them)")


def run(cmd, **kwargs) -> subprocess.CompletedProcess:
    """Run a command; on failure the assertion shows its output."""
    kwargs.setdefault("timeout", 600)
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{cmd} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(autouse=True)
def _sqlite_pass_only():
    if os.environ.get("SERVICEDESK_TEST_DB", "sqlite") != "sqlite":
        pytest.skip("the packaging does not depend on the test database: tested in the SQLite pass only")


@pytest.fixture(scope="session")
def build_env() -> dict[str, str]:
    if os.environ.get("SERVICEDESK_TEST_DB", "sqlite") != "sqlite":
        pytest.skip("the packaging does not depend on the test database: tested in the SQLite pass only")
    if platform.machine() != "x86_64" or sys.version_info[:2] != (3, 11):
        pytest.skip("the bundle is built on its target platform: x86_64, Python 3.11")
    WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "PYTHON": sys.executable, "SERVICEDESK_WHEEL_CACHE": str(WHEEL_CACHE)}


@pytest.fixture(scope="session")
def bundle(build_env, tmp_path_factory) -> Path:
    """servicedesk-<RELEASE>-bundle.tar.gz of this checkout."""
    out = tmp_path_factory.mktemp("bundle")
    result = run(["bash", str(PACKAGING / "bundle" / "build.sh"), str(out)], env=build_env)
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def deb(build_env, bundle, tmp_path_factory) -> Path:
    """servicedesk_<DEBVERSION>_amd64.deb built from that bundle."""
    require("dpkg-deb")
    out = tmp_path_factory.mktemp("deb")
    result = run(["bash", str(PACKAGING / "deb" / "build.sh"), str(out)],
                 env={**build_env, "SERVICEDESK_BUNDLE": str(bundle)})
    return Path(result.stdout.strip().splitlines()[-1])
