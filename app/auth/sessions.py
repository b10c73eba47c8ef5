"""Server-side sessions: the signed cookie carries a random id, the row says whether it is still valid.

Ends on logout, idle timeout, absolute timeout, password or role change, deactivation, or when the
user or an admin revokes it. Every way of signing in (password, LDAP, SAML) finishes with start_session.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import request, session
from flask_login import login_user, logout_user

from ..core import signals
from ..core.clock import utcnow
from ..core.settings import get_setting
from ..extensions import db
from ..users.models import User
from ..users.operations import load_user_for_session
from .models import UserSession

SESSION_KEY = "sid"
#: write last_seen_at at most this often (a page view must not always be a write)
TOUCH_EVERY = timedelta(seconds=60)


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def start_session(user: User, method: str, saml_session_index: str | None = None) -> UserSession:
    """Sign ``user`` in on this browser (fresh session id: no fixation) and record it."""
    session.clear()
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(
        id_hash=_hash(sid), user_id=user.id, method=method, created_at=now, last_seen_at=now,
        ip_address=request.remote_addr, user_agent=(request.user_agent.string or "")[:300],
        saml_session_index=saml_session_index,
    )
    db.session.add(row)
    user.last_login_at = now
    user.failed_logins, user.locked_until = 0, None
    db.session.flush()
    login_user(user)
    session[SESSION_KEY] = sid
    session.permanent = True
    signals.user_logged_in.send(user, method=method)
    return row


def current_session_row() -> UserSession | None:
    sid = session.get(SESSION_KEY)
    return db.session.get(UserSession, _hash(sid)) if sid else None


def is_current(row: UserSession) -> bool:
    sid = session.get(SESSION_KEY)
    return bool(sid) and row.id_hash == _hash(sid)


def validate_session(user: User) -> bool:
    """Called on every request by the user loader: is this browser's session still valid?"""
    row = current_session_row()
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return False
    now = utcnow()
    idle = timedelta(minutes=get_setting("auth.idle_timeout_minutes"))
    absolute = timedelta(hours=get_setting("auth.absolute_timeout_hours"))
    if now - row.last_seen_at > idle or now - row.created_at > absolute:
        row.revoked_at, row.revoked_reason = now, "timed out"
        db.session.commit()
        return False
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return True


def end_session(reason: str = "logout") -> None:
    row = current_session_row()
    if row is not None and row.revoked_at is None:
        row.revoked_at, row.revoked_reason = utcnow(), reason
        db.session.flush()
        signals.logged_out.send(row.user, reason=reason)
    logout_user()
    session.clear()


def revoke_user_sessions(user: User, reason: str, keep: UserSession | None = None) -> int:
    """End every session of ``user`` (but ``keep``); returns how many."""
    stmt = sa.update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    ).values(revoked_at=utcnow(), revoked_reason=reason)
    if keep is not None:
        stmt = stmt.where(UserSession.id_hash != keep.id_hash)
    count = db.session.execute(stmt).rowcount
    db.session.flush()
    return count


def active_sessions(user: User) -> list[UserSession]:
    return list(db.session.scalars(
        sa.select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())
    ))


def load_user(session_user_id: str) -> User | None:
    """Flask-Login's user loader: the user (``id:session_version``) AND a valid session row."""
    user = load_user_for_session(session_user_id)
    if user is None or not validate_session(user):
        return None
    return user


@signals.sessions_invalidated.connect
def _revoke_rows(user: User, reason: str, **_) -> None:
    revoke_user_sessions(user, reason)
