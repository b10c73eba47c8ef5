"""Directory and IdP identities -> local users: attribute mapping, group -> role/team, just-in-time
provisioning. Shared by LDAP sign-in, the LDAP sync and SAML sign-in."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from ..core import signals
from ..core.errors import Conflict
from ..extensions import db
from ..users.models import AuthSource, Role, Team, User
from ..users.operations import create_user, normalize_email
from .models import GroupMapping

#: when several groups grant roles, the most privileged wins
ROLE_PRECEDENCE = (Role.admin, Role.lead, Role.agent, Role.auditor, Role.requester)
PROFILE_FIELDS = ("department", "location", "phone", "language", "manager", "is_vip")


@dataclass
class DirectoryProfile:
    #: stable id at the source: LDAP entryUUID/objectGUID or DN, SAML NameID
    external_id: str
    email: str
    name: str
    department: str | None = None
    location: str | None = None
    phone: str | None = None
    language: str | None = None
    manager: str | None = None
    is_vip: bool = False
    #: group DNs (LDAP, nested groups already expanded) or group names (SAML)
    groups: list[str] = field(default_factory=list)


@dataclass
class Grant:
    role: Role
    teams: list[Team]
    #: which mapping gave what, for the audit log
    reasons: list[str]


def grants_for(source: AuthSource, groups: list[str]) -> Grant:
    wanted = {g.lower() for g in groups}
    mappings = [m for m in db.session.scalars(sa.select(GroupMapping).where(GroupMapping.source == source))
                if m.group.lower() in wanted]
    roles = [m.role for m in mappings if m.role is not None]
    role = next((r for r in ROLE_PRECEDENCE if r in roles), Role.requester)
    teams = sorted({m.team for m in mappings if m.team is not None}, key=lambda t: t.name)
    reasons = [f"{m.group} -> {m.role.value if m.role else ''}{' team ' + m.team.name if m.team else ''}".strip()
               for m in mappings]
    return Grant(role=role, teams=teams, reasons=reasons or ["no mapped group: requester"])


def find_user(source: AuthSource, profile: DirectoryProfile) -> User | None:
    return db.session.scalar(
        sa.select(User).where(User.auth_source == source, User.external_id == profile.external_id)
    )


def provision_user(source: AuthSource, profile: DirectoryProfile, actor, *, link_by_email: bool = False) -> User:
    """Create or update the local user for a directory/IdP identity; role and teams follow the groups.

    An existing account from another source with the same e-mail is linked only if ``link_by_email``
    (an admin setting): otherwise an IdP that asserts any e-mail could take over a local admin.
    """
    email = normalize_email(profile.email)
    grant = grants_for(source, profile.groups)
    user = find_user(source, profile)
    if user is None:
        existing = db.session.scalar(sa.select(User).where(User.email == email))
        if existing is not None:
            if not link_by_email or existing.auth_source not in (AuthSource.local, source):
                raise Conflict(_(
                    "An account with the e-mail address %(email)s already exists and is not linked to this "
                    "%(source)s identity. An administrator must link it.", email=email, source=source.value.upper()))
            existing.auth_source, existing.external_id = source, profile.external_id
            user = existing
    if user is None:
        return create_user(
            email, profile.name, grant.role, actor, auth_source=source, external_id=profile.external_id,
            teams=grant.teams, **{f: getattr(profile, f) for f in PROFILE_FIELDS},
        )
    update_from_profile(user, profile, grant, actor)
    return user


def update_from_profile(user: User, profile: DirectoryProfile, grant: Grant, actor) -> dict:
    """Apply directory attributes, role and teams; returns {field: (old, new)} of what changed."""
    changes = {}
    email = normalize_email(profile.email)
    if email != user.email and db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise Conflict(_("The directory gives %(user)s the address %(email)s, which another account has. "
                         "An administrator must resolve the duplicate.", user=user.email, email=email))
    new_values = {"email": email, "name": profile.name[:200],
                  **{f: getattr(profile, f) for f in PROFILE_FIELDS}, "role": grant.role}
    for name, new in new_values.items():
        old = getattr(user, name)
        if old != new:
            changes[name] = (getattr(old, "value", old), getattr(new, "value", new))
            setattr(user, name, new)
    if {t.id for t in user.teams} != {t.id for t in grant.teams}:
        changes["teams"] = (sorted(t.name for t in user.teams), sorted(t.name for t in grant.teams))
        user.teams = list(grant.teams)
    if not user.is_active_account:
        changes["is_active"] = (False, True)
        user.is_active_account = True
    db.session.flush()
    if "role" in changes:
        user.session_version += 1
        signals.sessions_invalidated.send(user, reason="role changed")
    if changes:
        signals.user_updated.send(user, actor=actor, changes=changes, reasons=grant.reasons)
    return changes
