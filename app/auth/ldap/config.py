"""Deploy-time LDAP settings (LDAP_* keys in app/core/config.py), read once per use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app

PROFILE_ATTRIBUTES = ("name", "email", "department", "location", "phone", "language", "manager")


@dataclass(frozen=True)
class LdapConfig:
    url: str
    start_tls: bool
    ca_file: str
    allow_plaintext: bool
    bind_dn: str
    bind_password: str
    user_base: str
    user_filter: str
    user_object_filter: str
    id_attribute: str
    #: profile field -> directory attribute names, first present wins
    attributes: Mapping[str, tuple[str, ...]]
    group_base: str
    group_filter: str
    group_member_attribute: str
    memberof_attribute: str
    group_strategy: str
    vip_attribute: str
    vip_values: frozenset[str]
    vip_group: str
    disabled_attribute: str
    disabled_values: frozenset[str]
    network_timeout: float
    timeout: float
    page_size: int

    @classmethod
    def from_mapping(cls, c: Mapping) -> LdapConfig:
        words = lambda key: tuple(str(c.get(key) or "").split())  # noqa: E731
        return cls(
            url=str(c.get("LDAP_URL") or "").strip(), start_tls=bool(c.get("LDAP_START_TLS")),
            ca_file=c.get("LDAP_CA_FILE") or "", allow_plaintext=bool(c.get("LDAP_ALLOW_PLAINTEXT")),
            bind_dn=c.get("LDAP_BIND_DN") or "", bind_password=c.get("LDAP_BIND_PASSWORD") or "",
            user_base=c.get("LDAP_USER_BASE") or "", user_filter=c.get("LDAP_USER_FILTER") or "",
            user_object_filter=c.get("LDAP_USER_OBJECT_FILTER") or "(objectClass=*)",
            id_attribute=(c.get("LDAP_ID_ATTRIBUTE") or "dn").strip(),
            attributes={f: words(f"LDAP_ATTR_{f.upper()}") for f in PROFILE_ATTRIBUTES},
            group_base=c.get("LDAP_GROUP_BASE") or c.get("LDAP_USER_BASE") or "",
            group_filter=c.get("LDAP_GROUP_FILTER") or "(objectClass=groupOfNames)",
            group_member_attribute=c.get("LDAP_GROUP_MEMBER_ATTRIBUTE") or "member",
            memberof_attribute=(c.get("LDAP_MEMBEROF_ATTRIBUTE") or "").strip(),
            group_strategy=(c.get("LDAP_GROUP_STRATEGY") or "memberof").strip().lower(),
            vip_attribute=(c.get("LDAP_VIP_ATTRIBUTE") or "").strip(),
            vip_values=frozenset(v.lower() for v in words("LDAP_VIP_VALUES")),
            vip_group=c.get("LDAP_VIP_GROUP") or "",
            disabled_attribute=(c.get("LDAP_DISABLED_ATTRIBUTE") or "").strip(),
            disabled_values=frozenset(v.lower() for v in words("LDAP_DISABLED_VALUES")),
            network_timeout=float(c.get("LDAP_NETWORK_TIMEOUT") or 5), timeout=float(c.get("LDAP_TIMEOUT") or 10),
            page_size=int(c.get("LDAP_PAGE_SIZE") or 500),
        )

    @classmethod
    def from_app(cls) -> LdapConfig:
        return cls.from_mapping(current_app.config)

    @property
    def is_configured(self) -> bool:
        return bool(self.url)

    def problems(self) -> list[str]:
        """What is wrong with the configuration (empty list: fine)."""
        found = []
        if not self.user_base:
            found.append("LDAP_USER_BASE is empty")
        if "{login}" not in self.user_filter:
            found.append("LDAP_USER_FILTER must contain {login}")
        if self.group_strategy not in ("memberof", "in_chain"):
            found.append("LDAP_GROUP_STRATEGY must be memberof or in_chain")
        plaintext = not self.start_tls and not all(u.lower().startswith(("ldaps://", "ldapi://"))
                                                   for u in self.url.split())
        if plaintext and not self.allow_plaintext:
            found.append("LDAP_URL is not ldaps:// and LDAP_START_TLS is off: passwords would cross the "
                         "network in clear text (set LDAP_ALLOW_PLAINTEXT = True only for tests)")
        return found

    def attribute_list(self) -> list[str]:
        wanted = {a for names in self.attributes.values() for a in names}
        wanted |= {self.memberof_attribute, self.vip_attribute, self.disabled_attribute,
                   "userAccountControl", "pwdAccountLockedTime"}
        if self.id_attribute.lower() != "dn":
            wanted.add(self.id_attribute)
        return sorted(a for a in wanted if a)

