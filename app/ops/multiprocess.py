"""The gunicorn master's part of multi-process metrics (see metrics.py). Kept free of prometheus-client:
the library chooses its value store when first imported, so the variable must be set before that,
and the workers inherit whatever the master imported.

packaging/gunicorn.conf.py::

    def on_starting(server):
        from app.ops.multiprocess import prepare_multiprocess_dir
        prepare_multiprocess_dir()
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess_dir(path: str | os.PathLike | None = None) -> str:
    """An empty directory for the workers' metric files, exported as PROMETHEUS_MULTIPROC_DIR to the
    workers the master forks next. Default: ``metrics/`` under systemd's RuntimeDirectory
    ($RUNTIME_DIRECTORY, i.e. /run/servicedesk), else a new temporary directory."""
    if path is None:
        runtime = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
        path = Path(runtime, "metrics") if runtime else Path(tempfile.mkdtemp(prefix="servicedesk-metrics-"))
    path = Path(path)
    shutil.rmtree(path, ignore_errors=True)  # files of a previous run would be added in forever
    path.mkdir(parents=True, mode=0o700)
    os.environ[ENV] = str(path)
    return str(path)
