"""Deploy-time configuration: defaults < file named by SERVICEDESK_CONFIG < SERVICEDESK_* environment.

Business settings (calendars, SLA policies, routing rules) live in the database, not here.
Every key is documented in config/servicedesk.example.cfg; nothing reads config at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ConfigError

ENV_PREFIX = "SERVICEDESK_"

#: key -> default. ``None`` marks a key that must be set (file or environment).
DEFAULTS: dict[str, object] = {
    "DATABASE_URL": None,
    "DATA_DIR": None,
    "SECRET_KEY": None,
    "BASE_URL": "http://localhost:5000",
    "DEFAULT_LANGUAGE": "en",
    "DEFAULT_TIMEZONE": "Europe/Berlin",
    "MAX_ATTACHMENT_BYTES": 25 * 1024 * 1024,
    "MAX_REQUEST_BYTES": 30 * 1024 * 1024,
    "ALLOWED_ATTACHMENT_TYPES": (
        "image/png image/jpeg image/gif image/webp application/pdf text/plain text/csv "
        "application/zip application/json message/rfc822 "
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document "
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet "
        "application/vnd.oasis.opendocument.text application/vnd.oasis.opendocument.spreadsheet"
    ),
    "AGENTS_SEE_ALL_TICKETS": False,
    "SESSION_COOKIE_SECURE": False,
    "SCHEDULER_ENABLED": False,
    "AUTO_CLOSE_RESOLVED_AFTER_DAYS": 7,
    "LOG_LEVEL": "INFO",
}

REQUIRED = tuple(k for k, v in DEFAULTS.items() if v is None)


def _coerce(key: str, raw: str, default: object) -> object:
    if isinstance(default, bool):
        if raw.strip().lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.strip().lower() in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"{ENV_PREFIX}{key} must be true or false, not {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{ENV_PREFIX}{key} must be an integer, not {raw!r}") from None
    return raw


def read_config_file(path: str | os.PathLike) -> dict[str, object]:
    """Read a ``KEY = value`` file (Python literal syntax, like Flask's ``from_pyfile``)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"configuration file {path} (from {ENV_PREFIX}CONFIG) does not exist")
    namespace: dict[str, object] = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 - admin-owned file
    return {k: v for k, v in namespace.items() if k.isupper()}


def load_config(environ: dict[str, str] | None = None, override: dict | None = None) -> dict[str, object]:
    """Merge defaults, the config file and the environment; check required keys."""
    environ = os.environ if environ is None else environ
    config: dict[str, object] = dict(DEFAULTS)
    if environ.get(f"{ENV_PREFIX}CONFIG"):
        config.update(read_config_file(environ[f"{ENV_PREFIX}CONFIG"]))
    for key, default in DEFAULTS.items():
        if f"{ENV_PREFIX}{key}" in environ:
            config[key] = _coerce(key, environ[f"{ENV_PREFIX}{key}"], default)
    config.update(override or {})
    missing = [f"{ENV_PREFIX}{k}" for k in REQUIRED if not config.get(k)]
    if missing:
        raise ConfigError(
            "missing required configuration: " + ", ".join(missing)
            + f" (set them in the file named by {ENV_PREFIX}CONFIG or in the environment;"
            " see config/servicedesk.example.cfg)"
        )
    if len(str(config["SECRET_KEY"])) < 16:
        raise ConfigError(f"{ENV_PREFIX}SECRET_KEY must be at least 16 characters")
    return config
