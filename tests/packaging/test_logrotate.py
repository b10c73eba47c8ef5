"""The logrotate file parses and rotates: run for real on a temporary log directory (the only changes:
that directory and, where there is no servicedesk user, the user who runs the test)."""

from __future__ import annotations

import getpass
import grp
import os
import pwd

from .conftest import PACKAGING, require, run

CONFIG = PACKAGING / "logrotate" / "servicedesk"


def test_logrotate_rotates_the_service_logs(tmp_path):
    require("logrotate")
    logs = tmp_path / "log"
    logs.mkdir()
    text = CONFIG.read_text()
    assert text.count("/var/log/servicedesk/") == 2  # the comment and the pattern
    text = text.replace("/var/log/servicedesk/", f"{logs}/")
    try:
        pwd.getpwnam("servicedesk")
    except KeyError:
        user, group = getpass.getuser(), grp.getgrgid(os.getgid()).gr_name
        text = text.replace("su servicedesk servicedesk", f"su {user} {group}")
        text = text.replace("create 0640 servicedesk adm", f"create 0640 {user} {group}")
    config = tmp_path / "servicedesk"
    config.write_text(text)
    config.chmod(0o644)
    (logs / "access.log").write_text("GET / 200\n")

    result = run(["logrotate", "--verbose", "--force", "--state", str(tmp_path / "state"), str(config)])
    assert "error:" not in result.stderr
    rotated = [p.name for p in logs.iterdir() if p.name.startswith("access.log-")]
    assert len(rotated) == 1  # dateext; compressed only from the next rotation on (delaycompress)
    assert (logs / rotated[0]).read_text() == "GET / 200\n"
    assert (logs / "access.log").read_text() == ""  # a fresh file in its place
    assert oct((logs / "access.log").stat().st_mode & 0o777) == "0o640"
