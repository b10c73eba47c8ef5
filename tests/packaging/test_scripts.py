"""The shell scripts of the packaging pass shellcheck (warnings and errors; notes are allowed)."""

from __future__ import annotations

import subprocess

from .conftest import PACKAGING, ROOT, require

BASH = [PACKAGING / "bundle/build.sh", PACKAGING / "deb/build.sh", ROOT / "tests/packaging/deb_e2e.sh"]
POSIX_SH = [PACKAGING / "bundle/install.sh", PACKAGING / "deb/postinst", PACKAGING / "deb/prerm",
            PACKAGING / "deb/postrm", PACKAGING / "deb/servicedesk-wrapper"]


def test_scripts_pass_shellcheck():
    require("shellcheck")
    for shell, scripts in (("bash", BASH), ("sh", POSIX_SH)):
        result = subprocess.run(["shellcheck", "--severity=warning", f"--shell={shell}", *map(str, scripts)],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stdout


def test_a_script_with_a_mistake_fails_shellcheck(tmp_path):
    require("shellcheck")
    broken = tmp_path / "broken.sh"
    broken.write_text('#!/bin/sh\nrm -rf "$PREFIX"/releases/$RELEASE\nif [ $x = 1 ]; then echo; fi\n')
    result = subprocess.run(["shellcheck", "--severity=warning", str(broken)], capture_output=True, text=True)
    assert result.returncode != 0
