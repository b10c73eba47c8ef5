"""The Debian package: its metadata, conffiles, maintainer scripts and contents (fast), and, with
SERVICEDESK_SLOW_DEPLOY=1, its whole life (install, upgrade keeping the admin's configuration,
reboot, remove, purge) on a booted Debian 12 (tests/packaging/deb_e2e.sh, a few minutes)."""

from __future__ import annotations

import os
import re
import subprocess
import tarfile
from pathlib import Path

import pytest

from .conftest import PACKAGING, ROOT, expected_release, run, version


def field(deb: Path, name: str) -> str:
    return run(["dpkg-deb", "-f", str(deb), name]).stdout.strip()


def control_file(deb: Path, tmp_path: Path, name: str) -> str:
    target = tmp_path / "control"
    if not target.exists():
        run(["dpkg-deb", "-e", str(deb), str(target)])
    return (target / name).read_text()


def test_package_metadata(deb):
    assert field(deb, "Package") == "servicedesk"
    assert field(deb, "Architecture") == "amd64"
    in_git = expected_release() != version()
    assert field(deb, "Version").startswith(f"{version()}+" if in_git else f"{version()}-")
    depends = field(deb, "Depends")
    for needed in ("python3 (>= 3.11)", "python3 (<< 3.12)", "python3-venv", "adduser", "libldap-2.5-0"):
        assert needed in depends
    assert deb.name == f"servicedesk_{field(deb, 'Version')}_amd64.deb"


def test_later_commits_build_newer_versions(deb):
    """dpkg must see the next build as an upgrade: the version grows with the commit time."""
    if expected_release() == version():
        pytest.skip("not a git checkout: the version has no commit in it")
    this = field(deb, "Version")
    earlier = f"{version()}+1.gdeadbeef-1"
    assert subprocess.run(["dpkg", "--compare-versions", this, "gt", earlier]).returncode == 0


def test_admin_configuration_is_kept_on_upgrade(deb, tmp_path):
    conffiles = control_file(deb, tmp_path, "conffiles").split()
    assert conffiles == ["/etc/servicedesk/servicedesk.env", "/etc/logrotate.d/servicedesk"]
    postinst = control_file(deb, tmp_path, "postinst")
    # servicedesk.cfg holds a per-host secret: written once by postinst, never replaced, purged by postrm
    assert 'if [ ! -e "$cfg" ]' in postinst
    assert "rm -f /etc/servicedesk/servicedesk.cfg" in control_file(deb, tmp_path, "postrm")


def test_maintainer_scripts_are_valid_and_handle_remove_versus_purge(deb, tmp_path):
    for name in ("postinst", "prerm", "postrm"):
        script = control_file(deb, tmp_path, name)
        assert script.startswith("#!/bin/sh\n")
        assert os.access(tmp_path / "control" / name, os.X_OK)
        assert subprocess.run(["sh", "-n", str(tmp_path / "control" / name)]).returncode == 0
    postinst = control_file(deb, tmp_path, "postinst")
    release = expected_release()
    assert f"RELEASE={release}\n" in postinst
    for step in ("adduser --system", "install.sh", "venv/bin/servicedesk\" init", "current.new",
                 "deb-systemd-invoke restart servicedesk.service"):
        assert step in postinst, step
    # migration runs before the switch, so a failed one leaves the previous release current
    assert postinst.index("servicedesk\" init") < postinst.index("current.new")
    prerm = control_file(deb, tmp_path, "prerm")
    assert '"$1" = remove' in prerm and "stop" in prerm
    postrm = control_file(deb, tmp_path, "postrm")
    assert re.search(r"remove\|purge\)\s+rm -rf \"\$PREFIX/releases\"", postrm)


def test_package_ships_the_wheels_units_and_gunicorn_config(deb, tmp_path):
    listing = run(["dpkg-deb", "-c", str(deb)]).stdout
    paths = {line.split()[-1].lstrip(".") for line in listing.splitlines()}
    bundle = f"/opt/servicedesk/bundles/{expected_release()}"
    for path in ("/lib/systemd/system/servicedesk.service", "/lib/systemd/system/servicedesk-backup.service",
                 "/lib/systemd/system/servicedesk-backup.timer", "/etc/servicedesk/servicedesk.env",
                 "/etc/logrotate.d/servicedesk", "/usr/bin/servicedesk",
                 "/usr/share/doc/servicedesk/examples/nginx-servicedesk.conf",
                 f"{bundle}/install.sh", f"{bundle}/gunicorn.conf.py", f"{bundle}/constraints.txt",
                 f"{bundle}/SHA256SUMS", f"{bundle}/config/servicedesk.example.cfg"):
        assert path in paths, path
    wheels = {Path(p).name for p in paths if p.startswith(f"{bundle}/wheels/")}
    assert f"servicedesk-{version()}-py3-none-any.whl" in wheels
    assert any(w.startswith("python_ldap-") for w in wheels) and any(w.startswith("gunicorn-") for w in wheels)
    # the units are the ones in packaging/systemd, unchanged
    run(["dpkg-deb", "-x", str(deb), str(tmp_path / "files")])
    for name in ("servicedesk.service", "servicedesk-backup.service", "servicedesk-backup.timer"):
        assert (tmp_path / "files/lib/systemd/system" / name).read_text() == (PACKAGING / "systemd" / name).read_text()
    assert "/opt/servicedesk/current/venv/bin/servicedesk" in (tmp_path / "files/usr/bin/servicedesk").read_text()


@pytest.mark.skipif(os.environ.get("SERVICEDESK_SLOW_DEPLOY") != "1",
                    reason="slow (a booted Debian 12): set SERVICEDESK_SLOW_DEPLOY=1")
def test_install_upgrade_reboot_remove_purge_on_a_booted_debian(build_env, bundle, deb, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root (systemd-nspawn, network namespaces)")
    # the "previous release": this checkout under another release id and an older package version
    old_bundle = run(["bash", str(PACKAGING / "bundle" / "build.sh"), str(tmp_path / "old")],
                     env={**build_env, "SERVICEDESK_RELEASE": f"{version()}+previous"}).stdout.splitlines()[-1]
    old_deb = run(["bash", str(PACKAGING / "deb" / "build.sh"), str(tmp_path / "old")],
                  env={**build_env, "SERVICEDESK_BUNDLE": old_bundle,
                       "SERVICEDESK_DEB_VERSION": f"{version()}+1.previous-1"}).stdout.splitlines()[-1]
    with tarfile.open(old_bundle) as tar:
        assert tar.extractfile(f"servicedesk-{version()}/RELEASE").read().decode().strip() == f"{version()}+previous"
    result = subprocess.run(["bash", str(ROOT / "tests/packaging/deb_e2e.sh"), old_deb, str(deb)],
                            capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "deb e2e OK" in result.stderr
