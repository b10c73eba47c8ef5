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
    # An SLA calendar/policy edit recomputes up to this many open tickets in the request, more in the background
    "SLA_RECOMPUTE_INLINE_LIMIT": 500,
    "LOG_LEVEL": "INFO",
    # Probes, metrics and backups (app/ops/)
    "METRICS_ALLOW_IPS": "127.0.0.1 ::1",
    "READY_SCHEDULER_MAX_AGE_SECONDS": 90,
    "READY_OUTBOX_STUCK_MINUTES": 15,
    "BACKUP_PG_BIN_DIR": "",
    # Outgoing mail (notifications, password reset links); delivery waits while SMTP_HOST is empty
    "MAIL_FROM": "servicedesk@localhost",
    "SMTP_HOST": "",
    "SMTP_PORT": 25,
    "SMTP_STARTTLS": False,
    "SMTP_USER": "",
    "SMTP_PASSWORD": "",
    "SMTP_CA_FILE": "",
    "SMTP_TIMEOUT": 30,
    "WEBHOOK_TIMEOUT": 10,
    # SAML 2.0 single sign-on: off while SAML_IDP_METADATA_FILE is empty (app/auth/saml/)
    "SAML_IDP_METADATA_FILE": "",
    "SAML_IDP_ENTITY_ID": "",
    "SAML_SP_KEY_FILE": "",
    "SAML_SP_CERT_FILE": "",
    "SAML_SP_ENTITY_ID": "",
    "SAML_NAMEID_FORMAT": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "SAML_CLOCK_SKEW_SECONDS": 120,
    # attribute names (Name or FriendlyName), space-separated; the first one present wins
    "SAML_ATTR_EMAIL": (
        "email mail urn:oid:0.9.2342.19200300.100.1.3 "
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
    ),
    "SAML_ATTR_NAME": (
        "displayName urn:oid:2.16.840.1.113730.3.1.241 http://schemas.microsoft.com/identity/claims/displayname"
    ),
    "SAML_ATTR_DEPARTMENT": "department",
    "SAML_ATTR_LOCATION": "l urn:oid:2.5.4.7",
    "SAML_ATTR_PHONE": "telephoneNumber urn:oid:2.5.4.20",
    "SAML_ATTR_LANGUAGE": "preferredLanguage urn:oid:2.16.840.1.113730.3.1.39",
    "SAML_ATTR_MANAGER": "manager",
    "SAML_ATTR_GROUPS": (
        "groups memberOf urn:oid:1.3.6.1.4.1.5923.1.5.1.1 "
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups http://schemas.xmlsoap.org/claims/Group"
    ),
    "SAML_ATTR_VIP": "",
    # LDAP / Active Directory: off while LDAP_URL is empty (app/auth/ldap.py). Lists are space-separated.
    "LDAP_URL": "",
    "LDAP_START_TLS": False,
    "LDAP_CA_FILE": "",
    "LDAP_ALLOW_PLAINTEXT": False,
    "LDAP_BIND_DN": "",
    "LDAP_BIND_PASSWORD": "",
    "LDAP_USER_BASE": "",
    "LDAP_USER_FILTER": "(|(uid={login})(mail={login}))",
    "LDAP_USER_OBJECT_FILTER": "(objectClass=inetOrgPerson)",
    "LDAP_ID_ATTRIBUTE": "entryUUID",
    "LDAP_ATTR_NAME": "displayName cn",
    "LDAP_ATTR_EMAIL": "mail",
    "LDAP_ATTR_DEPARTMENT": "departmentNumber",
    "LDAP_ATTR_LOCATION": "l",
    "LDAP_ATTR_PHONE": "telephoneNumber",
    "LDAP_ATTR_LANGUAGE": "preferredLanguage",
    "LDAP_ATTR_MANAGER": "manager",
    "LDAP_GROUP_BASE": "",
    "LDAP_GROUP_FILTER": "(objectClass=groupOfNames)",
    "LDAP_GROUP_MEMBER_ATTRIBUTE": "member",
    "LDAP_MEMBEROF_ATTRIBUTE": "memberOf",
    "LDAP_GROUP_STRATEGY": "memberof",
    "LDAP_VIP_ATTRIBUTE": "",
    "LDAP_VIP_VALUES": "TRUE yes 1 VIP",
    "LDAP_VIP_GROUP": "",
    "LDAP_DISABLED_ATTRIBUTE": "",
    "LDAP_DISABLED_VALUES": "TRUE yes 1 disabled",
    "LDAP_NETWORK_TIMEOUT": 5,
    "LDAP_TIMEOUT": 10,
    "LDAP_PAGE_SIZE": 500,
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
