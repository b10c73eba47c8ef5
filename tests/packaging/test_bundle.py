"""The offline bundle: built from this checkout, then installed with no network at all (`unshare -n`)
into a temporary prefix, where the installed `servicedesk` creates a SQLite database."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import expected_release, require, run, version


def unpack(bundle: Path, dest: Path) -> Path:
    run(["tar", "-C", str(dest), "-xzf", str(bundle)])
    return dest / f"servicedesk-{version()}"


def offline(*cmd, **kwargs):
    """Run a command in a new network namespace: only a loopback that is down, nothing reachable."""
    return run(["unshare", "--net", "--", *cmd], **kwargs)


@pytest.fixture(scope="module")
def unpacked(bundle, tmp_path_factory) -> Path:
    return unpack(bundle, tmp_path_factory.mktemp("unpacked"))


@pytest.fixture(scope="module")
def installed(unpacked, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    if os.geteuid() != 0:
        pytest.skip("unshare --net needs root")
    require("unshare")
    prefix = tmp_path_factory.mktemp("prefix")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    result = offline("sh", str(unpacked / "install.sh"), "--prefix", str(prefix), env={**env, "HOME": str(prefix)})
    return prefix, result


def test_bundle_is_named_after_the_release_and_holds_what_the_contract_lists(bundle, unpacked):
    release = expected_release()
    assert bundle.name == f"servicedesk-{release}-bundle.tar.gz"
    assert (unpacked / "RELEASE").read_text().strip() == release
    for name in ("install.sh", "SHA256SUMS", "constraints.txt", "gunicorn.conf.py", "systemd/servicedesk.service",
                 "systemd/servicedesk-backup.service", "systemd/servicedesk-backup.timer", "nginx/servicedesk.conf",
                 "logrotate/servicedesk", "config/servicedesk.example.cfg"):
        assert (unpacked / name).is_file(), name
    assert os.access(unpacked / "install.sh", os.X_OK)
    sidecar = bundle.with_name(bundle.name + ".sha256").read_text().split()[0]
    assert sidecar == hashlib.sha256(bundle.read_bytes()).hexdigest()


def test_every_wheel_is_pinned_and_checksummed(unpacked):
    wheels = sorted((unpacked / "wheels").glob("*.whl"))
    names = {re.sub(r"[-_.]+", "-", w.name.split("-")[0]).lower() for w in wheels}
    # the app, the web server, and the one dependency that has no binary wheel on the index
    assert {"servicedesk", "gunicorn", "python-ldap", "psycopg-binary", "sqlalchemy"} <= names
    pins = dict(line.split("==") for line in (unpacked / "constraints.txt").read_text().splitlines()
                if line and not line.startswith("#"))
    for wheel in wheels:
        name, wheel_version = wheel.name.split("-")[:2]
        assert pins[re.sub(r"[-_.]+", "-", name).lower()] == wheel_version, wheel.name
    assert len(pins) == len(wheels)
    sums = dict(reversed(line.split(maxsplit=1)) for line in (unpacked / "SHA256SUMS").read_text().splitlines())
    files = {str(p.relative_to(unpacked)) for p in unpacked.rglob("*") if p.is_file() and p.name != "SHA256SUMS"}
    assert set(sums) == files
    for wheel in wheels[:3]:
        assert sums[f"wheels/{wheel.name}"] == hashlib.sha256(wheel.read_bytes()).hexdigest()


def test_installs_without_network_and_the_installed_command_migrates_a_database(installed, tmp_path):
    prefix, result = installed
    release = expected_release()
    dest = prefix / "releases" / release
    assert f"installed release {release}" in result.stdout
    assert (dest / "gunicorn.conf.py").read_text() == (Path(__file__).parents[2]
                                                       / "packaging/gunicorn.conf.py").read_text()
    assert (dest / "venv/bin/gunicorn").is_file()
    # installing does not switch the active release (ansible and --activate do that)
    assert not (prefix / "current").exists()

    servicedesk = str(dest / "venv/bin/servicedesk")
    shown = offline(servicedesk, "--version").stdout.strip()
    assert shown == f"servicedesk {version()}"
    env = {"PATH": "/usr/bin:/bin", "SERVICEDESK_DATABASE_URL": f"sqlite:///{tmp_path}/servicedesk.db",
           "SERVICEDESK_DATA_DIR": str(tmp_path), "SERVICEDESK_SECRET_KEY": "s" * 32}
    init = offline(servicedesk, "init", env=env, cwd=tmp_path)
    assert "database at revision" in init.stdout
    assert (tmp_path / "servicedesk.db").stat().st_size > 0


def test_installing_the_same_release_again_changes_nothing(installed, unpacked):
    prefix, _ = installed
    marker = prefix / "releases" / expected_release() / ".installed"
    before = marker.stat().st_mtime_ns
    again = offline("sh", str(unpacked / "install.sh"), "--prefix", str(prefix))
    assert "already installed" in again.stdout
    assert marker.stat().st_mtime_ns == before


def test_activate_migrates_and_switches_current(installed, unpacked, tmp_path):
    prefix, _ = installed
    with contextlib.suppress(KeyError):  # install.sh migrates as the service user where there is one
        shutil.chown(tmp_path, pwd.getpwnam("servicedesk").pw_uid)
    env_file = tmp_path / "servicedesk.env"
    env_file.write_text(f"SERVICEDESK_DATABASE_URL=sqlite:///{tmp_path}/active.db\nSERVICEDESK_DATA_DIR={tmp_path}\n"
                        f"SERVICEDESK_SECRET_KEY={'k' * 32}\nSERVICEDESK_CONFIG=\n")
    result = offline("sh", str(unpacked / "install.sh"), "--prefix", str(prefix), "--activate",
                     env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "SERVICEDESK_ENV_FILE": str(env_file)})
    assert "database at revision" in result.stdout
    assert os.readlink(prefix / "current") == f"releases/{expected_release()}"
    assert (tmp_path / "active.db").stat().st_size > 0


def test_a_changed_bundle_is_refused(bundle, tmp_path):
    unpacked = unpack(bundle, tmp_path)
    with open(unpacked / "constraints.txt", "a") as f:
        f.write("flask==0.1\n")
    result = subprocess.run(["sh", str(unpacked / "install.sh"), "--prefix", str(tmp_path / "prefix")],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "SHA256SUMS does not match" in result.stderr
    assert not (tmp_path / "prefix").exists()
