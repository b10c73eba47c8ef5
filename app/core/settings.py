"""Business settings that admins change at run time, stored in the database as JSON values.

Deploy-time keys live in the config file (core/config.py); these are the ones with an admin UI.
Every setting has a default here, so an empty table means "defaults".
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import g
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .clock import utcnow

DEFAULTS: dict[str, object] = {
    #: roles that must use two-factor sign-in (local accounts)
    "auth.require_2fa_roles": ["admin"],
    #: link an existing local account to a SAML identity with the same e-mail address
    "auth.saml_link_by_email": False,
    "auth.idle_timeout_minutes": 60,
    "auth.absolute_timeout_hours": 12,
    "auth.lockout_after_failures": 5,
    "auth.lockout_minutes": 15,
    #: requesters also see the tickets of colleagues in their department (read and reply, no steps)
    "tickets.requesters_see_department": False,
    #: minutes between directory syncs (0 = off)
    "ldap.sync_interval_minutes": 60,
    #: a sync that would deactivate more than this share of directory users aborts
    "ldap.max_deactivate_share": 0.10,
}


class Setting(db.Model):
    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    value: Mapped[object] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: user id of the last editor (no foreign key: core knows no users)
    updated_by_id: Mapped[int | None]


def _stored() -> dict[str, object]:
    """Every stored setting, read once per request (several are asked on every page: session timeouts,
    visibility rules); set_setting keeps the copy current."""
    if "_settings" not in g:
        g._settings = {row.key: row.value for row in db.session.scalars(sa.select(Setting))}
    return g._settings


def get_setting(key: str):
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    return _stored().get(key, DEFAULTS[key])


def set_setting(key: str, value, actor_id: int | None) -> None:
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    row = db.session.get(Setting, key) or Setting(key=key)
    row.value, row.updated_at, row.updated_by_id = value, utcnow(), actor_id
    db.session.add(row)
    db.session.flush()
    _stored()[key] = value
