"""Pure parts of the LDAP code: filters (including AD's in-chain rule, which slapd lacks), DNs, and the
mapping of entry attributes to a profile and an account state. No server, no database."""

from __future__ import annotations

import uuid

from app.auth.ldap import (
    LdapConfig,
    account_state,
    build_profile,
    external_id,
    in_chain_groups_filter,
    in_chain_members_filter,
    login_filter,
    normalize_dn,
    parents_filter,
)
from app.core.config import DEFAULTS

AD = LdapConfig.from_mapping({
    **DEFAULTS, "LDAP_URL": "ldaps://dc1.corp.example", "LDAP_USER_BASE": "DC=corp,DC=example",
    "LDAP_USER_FILTER": "(|(sAMAccountName={login})(userPrincipalName={login})(mail={login}))",
    "LDAP_USER_OBJECT_FILTER": "(&(objectCategory=person)(objectClass=user))", "LDAP_ID_ATTRIBUTE": "objectGUID",
    "LDAP_GROUP_FILTER": "(objectClass=group)", "LDAP_GROUP_STRATEGY": "in_chain", "LDAP_ATTR_DEPARTMENT": "department",
})
OPENLDAP = LdapConfig.from_mapping({**DEFAULTS, "LDAP_URL": "ldaps://ldap.example.org",
                                    "LDAP_USER_BASE": "ou=people,dc=example,dc=org",
                                    "LDAP_DISABLED_ATTRIBUTE": "employeeType", "LDAP_VIP_ATTRIBUTE": "employeeType"})


def test_in_chain_filter_for_the_groups_of_a_user():
    assert in_chain_groups_filter(AD, "CN=Smith\\, Anna (IT),OU=Staff,DC=corp,DC=example") == (
        "(&(objectClass=group)(member:1.2.840.113556.1.4.1941:="
        "CN=Smith\\5c, Anna \\28IT\\29,OU=Staff,DC=corp,DC=example))")


def test_in_chain_filter_for_the_members_of_a_group():
    assert in_chain_members_filter(AD, "CN=Service Desk*,OU=Groups,DC=corp,DC=example") == (
        "(&(&(objectCategory=person)(objectClass=user))(memberOf:1.2.840.113556.1.4.1941:="
        "CN=Service Desk\\2a,OU=Groups,DC=corp,DC=example))")


def test_login_filter_escapes_everything_special():
    assert login_filter(AD, "*)(sAMAccountName=*") == (
        "(&(&(objectCategory=person)(objectClass=user))(|(sAMAccountName=\\2a\\29\\28sAMAccountName=\\2a)"
        "(userPrincipalName=\\2a\\29\\28sAMAccountName=\\2a)(mail=\\2a\\29\\28sAMAccountName=\\2a)))")
    assert login_filter(OPENLDAP, "a\\b\x00") == (
        "(&(objectClass=inetOrgPerson)(|(uid=a\\5cb\\00)(mail=a\\5cb\\00)))")


def test_parents_filter_lists_every_member():
    assert parents_filter(OPENLDAP, ["cn=a,dc=x", "cn=b*,dc=x"]) == (
        "(&(objectClass=groupOfNames)(|(member=cn=a,dc=x)(member=cn=b\\2a,dc=x)))")


def test_dns_are_compared_in_one_spelling():
    assert normalize_dn("CN=Agents, OU=Groups , DC=example,DC=org") == "CN=Agents,OU=Groups,DC=example,DC=org"
    assert normalize_dn("not a dn") == "not a dn"


def test_active_directory_object_guid_becomes_a_uuid():
    guid = uuid.UUID("b3a1c2d4-1111-2222-3333-444455556666")
    assert external_id(AD, "CN=x", {"objectguid": [guid.bytes_le]}) == str(guid)
    assert external_id(AD, "CN=x", {}) is None


def test_user_account_control_disabled_bit_and_administrative_ppolicy_lock():
    assert account_state(AD, {"useraccountcontrol": [b"514"]}) == "disabled"  # NORMAL_ACCOUNT | ACCOUNTDISABLE
    assert account_state(AD, {"useraccountcontrol": [b"512"]}) is None
    assert account_state(OPENLDAP, {"pwdaccountlockedtime": [b"000001010000Z"]}) == "locked"
    assert account_state(OPENLDAP, {"pwdaccountlockedtime": [b"20260101120000Z"]}) is None  # temporary: bind says
    assert account_state(OPENLDAP, {"employeetype": [b"Disabled"]}) == "disabled"


def test_profile_mapping_with_ad_attribute_names():
    attrs = {"displayname": [b"Anna Smith"], "mail": [b"Anna.Smith@corp.example"], "department": [b"Finance"],
             "preferredlanguage": [b"de_DE"], "telephonenumber": [b""], "l": [b"Berlin"]}
    profile = build_profile(AD, "CN=Anna,DC=corp,DC=example", attrs, ["CN=G, DC=corp,DC=example"], "boss@corp")
    assert (profile.name, profile.email, profile.department, profile.language, profile.phone, profile.location) == (
        "Anna Smith", "Anna.Smith@corp.example", "Finance", "de-DE", None, "Berlin")
    assert profile.groups == ["CN=G,DC=corp,DC=example"] and profile.manager == "boss@corp"


def test_vip_attribute_values_are_case_insensitive():
    assert build_profile(OPENLDAP, "uid=a", {"employeetype": [b"vip"], "mail": [b"a@x.org"]}, [], None).is_vip
    assert not build_profile(OPENLDAP, "uid=a", {"employeetype": [b"staff"], "mail": [b"a@x.org"]}, [], None).is_vip


def test_configuration_problems_are_named():
    assert AD.problems() == []
    plain = LdapConfig.from_mapping({**DEFAULTS, "LDAP_URL": "ldap://x", "LDAP_USER_BASE": "dc=x",
                                     "LDAP_USER_FILTER": "(uid=x)", "LDAP_GROUP_STRATEGY": "magic"})
    assert len(plain.problems()) == 3
