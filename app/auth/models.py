"""Sign-in state: server-side sessions, 2FA recovery codes, SAML requests in flight, reset links,
and the directory-group mappings that give roles and teams."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import CreatedAtMixin, IdMixin, enum_type
from ..extensions import db
from ..users.models import AuthSource, Role, Team, User


class UserSession(CreatedAtMixin, db.Model):
    """One signed-in browser. The cookie holds only the random id; revoking the row ends the session."""

    __tablename__ = "user_session"
    #: SHA-256 of the random session id kept in the signed cookie
    id_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: password, totp, ldap, saml
    method: Mapped[str] = mapped_column(sa.String(16))
    last_seen_at: Mapped[datetime]
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    revoked_at: Mapped[datetime | None]
    #: why it ended: logout, password changed, role changed, deactivated, revoked by user/admin
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(100))
    #: SAML session index, for single logout
    saml_session_index: Mapped[str | None] = mapped_column(sa.String(200))

    user: Mapped[User] = relationship()


class RecoveryCode(IdMixin, CreatedAtMixin, db.Model):
    __tablename__ = "recovery_code"
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the one-time code
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None]


class PasswordReset(IdMixin, CreatedAtMixin, db.Model):
    __tablename__ = "password_reset"
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the token sent by e-mail
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class SamlRequest(CreatedAtMixin, db.Model):
    """An AuthnRequest we sent; its id is accepted in exactly one response (replays are refused)."""

    __tablename__ = "saml_request"
    id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    #: where to go after sign-in (one of our own paths)
    relay_state: Mapped[str | None] = mapped_column(sa.String(500))
    used_at: Mapped[datetime | None]


class GroupMapping(IdMixin, CreatedAtMixin, db.Model):
    """A directory or IdP group that grants a role and/or team membership."""

    __tablename__ = "group_mapping"
    source: Mapped[AuthSource] = mapped_column(enum_type(AuthSource))
    #: LDAP group DN, or the SAML group attribute value (compared case-insensitively)
    group: Mapped[str] = mapped_column(sa.String(512))
    role: Mapped[Role | None] = mapped_column(enum_type(Role))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id", ondelete="CASCADE"))

    team: Mapped[Team | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("source", "group", "role", "team_id", name="uq_group_mapping"),)
