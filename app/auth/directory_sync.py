"""The LDAP directory sync: read the directory, compute the diff, check the guards, apply.

Every sync computes its diff first (``servicedesk ldap-sync --dry-run`` prints it). A sync that would
deactivate more than the setting ``ldap.max_deactivate_share`` of the directory's users (a wrong base
DN, a broken filter, an outage that returns nothing) or would leave no active administrator changes
nothing: it reports through signals.directory_synced(aborted=reason) and logs at ERROR.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import ldap
import sqlalchemy as sa

from ..core import signals
from ..core.actors import SYSTEM
from ..core.clock import utcnow
from ..core.errors import ValidationFailed
from ..core.settings import get_setting
from ..extensions import db
from ..users.models import AuthSource, Role, User
from ..users.operations import deactivate_user, normalize_email
from .ldap import (
    DirectoryUnavailable,
    LdapConfig,
    account_state,
    build_profile,
    dn_key,
    in_chain_members_filter,
    lookup_manager,
    search,
    service_connection,
    unavailable,
)
from .models import GroupMapping
from .provisioning import PROFILE_FIELDS, DirectoryProfile, Grant, grants_for, provision_user

log = logging.getLogger(__name__)


@dataclass
class DirectoryUser:
    dn: str
    profile: DirectoryProfile
    #: 'disabled' / 'locked' when the directory says the account must not sign in
    state: str | None = None


@dataclass
class Change:
    action: str  # create, update, deactivate
    email: str
    name: str
    user_id: int | None = None
    profile: DirectoryProfile | None = None
    #: {field: (old, new)} for updates; the role of a new user for creates
    changes: dict = field(default_factory=dict)
    reason: str = ""


@dataclass
class SyncDiff:
    #: entries the directory returned
    directory_users: int = 0
    #: active local LDAP users before the sync (the base of the deactivation share)
    active_local_users: int = 0
    creates: list[Change] = field(default_factory=list)
    updates: list[Change] = field(default_factory=list)
    deactivations: list[Change] = field(default_factory=list)
    #: (who, why) for directory entries that cannot be synced
    skipped: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0
    #: local users the directory still lists (their directory_synced_at moves on)
    seen_user_ids: list[int] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.creates or self.updates or self.deactivations)


@dataclass
class SyncResult:
    diff: SyncDiff | None
    dry_run: bool
    #: why nothing was changed (a guard, or the directory being unavailable); None if it went through
    aborted: str | None = None
    applied: bool = False
    started_at: datetime = field(default_factory=utcnow)

    def summary(self) -> dict:
        """Counts and names, small enough for the audit log (JSON)."""
        d = self.diff
        if d is None:
            return {"applied": False}
        return {"applied": self.applied, "directory_entries": d.directory_users, "created": len(d.creates),
                "updated": len(d.updates), "deactivated": [c.email for c in d.deactivations][:100],
                "skipped": len(d.skipped), "unchanged": d.unchanged}

    def describe(self) -> str:
        """The diff as readable lines (CLI, logs)."""
        lines = []
        d = self.diff
        if d is not None:
            lines.append(f"LDAP sync{' (dry run)' if self.dry_run else ''}: {d.directory_users} directory entries, "
                         f"{d.active_local_users} active directory users here before the sync.")
            for c in d.creates:
                lines.append(f"  create      {c.email}  {c.name!r}  role {c.changes.get('role')}"
                             + (f", teams {', '.join(c.changes['teams'])}" if c.changes.get("teams") else ""))
            for c in d.updates:
                what = "; ".join(f"{k}: {_show(old)} -> {_show(new)}" for k, (old, new) in c.changes.items())
                lines.append(f"  update      {c.email}  {what}")
            for c in d.deactivations:
                lines.append(f"  deactivate  {c.email}  ({c.reason})")
            for who, why in d.skipped:
                lines.append(f"  skip        {who}  ({why})")
            lines.append(f"{len(d.creates)} to create, {len(d.updates)} to update, {len(d.deactivations)} to "
                         f"deactivate, {len(d.skipped)} skipped, {d.unchanged} unchanged.")
        if self.aborted and self.dry_run and d is not None:
            lines.append(f"A real sync would abort: {self.aborted}")
        elif self.aborted:
            lines.append(f"ABORTED, nothing was changed: {self.aborted}")
        elif self.applied:
            lines.append("Applied.")
        elif self.dry_run:
            lines.append("Dry run: nothing was changed.")
        return "\n".join(lines)


def _show(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return "-" if value is None or value == "" else str(value)


# --- reading the directory ---------------------------------------------------------------------------

def _mapped_groups(cfg: LdapConfig) -> list[str]:
    groups = list(db.session.scalars(sa.select(GroupMapping.group).where(GroupMapping.source == AuthSource.ldap)))
    return groups + ([cfg.vip_group] if cfg.vip_group else [])


def read_directory(cfg: LdapConfig) -> list[DirectoryUser]:
    """Every user entry under LDAP_USER_BASE matching LDAP_USER_OBJECT_FILTER, with expanded groups.

    memberof: all groups are read once and nested membership is resolved in memory (cycles end).
    in_chain (AD): one LDAP_MATCHING_RULE_IN_CHAIN search per *mapped* group, since only those can
    grant anything: a few searches instead of one per user.
    """
    conn = service_connection(cfg)
    try:
        entries = search(conn, cfg, cfg.user_base, cfg.user_object_filter, cfg.attribute_list())
        groups_of: dict[str, set[str]] = {dn_key(dn): set() for dn, _ in entries}
        if cfg.group_strategy == "in_chain":
            for group in _mapped_groups(cfg):
                for dn, _ in search(conn, cfg, cfg.user_base, in_chain_members_filter(cfg, group), ["1.1"]):
                    groups_of.setdefault(dn_key(dn), set()).add(group)
        else:
            groups_of = _memberof_closure(conn, cfg, entries)
        managers: dict[str, str] = {}  # manager DN -> e-mail or name, one lookup per manager
        users = [
            DirectoryUser(dn, build_profile(cfg, dn, attrs, sorted(groups_of.get(dn_key(dn), ())),
                                            lookup_manager(conn, cfg, attrs, managers)), account_state(cfg, attrs))
            for dn, attrs in entries
        ]
    except ldap.LDAPError as exc:
        raise unavailable(cfg, "reading the directory failed", exc) from None
    finally:
        try:
            conn.unbind_s()
        except ldap.LDAPError:
            pass
    return users


def _memberof_closure(conn, cfg: LdapConfig, entries) -> dict[str, set[str]]:
    """user DN key -> every group DN (nested included), from one read of all groups."""
    containing: dict[str, set[str]] = {}  # member DN key -> groups that list it directly
    for group_dn, attrs in search(conn, cfg, cfg.group_base, cfg.group_filter, [cfg.group_member_attribute]):
        for member in attrs.get(cfg.group_member_attribute.lower(), ()):
            containing.setdefault(dn_key(member.decode()), set()).add(group_dn)
    result = {}
    for dn, attrs in entries:
        direct = set(containing.get(dn_key(dn), ()))
        if cfg.memberof_attribute:
            direct |= {v.decode() for v in attrs.get(cfg.memberof_attribute.lower(), ())}
        seen = {dn_key(g): g for g in direct}
        frontier = list(seen)
        while frontier:  # the seen-set is the cycle guard
            parents = [p for key in frontier for p in containing.get(key, ())]
            frontier = []
            for parent in parents:
                if dn_key(parent) not in seen:
                    seen[dn_key(parent)] = parent
                    frontier.append(dn_key(parent))
        result[dn_key(dn)] = set(seen.values())
    return result


# --- diff, guards, apply -----------------------------------------------------------------------------

def _profile_changes(user: User, profile: DirectoryProfile, grant: Grant) -> dict:
    """What provisioning.update_from_profile would change (the same rules), without changing anything."""
    changes = {}
    new_values = {"email": normalize_email(profile.email), "name": profile.name[:200],
                  **{f: getattr(profile, f) for f in PROFILE_FIELDS}, "role": grant.role}
    for name, new in new_values.items():
        old = getattr(user, name)
        if old != new:
            changes[name] = (getattr(old, "value", old), getattr(new, "value", new))
    if user.team_ids != {t.id for t in grant.teams}:
        changes["teams"] = (sorted(t.name for t in user.teams), sorted(t.name for t in grant.teams))
    if not user.is_active_account:
        changes["is_active"] = (False, True)
    return changes


def compute_diff(directory: list[DirectoryUser]) -> SyncDiff:
    """Compare the directory with the local LDAP users. Reads only."""
    diff = SyncDiff(directory_users=len(directory))
    local = {u.external_id: u for u in db.session.scalars(sa.select(User).where(User.auth_source == AuthSource.ldap))}
    email_owner = dict(db.session.execute(sa.select(User.email, User.id)).all())
    diff.active_local_users = sum(1 for u in local.values() if u.is_active_account)
    grants: dict[frozenset, Grant] = {}
    found: set[int] = set()
    claimed: dict[str, str] = {}  # e-mail -> external id, within this read of the directory

    def grant_for(groups: list[str]) -> Grant:
        key = frozenset(g.lower() for g in groups)
        if key not in grants:
            grants[key] = grants_for(AuthSource.ldap, groups)
        return grants[key]

    for entry in sorted(directory, key=lambda e: (e.profile.email.lower(), e.dn.lower())):
        p = entry.profile
        user = local.get(p.external_id) if p.external_id else None
        who = p.email or entry.dn
        if user is not None:
            found.add(user.id)
            diff.seen_user_ids.append(user.id)
        if not p.external_id:
            diff.skipped.append((who, "no stable identifier (LDAP_ID_ATTRIBUTE)"))
            continue
        if entry.state:
            if user is not None and user.is_active_account:
                diff.deactivations.append(Change("deactivate", user.email, user.name, user.id,
                                                 reason=f"{entry.state} in the directory"))
            continue
        try:
            email = normalize_email(p.email)
        except ValidationFailed:
            diff.skipped.append((who, "no valid e-mail address"))
            continue
        if claimed.setdefault(email, p.external_id) != p.external_id:
            diff.skipped.append((f"{who} ({entry.dn})", "another directory entry has the same e-mail address"))
            continue
        owner = email_owner.get(email)
        grant = grant_for(p.groups)
        if user is None:
            if owner is not None:
                diff.skipped.append((who, "a local account has this e-mail address and is not linked to the "
                                          "directory"))
                continue
            diff.creates.append(Change("create", email, p.name, profile=p, changes={
                "role": grant.role.value, "teams": [t.name for t in grant.teams]}))
            continue
        changes = _profile_changes(user, p, grant)
        if "email" in changes and owner not in (None, user.id):
            diff.skipped.append((who, f"cannot change the e-mail address of {user.email}: another account uses it"))
            continue
        if changes:
            diff.updates.append(Change("update", user.email, user.name, user.id, p, changes))
        else:
            diff.unchanged += 1
    for user in sorted(local.values(), key=lambda u: u.email):
        if user.is_active_account and user.id not in found:
            diff.deactivations.append(Change("deactivate", user.email, user.name, user.id,
                                             reason="not found in the directory"))
    return diff


def check_guards(diff: SyncDiff, *, force: bool = False) -> str | None:
    """Why this diff must not be applied, or None. ``force`` lifts only the deactivation-share guard."""
    share = float(get_setting("ldap.max_deactivate_share"))
    count, base = len(diff.deactivations), diff.active_local_users
    if count and not force and count > share * base:
        return (f"it would deactivate {count} of {base} directory users ({count / base:.0%}), more than the "
                f"allowed {share:.0%} (setting ldap.max_deactivate_share)")
    admins = set(db.session.scalars(sa.select(User.id).where(User.role == Role.admin, User.is_active_account)))
    if not admins:
        return None  # nothing to lose (a fresh installation)
    after = admins - {c.user_id for c in diff.deactivations}
    for c in diff.updates:
        if "role" in c.changes:
            (after.add if c.changes["role"][1] == Role.admin.value else after.discard)(c.user_id)
        elif "is_active" in c.changes and db.session.get(User, c.user_id).role is Role.admin:
            after.add(c.user_id)
    if not after and not any(c.changes.get("role") == Role.admin.value for c in diff.creates):
        return "it would leave no active administrator"
    return None


def apply_diff(diff: SyncDiff, actor) -> None:
    """Deactivate (sessions end, tokens are revoked), update and create through the operations. Flushes only."""
    for c in diff.deactivations:
        deactivate_user(db.session.get(User, c.user_id), actor, reason=f"directory sync: {c.reason}")
    seen = list(diff.seen_user_ids)
    for c in diff.updates + diff.creates:
        seen.append(provision_user(AuthSource.ldap, c.profile, actor).id)
    now = utcnow()
    for i in range(0, len(seen), 500):
        db.session.execute(sa.update(User).where(User.id.in_(seen[i:i + 500])).values(directory_synced_at=now))
    db.session.flush()


def sync_directory(actor=SYSTEM, *, dry_run: bool = False, force: bool = False,
                   cfg: LdapConfig | None = None) -> SyncResult:
    """Read the directory, compute the diff, and apply it unless ``dry_run`` or a guard stops it.
    Never raises for an unreachable directory: the result says so. The caller commits."""
    cfg = cfg or LdapConfig.from_app()
    try:
        directory = read_directory(cfg)
    except DirectoryUnavailable as exc:
        result = SyncResult(None, dry_run, aborted=f"the directory is unavailable ({exc.details.get('reason')})")
    else:
        diff = compute_diff(directory)
        result = SyncResult(diff, dry_run, aborted=check_guards(diff, force=force))
        if result.aborted:
            log.log(logging.WARNING if dry_run else logging.ERROR,
                    "LDAP sync%s aborted, nothing changed: %s", " (dry run)" if dry_run else "", result.aborted)
        elif not dry_run:
            apply_diff(diff, actor)
            result.applied = True
            log.info("LDAP sync: %d created, %d updated, %d deactivated, %d skipped", len(diff.creates),
                     len(diff.updates), len(diff.deactivations), len(diff.skipped))
    signals.directory_synced.send(result, dry_run=dry_run, aborted=result.aborted)
    return result
