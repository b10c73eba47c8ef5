"""The systemd units lint clean (`systemd-analyze verify` in a scratch root that holds the programs they
start), are hardened, and fit the gunicorn configuration they start."""

from __future__ import annotations

import configparser
import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import PACKAGING, require

UNITS = ("servicedesk.service", "servicedesk-backup.service", "servicedesk-backup.timer")


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read(PACKAGING / "systemd" / name)
    return parser


@pytest.fixture
def scratch_root(tmp_path) -> Path:
    """A root with the system's own units (targets), the units under test and stand-ins for the
    programs they start, as on an installed host."""
    require("systemd-analyze")
    root = tmp_path / "root"
    shutil.copytree("/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    bin_dir = root / "opt/servicedesk/current/venv/bin"
    bin_dir.mkdir(parents=True)
    (root / "bin").mkdir()
    for program in (bin_dir / "gunicorn", bin_dir / "servicedesk", root / "bin/kill"):
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
    (root / "etc/systemd/system").mkdir(parents=True)
    for name in UNITS:
        shutil.copy(PACKAGING / "systemd" / name, root / "etc/systemd/system" / name)
    return root


def test_units_verify_clean(scratch_root):
    result = subprocess.run(["systemd-analyze", "verify", f"--root={scratch_root}", *UNITS],
                            capture_output=True, text=True, cwd="/")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def test_a_unit_that_starts_a_missing_program_does_not_verify(scratch_root):
    (scratch_root / "opt/servicedesk/current/venv/bin/gunicorn").unlink()
    result = subprocess.run(["systemd-analyze", "verify", f"--root={scratch_root}", "servicedesk.service"],
                            capture_output=True, text=True, cwd="/")
    assert result.returncode != 0
    assert "gunicorn" in result.stderr


@pytest.mark.parametrize("name", ["servicedesk.service", "servicedesk-backup.service"])
def test_services_are_hardened(scratch_root, name):
    service = unit(name)["Service"]
    assert service["User"] == service["Group"] == "servicedesk"
    assert service["EnvironmentFile"] == "/etc/servicedesk/servicedesk.env"
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"].split() == ["/var/lib/servicedesk", "/var/backups/servicedesk"]
    for setting in ("PrivateTmp", "NoNewPrivileges", "ProtectHome", "PrivateDevices", "ProtectKernelTunables",
                    "RestrictSUIDSGID"):
        assert service[setting] == "yes", setting
    assert service["CapabilityBoundingSet"] == ""
    result = subprocess.run(["systemd-analyze", "security", "--offline=true", f"--root={scratch_root}",
                             "--threshold=25", name], capture_output=True, text=True, cwd="/")
    exposure = re.search(rf"Overall exposure level for {re.escape(name)}: ([\d.]+)", result.stdout)
    assert exposure, result.stdout + result.stderr
    assert float(exposure.group(1)) <= 2.5
    assert result.returncode == 0


def test_web_service_runs_gunicorn_from_the_current_release_and_waits_for_its_readiness():
    service = unit("servicedesk.service")["Service"]
    assert service["ExecStart"] == ("/opt/servicedesk/current/venv/bin/gunicorn -c "
                                    "/opt/servicedesk/current/gunicorn.conf.py 'app:create_app()'")
    assert service["RuntimeDirectory"] == "servicedesk"
    # Type=notify needs a gunicorn that sends READY=1 itself
    assert service["Type"] == "notify"
    from gunicorn import arbiter

    assert 'sd_notify("READY=1' in Path(arbiter.__file__).read_text()
    assert unit("servicedesk.service")["Install"]["WantedBy"] == "multi-user.target"


def test_backup_runs_daily_with_fourteen_kept():
    service = unit("servicedesk-backup.service")["Service"]
    assert service["Type"] == "oneshot"
    assert service["ExecStart"] == ("/opt/servicedesk/current/venv/bin/servicedesk backup "
                                    "--dest /var/backups/servicedesk --keep 14")
    timer = unit("servicedesk-backup.timer")
    assert timer["Timer"]["Unit"] == "servicedesk-backup.service"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    result = subprocess.run(["systemd-analyze", "calendar", timer["Timer"]["OnCalendar"]], capture_output=True,
                            text=True)
    assert result.returncode == 0 and "02:30:00" in result.stdout


def test_gunicorn_config_keeps_its_control_socket_in_the_runtime_directory(monkeypatch):
    monkeypatch.setenv("RUNTIME_DIRECTORY", "/run/servicedesk")
    monkeypatch.delenv("SERVICEDESK_BIND", raising=False)
    settings = runpy.run_path(str(PACKAGING / "gunicorn.conf.py"))
    assert settings["control_socket"] == "/run/servicedesk/gunicorn.ctl"
    assert settings["bind"] == ["127.0.0.1:8000"]
    assert settings["worker_class"] == "gthread"
    monkeypatch.delenv("RUNTIME_DIRECTORY")
    assert "control_socket" not in runpy.run_path(str(PACKAGING / "gunicorn.conf.py"))


def test_gunicorn_accepts_the_config(tmp_path):
    """gunicorn --check-config loads packaging/gunicorn.conf.py (unknown names would be ignored, bad
    values refused) together with the app."""
    env = {**os.environ, "RUNTIME_DIRECTORY": str(tmp_path), "SERVICEDESK_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
           "SERVICEDESK_DATA_DIR": str(tmp_path), "SERVICEDESK_SECRET_KEY": "c" * 32, "SERVICEDESK_WORKERS": "1"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run([str(gunicorn), "--check-config", "-c", str(PACKAGING / "gunicorn.conf.py"),
                             "app:create_app()"], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
