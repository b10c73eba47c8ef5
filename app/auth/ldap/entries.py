"""Pure helpers: search filters (the login always escaped), DNs, and directory entry -> profile / state.
Attribute dicts here have lower-cased names (see lower_keys)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

import ldap.dn
from ldap.filter import escape_filter_chars

from ..provisioning import DirectoryProfile
from .config import LdapConfig

#: Active Directory's LDAP_MATCHING_RULE_IN_CHAIN: membership through any depth of nested groups
IN_CHAIN = "1.2.840.113556.1.4.1941"
#: userAccountControl bit ACCOUNTDISABLE
AD_ACCOUNT_DISABLED = 0x2
#: pwdAccountLockedTime of an account that an administrator locked (OpenLDAP ppolicy)
PERMANENT_LOCK = "000001010000Z"


def login_filter(cfg: LdapConfig, login: str) -> str:
    """The search filter for a login name or e-mail; the login is escaped, so ``*)(uid=*`` matches nothing."""
    return f"(&{cfg.user_object_filter}{cfg.user_filter.replace('{login}', escape_filter_chars(login))})"


def in_chain_groups_filter(cfg: LdapConfig, user_dn: str) -> str:
    """AD: every group the user is in, directly or through nested groups, in one search."""
    return f"(&{cfg.group_filter}({cfg.group_member_attribute}:{IN_CHAIN}:={escape_filter_chars(user_dn)}))"


def in_chain_members_filter(cfg: LdapConfig, group_dn: str) -> str:
    """AD: every user in the group, directly or through nested groups (used by the sync)."""
    attribute = cfg.memberof_attribute or "memberOf"
    return f"(&{cfg.user_object_filter}({attribute}:{IN_CHAIN}:={escape_filter_chars(group_dn)}))"


def parents_filter(cfg: LdapConfig, member_dns: Iterable[str]) -> str:
    """Groups that have any of ``member_dns`` as a direct member."""
    members = "".join(f"({cfg.group_member_attribute}={escape_filter_chars(dn)})" for dn in member_dns)
    return f"(&{cfg.group_filter}(|{members}))"


def normalize_dn(dn: str) -> str:
    """One spelling per DN (no spaces after commas, ...), so that group mappings compare equal."""
    try:
        return ldap.dn.dn2str(ldap.dn.str2dn(dn))
    except ldap.DECODING_ERROR:
        return dn.strip()


def dn_key(dn: str) -> str:
    return normalize_dn(dn).lower()


def lower_keys(attrs: Mapping[str, list[bytes]]) -> dict[str, list[bytes]]:
    return {k.lower(): v for k, v in attrs.items()}


def first_text(attrs: Mapping[str, list[bytes]], names: Iterable[str]) -> str | None:
    for name in names:
        for raw in attrs.get(name.lower(), ()):
            text = raw.decode("utf-8", "replace").strip()
            if text:
                return text
    return None


def external_id(cfg: LdapConfig, dn: str, attrs: Mapping[str, list[bytes]]) -> str | None:
    """entryUUID (OpenLDAP), objectGUID (AD, 16 bytes little-endian -> UUID text), or the DN."""
    name = cfg.id_attribute.lower()
    if name == "dn":
        return dn_key(dn)
    values = attrs.get(name) or []
    if not values:
        return None
    raw = values[0]
    if name == "objectguid" or (len(raw) == 16 and not raw.isascii()):
        return str(uuid.UUID(bytes_le=raw))
    return raw.decode("ascii", "replace").strip().lower()


def account_state(cfg: LdapConfig, attrs: Mapping[str, list[bytes]]) -> str | None:
    """'disabled' or 'locked' when the directory says the account must not sign in, else None.

    Temporary ppolicy lockouts are not visible here (the bind reports them); a permanent lock is.
    """
    uac = first_text(attrs, ["userAccountControl"])
    if uac and uac.isdigit() and int(uac) & AD_ACCOUNT_DISABLED:
        return "disabled"
    if first_text(attrs, ["pwdAccountLockedTime"]) == PERMANENT_LOCK:
        return "locked"
    if cfg.disabled_attribute:
        values = {v.decode("utf-8", "replace").strip().lower() for v in attrs.get(cfg.disabled_attribute.lower(), ())}
        if values & cfg.disabled_values:
            return "disabled"
    return None


def _language(value: str | None) -> str | None:
    if not value:
        return None
    return value.split(",")[0].split(";")[0].strip().replace("_", "-")[:16] or None


def describe_manager(dn: str, attrs: Mapping[str, list[bytes]] | None, cfg: LdapConfig) -> str:
    """The manager's e-mail, else name, else the value of the first RDN."""
    if attrs:
        attrs = lower_keys(attrs)
        found = first_text(attrs, cfg.attributes["email"]) or first_text(attrs, cfg.attributes["name"])
        if found:
            return found[:254]
    try:
        return ldap.dn.str2dn(dn)[0][0][1][:254]
    except (ldap.DECODING_ERROR, IndexError):
        return dn[:254]


def build_profile(cfg: LdapConfig, dn: str, attrs: Mapping[str, list[bytes]], groups: list[str],
                  manager: str | None) -> DirectoryProfile:
    """Directory entry (attribute names lower-cased) -> profile; groups are normalized DNs."""
    text = lambda field: first_text(attrs, cfg.attributes[field])  # noqa: E731
    email = text("email") or ""
    groups = sorted({normalize_dn(g) for g in groups}, key=str.lower)
    group_keys = {g.lower() for g in groups}
    vip = bool(cfg.vip_group) and dn_key(cfg.vip_group) in group_keys
    if cfg.vip_attribute:
        values = {v.decode("utf-8", "replace").strip().lower() for v in attrs.get(cfg.vip_attribute.lower(), ())}
        vip = vip or bool(values & cfg.vip_values)
    return DirectoryProfile(
        external_id=external_id(cfg, dn, attrs) or "", email=email,
        name=(text("name") or email.split("@")[0] or dn)[:200],
        department=(text("department") or "")[:200] or None, location=(text("location") or "")[:200] or None,
        phone=(text("phone") or "")[:64] or None, language=_language(text("language")), manager=manager,
        is_vip=vip, groups=groups,
    )

