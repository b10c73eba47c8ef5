"""Recurring sign-in jobs (scheduled in app/schedule.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..core.actors import SYSTEM
from ..core.clock import utcnow
from ..core.settings import get_setting
from ..extensions import db
from ..users.models import AuthSource, User
from .directory_sync import sync_directory
from .ldap import LdapConfig

log = logging.getLogger(__name__)

#: how often the scheduler asks whether a sync is due; the interval itself is a setting admins change
CHECK_EVERY_SECONDS = 60


def sync_directory_when_due() -> None:
    """Run the LDAP sync every ``ldap.sync_interval_minutes`` (0 = off). A directory that is down is
    reported (signal, log) and retried at the next interval; it never fails the scheduler."""
    cfg = LdapConfig.from_app()
    minutes = get_setting("ldap.sync_interval_minutes")
    if not cfg.is_configured or not minutes or minutes <= 0:
        return
    now = utcnow()
    state = current_app.extensions.setdefault("ldap_sync", {})
    last = state.get("last_run_at") or db.session.scalar(
        sa.select(sa.func.max(User.directory_synced_at)).where(User.auth_source == AuthSource.ldap))
    if last is not None and now - last < timedelta(minutes=minutes):
        return
    state["last_run_at"] = now
    result = sync_directory(SYSTEM, cfg=cfg)
    db.session.commit()
    if result.aborted:
        log.warning("scheduled LDAP sync did not apply: %s", result.aborted)
