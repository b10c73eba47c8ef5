"""Every change to people, teams and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import joinedload

from ..core import signals
from ..core.clock import utcnow
from ..core.errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from .models import ApiToken, AuthSource, Role, Team, User
from .passwords import DUMMY_HASH, check_policy, hash_password, verify_password

TOKEN_PREFIX = "sdk_"  # noqa: S105 - a marker, not a secret
VALID_SCOPES = {"read", "write", "admin"}


def normalize_email(email: str) -> str:
    email = (email or "").strip().lower()
    local, _at, domain = email.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in email) or len(email) > 254:
        raise ValidationFailed(_("%(email)s is not a valid e-mail address.", email=repr(email)), {"field": "email"})
    return email


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def get_or_create_team(name: str, tier: int = 1) -> Team:
    team = db.session.scalar(sa.select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name, tier=tier)
        db.session.add(team)
        db.session.flush()
    return team


def create_user(
    email: str,
    name: str,
    role: Role,
    actor,
    password: str | None = None,
    teams: list[Team] = (),
    auth_source: AuthSource = AuthSource.local,
    **profile,
) -> User:
    email = normalize_email(email)
    if get_user_by_email(email) is not None:
        raise Conflict(_("A user with the e-mail address %(email)s already exists.", email=email))
    if password is not None:
        check_policy(password)
    user = User(
        email=email,
        name=(name or email.split("@")[0]).strip()[:200],
        role=role,
        auth_source=auth_source,
        password_hash=hash_password(password) if password else None,
        teams=list(teams),
        **profile,
    )
    db.session.add(user)
    db.session.flush()
    signals.user_created.send(user, actor=actor)
    return user


def set_password(user: User, password: str, actor) -> None:
    check_policy(password)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    _end_sessions(user, "password changed")


def authenticate_local(email: str, password: str) -> User | None:
    """The active local user with this e-mail and password, or None (constant work either way)."""
    user = get_user_by_email(email or "")
    if user is None or not user.password_hash:
        verify_password(DUMMY_HASH, password or "x")
        return None
    if not verify_password(user.password_hash, password):
        return None
    return user if user.is_active else None


def _hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_api_token(
    user: User, actor, name: str = "API token", scopes: set[str] | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the plaintext, which is never stored."""
    scopes = scopes or {"read", "write"}
    if not scopes <= VALID_SCOPES:
        unknown = sorted(scopes - VALID_SCOPES)
        raise ValidationFailed(ngettext("Unknown scope: %(names)s.", "Unknown scopes: %(names)s.", len(unknown),
                                        names=", ".join(unknown)))
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name[:120], prefix=plaintext[:10], token_hash=_hash_token(plaintext),
        scopes=" ".join(sorted(scopes)), expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    signals.token_created.send(token, actor=actor)
    return token, plaintext


def authenticate_token(plaintext: str) -> ApiToken | None:
    """The valid token row for a presented bearer token, with its last use recorded."""
    if not plaintext or not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    # the user's teams come along: nearly every request asks what the caller may see
    token = db.session.execute(sa.select(ApiToken).where(ApiToken.token_hash == _hash_token(plaintext))
                               .options(joinedload(ApiToken.user).joinedload(User.teams))).unique().scalar()
    now = utcnow()
    if token is None or token.revoked_at or (token.expires_at and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    # Write last use at most once a minute: a busy integration must not turn reads into writes.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
    return token


def revoke_api_token(token: ApiToken, actor) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        signals.token_revoked.send(token, actor=actor)


def load_user_for_session(session_id: str) -> User | None:
    """Flask-Login loader: ``"<id>:<session_version>"``; a bumped version ends old sessions."""
    user_id, _sep, version = (session_id or "").partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def require_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("User %(id)s does not exist.", id=user_id))
    return user


def _end_sessions(user: User, reason: str) -> None:
    user.session_version += 1
    db.session.flush()
    signals.sessions_invalidated.send(user, reason=reason)


def deactivate_user(user: User, actor, reason: str) -> None:
    """The user can no longer sign in: sessions end and API tokens are revoked. Tickets and history stay."""
    if not user.is_active_account:
        return
    user.is_active_account = False
    for token in db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id,
                                                              ApiToken.revoked_at.is_(None))):
        revoke_api_token(token, actor)
    _end_sessions(user, "deactivated")
    signals.user_deactivated.send(user, actor=actor, reason=reason)


def reactivate_user(user: User, actor) -> None:
    if not user.is_active_account:
        user.is_active_account = True
        db.session.flush()
        signals.user_updated.send(user, actor=actor, changes={"is_active": (False, True)})


def change_role_and_teams(user: User, actor, *, role: Role | None = None, teams: list[Team] | None = None) -> dict:
    """Role and team membership changes end the user's sessions (their permissions changed)."""
    changes = {}
    if role is not None and role is not user.role:
        if user.role is Role.admin and count_active_admins() <= 1 and user.is_active_account:
            raise Conflict(_("This is the last active administrator; make someone else an administrator first."))
        changes["role"] = (user.role.value, role.value)
        user.role = role
    if teams is not None and {t.id for t in teams} != user.team_ids:
        changes["teams"] = (sorted(t.name for t in user.teams), sorted(t.name for t in teams))
        user.teams = list(teams)
    if changes:
        db.session.flush()
        if "role" in changes:
            _end_sessions(user, "role changed")
        signals.user_updated.send(user, actor=actor, changes=changes)
    return changes


def count_active_admins() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.role == Role.admin, User.is_active_account))
