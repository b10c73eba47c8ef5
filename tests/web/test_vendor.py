"""Vendored front-end files are exactly the versions recorded in VENDOR.md."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[2] / "app" / "web" / "static" / "vendor"


def test_vendored_files_match_recorded_checksums():
    table = (VENDOR / "VENDOR.md").read_text()
    rows = re.findall(r"^\| (\S+) \| \S+ \| [\d.]+ \| \S+ \| ([0-9a-f]{64}) \|$", table, re.M)
    assert len(rows) >= 3
    for name, digest in rows:
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
