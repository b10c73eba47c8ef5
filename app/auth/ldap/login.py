"""Sign-in: service-account search, then a bind as the user; groups (nested) and the manager; and the
"test connection" check for administrators."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import ldap
from ldap.controls import DecodeControlTuples
from ldap.controls.ppolicy import PasswordPolicyControl

from ...core.actors import SYSTEM
from ...users.models import AuthSource, User
from ..local import LoginRefused
from ..provisioning import DirectoryProfile, provision_user
from .config import LdapConfig
from .connection import DirectoryUnavailable, _, close, open_connection, search, service_connection, unavailable
from .entries import (
    account_state,
    build_profile,
    describe_manager,
    dn_key,
    first_text,
    in_chain_groups_filter,
    login_filter,
    lower_keys,
    normalize_dn,
    parents_filter,
)

log = logging.getLogger("app.auth.ldap")

#: AD bind diagnostic "data NNN" codes -> why the bind was refused
AD_BIND_CODES = {"775": "locked", "533": "disabled", "701": "disabled", "532": "password expired",
                 "773": "password expired"}
#: nested group levels followed at most (the cycle guard stops loops; this stops absurd depths)
MAX_GROUP_DEPTH = 20


class DirectoryLoginRefused(LoginRefused):
    """The password was right (or the directory says the account is locked), but the account may not sign in."""


def _check_user_password(cfg: LdapConfig, dn: str, password: str) -> bool:
    """Bind as the user on a fresh connection; False for a wrong password, DirectoryLoginRefused when the
    directory says the account is locked, disabled or its password expired."""
    try:
        close(open_connection(cfg, dn, password, controls=[PasswordPolicyControl()]))
        return True
    except ldap.INVALID_CREDENTIALS as exc:
        info = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
        for control in DecodeControlTuples(info.get("ctrls") or []):
            if isinstance(control, PasswordPolicyControl) and control.error in (0, 1):
                _refuse("password expired" if control.error == 0 else "locked")
        text = str(info.get("info", ""))
        for code, reason in AD_BIND_CODES.items():
            if f"data {code}" in text:
                _refuse(reason)
        return False
    except ldap.LDAPError as exc:
        raise unavailable(cfg, "user bind failed", exc) from None


def _refuse(reason: str):
    messages = {
        "locked": _("Your directory account is locked (too many failed sign-ins, or locked by an administrator). "
                    "Try again later or contact IT."),
        "disabled": _("Your directory account is disabled. Contact IT if you need access."),
        "password expired": _("Your directory password has expired. Change it first, then sign in again."),
        "no e-mail": _("Your directory account has no e-mail address, which Servicedesk needs. Contact IT."),
        "no id": _("Your directory account has no stable identifier. Contact IT."),
    }
    raise DirectoryLoginRefused(messages[reason], reason)


# --- groups --------------------------------------------------------------------------------------

def expand_nested(conn, cfg: LdapConfig, start: Iterable[str]) -> list[str]:
    """``start`` plus every group that contains one of them, at any depth (groupOfNames in groupOfNames).
    One search per level; groups already seen are not searched again, so membership cycles end."""
    found = {dn_key(g): normalize_dn(g) for g in start}
    frontier = list(found.values())
    for _depth in range(MAX_GROUP_DEPTH):
        if not frontier:
            break
        parents = []
        for i in range(0, len(frontier), 50):
            parents += [dn for dn, _ in search(conn, cfg, cfg.group_base, parents_filter(cfg, frontier[i:i + 50]),
                                               ["1.1"])]
        frontier = []
        for dn in parents:
            if dn_key(dn) not in found:
                found[dn_key(dn)] = normalize_dn(dn)
                frontier.append(normalize_dn(dn))
    return sorted(found.values(), key=str.lower)


def user_groups(conn, cfg: LdapConfig, dn: str, attrs: Mapping[str, list[bytes]]) -> list[str]:
    """Every group of the user, nested groups included, by the configured strategy."""
    if cfg.group_strategy == "in_chain":
        return [g for g, _ in search(conn, cfg, cfg.group_base, in_chain_groups_filter(cfg, dn), ["1.1"])]
    if cfg.memberof_attribute:
        direct = [v.decode() for v in attrs.get(cfg.memberof_attribute.lower(), ())]
    else:
        direct = [g for g, _ in search(conn, cfg, cfg.group_base, parents_filter(cfg, [dn]), ["1.1"])]
    return expand_nested(conn, cfg, direct)


def lookup_manager(conn, cfg: LdapConfig, attrs: Mapping[str, list[bytes]], cache: dict | None = None) -> str | None:
    """The manager attribute (a DN) as the manager's e-mail address or name."""
    manager_dn = first_text(attrs, cfg.attributes["manager"])
    if not manager_dn:
        return None
    if "=" not in manager_dn:  # already a name
        return manager_dn[:254]
    cache = {} if cache is None else cache
    key = dn_key(manager_dn)
    if key not in cache:
        wanted = [*cfg.attributes["email"], *cfg.attributes["name"]]
        try:
            found = search(conn, cfg, manager_dn, "(objectClass=*)", wanted, scope=ldap.SCOPE_BASE)
        except ldap.NO_SUCH_OBJECT:
            found = []
        cache[key] = describe_manager(manager_dn, found[0][1] if found else None, cfg)
    return cache[key]


# --- sign-in -------------------------------------------------------------------------------------

def probe_login(login: str, password: str, cfg: LdapConfig | None = None) -> DirectoryProfile | None:
    """Check a directory login and read the profile, without touching the database.

    None for an unknown login or a wrong password (the same answer for both). DirectoryLoginRefused
    for a locked or disabled account or one without e-mail; DirectoryUnavailable if the directory
    cannot be asked. Also the "test login" for administrators.
    """
    cfg = cfg or LdapConfig.from_app()
    login = (login or "").strip()
    # An empty password would make a successful *anonymous* bind: refuse before any network call.
    if not cfg.is_configured or not login or not password or len(login) > 256:
        return None
    conn = service_connection(cfg)
    try:
        try:
            entries = conn.search_ext_s(cfg.user_base, ldap.SCOPE_SUBTREE, login_filter(cfg, login),
                                        cfg.attribute_list(), sizelimit=2)
        except ldap.SIZELIMIT_EXCEEDED:
            log.warning("LDAP login %r matches more than one entry; refused", login)
            return None
        except (ldap.NO_SUCH_OBJECT, ldap.FILTER_ERROR) as exc:
            raise unavailable(cfg, "user search failed (check LDAP_USER_BASE and LDAP_USER_FILTER)", exc) from None
        entries = [(dn, lower_keys(a)) for dn, a in entries if dn is not None]
        if len(entries) != 1:
            if entries:
                log.warning("LDAP login %r matches more than one entry; refused", login)
            return None
        dn, attrs = entries[0]
        state = account_state(cfg, attrs)
        if not _check_user_password(cfg, dn, password):
            if state == "locked":  # the bind did not say why (ppolicy without olcPPolicyUseLockout)
                _refuse(state)
            return None
        if state:
            _refuse(state)
        profile = build_profile(cfg, dn, attrs, user_groups(conn, cfg, dn, attrs), lookup_manager(conn, cfg, attrs))
    except ldap.LDAPError as exc:
        raise unavailable(cfg, "search failed", exc) from None
    finally:
        close(conn)
    if not profile.email:
        _refuse("no e-mail")
    if not profile.external_id:
        _refuse("no id")
    return profile


def authenticate_ldap(login: str, password: str) -> User | None:
    """The local user for a correct directory login (created or updated from the directory: profile,
    role and teams from group mappings), or None. Raises DirectoryLoginRefused (locked, disabled, ...),
    DirectoryUnavailable (directory down: show it, and let local accounts sign in), or Conflict (a
    local account has that e-mail and is not linked)."""
    profile = probe_login(login, password)
    if profile is None:
        return None
    return provision_user(AuthSource.ldap, profile, actor=SYSTEM)


@dataclass
class ConnectionCheck:
    ok: bool
    message: str


def check_connection(cfg: LdapConfig | None = None) -> ConnectionCheck:
    """For the admin "test connection" button and `servicedesk ldap-test`: connect, bind, count users."""
    cfg = cfg or LdapConfig.from_app()
    if not cfg.is_configured:
        return ConnectionCheck(False, "LDAP is not configured (LDAP_URL is empty).")
    try:
        conn = service_connection(cfg)
    except DirectoryUnavailable as exc:
        return ConnectionCheck(False, f"{exc.details.get('reason')}.")
    try:
        users = search(conn, cfg, cfg.user_base, cfg.user_object_filter, ["1.1"])
        groups = search(conn, cfg, cfg.group_base, cfg.group_filter, ["1.1"])
    except ldap.LDAPError as exc:
        return ConnectionCheck(False, f"Connected, but the search failed: {exc.args[0].get('desc', exc)}.")
    finally:
        close(conn)
    return ConnectionCheck(True, f"Connected to {cfg.url}; {len(users)} users and {len(groups)} groups found.")
