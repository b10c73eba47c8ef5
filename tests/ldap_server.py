"""A throwaway OpenLDAP (slapd) for tests: free loopback ports, all state in a temp dir, no systemd.

Like ../shared/recipes/slapd.sh, plus: a self-signed CA and a server certificate made with openssl
(LDAPS and StartTLS), the ppolicy overlay (lockout after failed binds, administrative locks) and the
memberof overlay. Entries are added online, so that memberof fills in ``memberOf``. Like many real
directories it accepts a DN with an empty password as an anonymous bind (``olcAllows: bind_anon_dn``).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import ldap
import ldap.modlist

from .servers import free_port

BASE = "dc=example,dc=org"
ADMIN_DN = f"cn=admin,{BASE}"
ADMIN_PASSWORD = "adminpw"
POLICY_DN = f"cn=default,ou=policies,{BASE}"
#: failed binds before ppolicy locks an account
MAX_FAILURES = 3


@dataclass
class LdapServer:
    uri: str
    ldaps_uri: str
    #: the CA that signed the server certificate
    ca_file: str
    #: a CA that did not: verification against it must fail
    other_ca_file: str
    base: str = BASE
    admin_dn: str = ADMIN_DN
    admin_password: str = ADMIN_PASSWORD

    def connect(self):
        conn = ldap.initialize(self.uri)
        conn.simple_bind_s(self.admin_dn, self.admin_password)
        return conn

    @contextlib.contextmanager
    def admin(self):
        conn = self.connect()
        try:
            yield conn
        finally:
            conn.unbind_s()

    def add(self, dn: str, attrs: dict[str, object], conn=None) -> str:
        """Add an entry; values may be str or lists of str. Pass ``conn`` (from admin()) to add many quickly."""
        values = {k: [v.encode() for v in ([vs] if isinstance(vs, str) else vs)] for k, vs in attrs.items()}
        if conn is not None:
            conn.add_s(dn, ldap.modlist.addModlist(values))
            return dn
        with self.admin() as conn:
            conn.add_s(dn, ldap.modlist.addModlist(values))
        return dn

    def modify(self, dn: str, conn=None, **attrs: str | list[str] | None) -> None:
        """Replace attributes (None deletes them)."""
        mods = [(ldap.MOD_REPLACE, k, None if v is None else [x.encode() for x in ([v] if isinstance(v, str) else v)])
                for k, v in attrs.items()]
        if conn is not None:
            conn.modify_s(dn, mods)
            return
        with self.admin() as conn:
            conn.modify_s(dn, mods)

    def delete(self, dn: str) -> None:
        with self.admin() as conn:
            conn.delete_s(dn)

    def delete_tree(self, dn: str) -> None:
        with self.admin() as conn:
            # groups first: removing their members one by one could leave a groupOfNames empty (invalid)
            groups = conn.search_s(dn, ldap.SCOPE_SUBTREE, "(objectClass=groupOfNames)", ["1.1"])
            entries = conn.search_s(dn, ldap.SCOPE_SUBTREE, "(!(objectClass=groupOfNames))", ["1.1"])
            for entry_dn, _ in groups + sorted(entries, key=lambda e: -len(ldap.dn.str2dn(e[0]))):
                conn.delete_s(entry_dn)


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certificates(directory: Path) -> None:
    """ca.pem/server.pem/server.key (server cert for 127.0.0.1 and localhost) and other-ca.pem."""
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    ca_ext = ("-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    for name in ("ca", "other-ca"):
        _openssl("req", "-x509", *ec, "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
                 "-subj", f"/CN=Servicedesk test {name}", *ca_ext, cwd=directory)
    _openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost", cwd=directory)
    (directory / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.pem", "-days", "2", "-extfile", "server.ext", cwd=directory)


def _config_ldif(d: Path) -> str:
    return f"""\
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {d}/slapd.pid
olcAllows: bind_anon_dn
olcTLSCACertificateFile: {d}/ca.pem
olcTLSCertificateFile: {d}/server.pem
olcTLSCertificateKeyFile: {d}/server.key

dn: cn=module,cn=config
objectClass: olcModuleList
cn: module
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: memberof
olcModuleLoad: ppolicy

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase=mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: mdb
olcSuffix: {BASE}
olcRootDN: {ADMIN_DN}
olcRootPW: {ADMIN_PASSWORD}
olcDbDirectory: {d}/db
olcDbNoSync: TRUE
olcAccess: to attrs=userPassword by anonymous auth by self write by * none
olcAccess: to * by users read by * none

dn: olcOverlay=memberof,olcDatabase={{1}}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOf
olcOverlay: memberof
olcMemberOfRefInt: TRUE

dn: olcOverlay=ppolicy,olcDatabase={{1}}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcPPolicyConfig
olcOverlay: ppolicy
olcPPolicyDefault: {POLICY_DN}
olcPPolicyUseLockout: TRUE
"""


def _wait_until_ready(uri: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 10
    while True:
        conn = ldap.initialize(uri)
        conn.set_option(ldap.OPT_NETWORK_TIMEOUT, 1)
        try:
            conn.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)
            return
        except ldap.SERVER_DOWN:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"slapd did not start:\n{log.read_text()}") from None
            time.sleep(0.02)
        finally:
            conn.unbind_s()


@contextlib.contextmanager
def slapd_server():
    """Start slapd on ldap:// and ldaps:// loopback ports; yields an LdapServer with the base entries,
    a password policy (lockout after MAX_FAILURES failed binds) and nothing else."""
    directory = Path(tempfile.mkdtemp(prefix="sd-slapd-"))
    process = None
    try:
        (directory / "slapd.d").mkdir()
        (directory / "db").mkdir()
        make_certificates(directory)
        (directory / "config.ldif").write_text(_config_ldif(directory))
        subprocess.run(["slapadd", "-q", "-n0", "-F", str(directory / "slapd.d"), "-l",
                        str(directory / "config.ldif")], check=True, capture_output=True)
        port, tls_port = free_port(), free_port()
        uri, ldaps_uri = f"ldap://127.0.0.1:{port}", f"ldaps://127.0.0.1:{tls_port}"
        log = directory / "slapd.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(["slapd", "-d", "0", "-h", f"{uri}/ {ldaps_uri}/", "-F",
                                        str(directory / "slapd.d")], stdout=out, stderr=subprocess.STDOUT)
        _wait_until_ready(uri, process, log)
        server = LdapServer(uri=uri, ldaps_uri=ldaps_uri, ca_file=str(directory / "ca.pem"),
                            other_ca_file=str(directory / "other-ca.pem"))
        server.add(BASE, {"objectClass": ["dcObject", "organization"], "dc": "example", "o": "Example Org"})
        server.add(f"ou=policies,{BASE}", {"objectClass": "organizationalUnit", "ou": "policies"})
        server.add(POLICY_DN, {
            "objectClass": ["device", "pwdPolicy"], "cn": "default", "pwdAttribute": "userPassword",
            "pwdLockout": "TRUE", "pwdMaxFailure": str(MAX_FAILURES), "pwdLockoutDuration": "300",
            "pwdFailureCountInterval": "300",
        })
        yield server
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(directory, ignore_errors=True)
