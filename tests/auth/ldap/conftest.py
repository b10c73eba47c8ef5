"""One real slapd per test session (tests/ldap_server.py); every test gets its own subtree of people and
groups, and the app's LDAP_* configuration points at it."""

from __future__ import annotations

import itertools

import ldap
import pytest

from app.auth.models import GroupMapping
from app.extensions import db
from app.users.models import AuthSource
from tests.ldap_server import BASE, LdapServer, slapd_server

_seq = itertools.count(1)
PASSWORDS = {uid: f"{uid}-Secret-42" for uid in ("alice", "bob", "carol", "admin", "dave", "erin", "frank")}


@pytest.fixture(scope="session")
def slapd():
    with slapd_server() as server:
        yield server


class Directory:
    """This test's part of the directory: ou=tN,dc=example,dc=org with ou=people and ou=groups.

    alice  agent; in agents (which is in staff) and in a membership loop (loop-a <-> loop-b);
           full profile; manager carol
    bob    businessCategory VIP
    carol  in leads and vips
    admin  "Ada Admin" (uid admin, ada@example.org); in admins
    dave   disabled (employeeType: disabled)
    erin   locked by an administrator (ppolicy pwdAccountLockedTime 000001010000Z)
    frank  has no e-mail address
    """

    def __init__(self, server: LdapServer, root: str):
        self.server, self.root = server, root
        self.people, self.groups = f"ou=people,{root}", f"ou=groups,{root}"

    def user_dn(self, uid: str) -> str:
        return f"uid={uid},{self.people}"

    def group_dn(self, cn: str) -> str:
        return f"cn={cn},{self.groups}"

    def add_person(self, uid: str, name: str, mail: str | None = None, conn=None, **attrs) -> str:
        values = {"objectClass": "inetOrgPerson", "uid": uid, "cn": name, "sn": name.split()[-1],
                  "displayName": name, "userPassword": PASSWORDS.get(uid, f"{uid}-Secret-42"), **attrs}
        if mail:
            values["mail"] = mail
        return self.server.add(self.user_dn(uid), values, conn)

    def add_group(self, cn: str, *members: str, conn=None) -> str:
        return self.server.add(self.group_dn(cn), {"objectClass": "groupOfNames", "cn": cn, "member": list(members)},
                               conn)

    def populate(self) -> None:
        s = self.server
        with s.admin() as c:
            s.add(self.root, {"objectClass": "organizationalUnit", "ou": self.root.split(",")[0][3:]}, c)
            s.add(self.people, {"objectClass": "organizationalUnit", "ou": "people"}, c)
            s.add(self.groups, {"objectClass": "organizationalUnit", "ou": "groups"}, c)
            self.add_person("carol", "Carol Lead", "carol@example.org", c)
            self.add_person("alice", "Alice Agent", "alice@example.org", c, departmentNumber="IT", l="Berlin",
                            telephoneNumber="+49 30 1234", preferredLanguage="de-DE, en;q=0.5",
                            manager=self.user_dn("carol"))
            self.add_person("bob", "Bob Requester", "bob@example.org", c, businessCategory="VIP")
            self.add_person("admin", "Ada Admin", "ada@example.org", c)
            self.add_person("dave", "Dave Disabled", "dave@example.org", c, employeeType="disabled")
            self.add_person("erin", "Erin Locked", "erin@example.org", c)
            s.modify(self.user_dn("erin"), c, pwdAccountLockedTime="000001010000Z")
            self.add_person("frank", "Frank Nomail", None, c)
            self.add_group("agents", self.user_dn("alice"), conn=c)
            self.add_group("staff", self.group_dn("agents"), conn=c)
            self.add_group("leads", self.user_dn("carol"), conn=c)
            self.add_group("vips", self.user_dn("carol"), conn=c)
            self.add_group("admins", self.user_dn("admin"), conn=c)
            self.add_group("loop-a", self.user_dn("alice"), conn=c)
            self.add_group("loop-b", self.group_dn("loop-a"), conn=c)
            s.modify(self.group_dn("loop-a"), c, member=[self.user_dn("alice"), self.group_dn("loop-b")])

    def config(self) -> dict:
        return {
            "LDAP_URL": self.server.uri, "LDAP_ALLOW_PLAINTEXT": True, "LDAP_START_TLS": False, "LDAP_CA_FILE": "",
            "LDAP_BIND_DN": self.server.admin_dn, "LDAP_BIND_PASSWORD": self.server.admin_password,
            "LDAP_USER_BASE": self.people, "LDAP_GROUP_BASE": self.groups,
            "LDAP_VIP_ATTRIBUTE": "businessCategory", "LDAP_VIP_VALUES": "VIP", "LDAP_VIP_GROUP": self.group_dn("vips"),
            "LDAP_DISABLED_ATTRIBUTE": "employeeType", "LDAP_DISABLED_VALUES": "disabled",
            "LDAP_NETWORK_TIMEOUT": 2, "LDAP_TIMEOUT": 2,
            "LDAP_PAGE_SIZE": 3,  # small pages: the paged search is exercised
        }

    def entry_uuid(self, uid: str) -> str:
        with self.server.admin() as conn:
            [(_, attrs)] = conn.search_s(self.user_dn(uid), ldap.SCOPE_BASE, attrlist=["entryUUID"])
        return attrs["entryUUID"][0].decode()

    def set(self, uid: str, **attrs) -> None:
        self.server.modify(self.user_dn(uid), **attrs)

    def delete(self, uid: str) -> None:
        self.server.delete(self.user_dn(uid))


@pytest.fixture
def directory(slapd, app, monkeypatch):
    d = Directory(slapd, f"ou=t{next(_seq)},{BASE}")
    d.populate()
    for key, value in d.config().items():
        monkeypatch.setitem(app.config, key, value)
    yield d
    slapd.delete_tree(d.root)


@pytest.fixture
def map_group(app):
    def add(group_dn: str, role=None, team=None) -> GroupMapping:
        mapping = GroupMapping(source=AuthSource.ldap, group=group_dn, role=role, team=team)
        db.session.add(mapping)
        db.session.commit()
        return mapping

    return add


@pytest.fixture
def password():
    return PASSWORDS.__getitem__
