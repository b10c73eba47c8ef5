from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import CreatedAtMixin, IdMixin, enum_type
from ..extensions import db


class Role(enum.Enum):
    requester = "requester"
    agent = "agent"
    lead = "lead"
    admin = "admin"
    auditor = "auditor"

    @property
    def is_staff(self) -> bool:
        """Staff see the agent workspace and internal notes."""
        return self is not Role.requester


class AuthSource(enum.Enum):
    local = "local"
    ldap = "ldap"
    saml = "saml"


team_members = sa.Table(
    "team_member",
    db.metadata,
    sa.Column("team_id", sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_team_member_user_id", "user_id"),
)


class Team(IdMixin, CreatedAtMixin, db.Model):
    __tablename__ = "team"
    #: unique display name, e.g. "Service Desk (L1)"
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    #: support tier 1..3 (L1 service desk, L2 specialists, L3 engineers/vendors)
    tier: Mapped[int] = mapped_column(default=1)
    #: contact address for team notifications
    email: Mapped[str | None] = mapped_column(sa.String(254))

    members: Mapped[list[User]] = relationship(secondary=team_members, back_populates="teams")


class User(IdMixin, CreatedAtMixin, UserMixin, db.Model):
    __tablename__ = "user"
    # assignee lists read the few hundred staff among tens of thousands of requesters, by name
    __table_args__ = (sa.Index("ix_user_role_name", "role", "name"),)
    #: lower-cased e-mail address; the login name for local accounts
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role), default=Role.requester)
    #: argon2 hash; NULL for accounts that sign in only through LDAP or SAML
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    auth_source: Mapped[AuthSource] = mapped_column(enum_type(AuthSource), default=AuthSource.local)
    #: stable identifier at the directory / IdP (LDAP DN or entryUUID, SAML NameID)
    external_id: Mapped[str | None] = mapped_column(sa.String(512), unique=True)
    #: deactivated users cannot sign in; their tickets and history remain
    is_active_account: Mapped[bool] = mapped_column("is_active", default=True)
    is_vip: Mapped[bool] = mapped_column(default=False)
    department: Mapped[str | None] = mapped_column(sa.String(200))
    location: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(64))
    #: preferred UI and mail language (BCP 47, e.g. "de")
    language: Mapped[str | None] = mapped_column(sa.String(16))
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    #: manager's name or e-mail, from the directory
    manager: Mapped[str | None] = mapped_column(sa.String(254))
    #: bumped to revoke every session of the user (password, role change, deactivation)
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    #: consecutive failed local sign-ins; reset on success
    failed_logins: Mapped[int] = mapped_column(default=0)
    #: temporary lockout after too many failures
    locked_until: Mapped[datetime | None]
    #: base32 TOTP secret; two-factor is on once confirmed
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_confirmed_at: Mapped[datetime | None]
    #: when the directory sync last saw this user (LDAP); NULL for others
    directory_synced_at: Mapped[datetime | None]

    teams: Mapped[list[Team]] = relationship(secondary=team_members, back_populates="members")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    def get_id(self) -> str:  # Flask-Login: a session is bound to the session version
        return f"{self.id}:{self.session_version}"

    @property
    def has_totp(self) -> bool:
        return self.totp_confirmed_at is not None

    @property
    def team_ids(self) -> set[int]:
        return {t.id for t in self.teams}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role.value}>"


class ApiToken(IdMixin, CreatedAtMixin, db.Model):
    __tablename__ = "api_token"
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    #: first characters of the token, to tell tokens apart in lists
    prefix: Mapped[str] = mapped_column(sa.String(16))
    #: SHA-256 of the whole token; the token itself is shown once and never stored
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: space-separated scopes: read, write, admin
    scopes: Mapped[str] = mapped_column(sa.String(64), default="read write")
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def scope_set(self) -> set[str]:
        return set(self.scopes.split())
