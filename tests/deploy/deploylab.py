"""Helpers of the deployment tests: offline bundles of two commits (and deliberately broken ones), the
booted Debian target of lab.sh, ansible-playbook runs against it, and HTTPS requests through its nginx
with the certificate verified."""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tarfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_DIR = ROOT / "ansible"
LAB = Path(__file__).with_name("lab.sh")
BIN = Path(sys.executable).parent  # the venv with ansible-playbook and ansible-lint
WORK = Path(os.environ.get("SERVICEDESK_E2E_WORK", "/tmp/servicedesk-e2e"))
CACHE = Path(os.environ.get("SERVICEDESK_E2E_CACHE", "/var/cache/servicedesk-e2e"))
T0 = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f}s] {message}", flush=True)


def run(cmd, *, check=True, cwd=None, env=None, timeout=900, input=None) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, cwd=cwd, env=env, timeout=timeout, input=input, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} exited {result.returncode}:\n{result.stdout[-6000:]}")
    return result


def tool_env() -> dict[str, str]:
    """The environment for ansible and the bundle builder: this venv's tools first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}:{env.get('PATH', '/usr/bin:/bin')}"
    env.setdefault("ANSIBLE_FORCE_COLOR", "0")
    env["ANSIBLE_NOCOLOR"] = "1"
    return env


# --- sources and bundles --------------------------------------------------------------------------

def git(*args: str, check=True) -> subprocess.CompletedProcess:
    return run(["git", "-C", str(ROOT), *args], check=check)


def version_of(src: Path) -> str:
    text = (src / "app/core/version.py").read_text()
    return re.search(r'^VERSION\s*=\s*["\']([^"\']+)["\']', text, re.M).group(1)


def schema_head_of(src: Path) -> str:
    """The alembic head of a source tree: the revision no other revision builds on."""
    revisions, parents = set(), set()
    for path in (src / "migrations/versions").glob("*.py"):
        text = path.read_text()
        revision = re.search(r'^revision\s*=\s*["\']([^"\']+)["\']', text, re.M)
        down = re.search(r'^down_revision\s*=\s*["\']([^"\']+)["\']', text, re.M)
        if revision:
            revisions.add(revision.group(1))
        if down:
            parents.add(down.group(1))
    heads = revisions - parents
    assert len(heads) == 1, f"{src}: expected one alembic head, found {sorted(heads)}"
    return heads.pop()


@dataclass
class Source:
    path: Path
    release: str
    version: str
    schema_head: str
    label: str


def previous_source(dest: Path) -> Source | None:
    """The previous release: the parent commit if it can build a bundle, else HEAD (the first commit
    with packaging). None when neither has packaging/bundle/build.sh (then only the working tree can)."""
    for rev in ("HEAD~1", "HEAD"):
        sha = git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False).stdout.strip()
        if not sha or git("cat-file", "-e", f"{sha}:packaging/bundle/build.sh", check=False).returncode:
            continue
        # `git archive` reads the commit without touching the work tree, the index or any ref
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", sha],
                                 stdout=subprocess.PIPE, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(dest, filter="tar")
        version = version_of(dest)
        return Source(dest, f"{version}+g{sha[:8]}", version, schema_head_of(dest), f"{rev} ({sha[:8]})")
    return None


def working_tree_source(avoid: str) -> Source:
    version = version_of(ROOT)
    sha = git("rev-parse", "--short=8", "HEAD", check=False).stdout.strip() or "nogit"
    release = f"{version}+g{sha}"
    if release == avoid:  # the same commit as the "previous" build: keep the release directories apart
        release += ".next"
    return Source(ROOT, release, version, schema_head_of(ROOT), "working tree")


def build_bundle(src: Path, release: str, out: Path) -> Path:
    """packaging/bundle/build.sh of that source tree, with a wheel cache shared between runs."""
    out.mkdir(parents=True, exist_ok=True)
    tarball = out / f"servicedesk-{release}-bundle.tar.gz"
    env = tool_env()
    env.update(SERVICEDESK_RELEASE=release, SERVICEDESK_WHEEL_CACHE=str(CACHE / "wheels"),
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    result = run(["bash", str(src / "packaging/bundle/build.sh"), str(out)], env=env, timeout=1200)
    assert result.stdout.strip().splitlines()[-1] == str(tarball), result.stdout[-3000:]
    return tarball


def _wheel_with_file(wheel: Path, arcname: str, content: str) -> None:
    """Add one file to a wheel, with its RECORD line, in place."""
    data = content.encode()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    tmp = wheel.with_suffix(".tmp")
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename.endswith(".dist-info/RECORD"):
                body += f"{arcname},sha256={digest},{len(data)}\n".encode()
            dst.writestr(item, body)
        dst.writestr(arcname, data)
    tmp.replace(wheel)


def broken_bundle(good: Path, release: str, head: str, out: Path, *, fail_in_migration: bool) -> Path:
    """A copy of a good bundle whose release fails on purpose, named RELEASE:
    fail_in_migration: its new migration raises (the upgrade's preflight must catch it);
    else: its migration works (it adds a table) but the app never starts (gunicorn.conf.py exits),
    so the upgrade fails after switching and must roll back the release and the database."""
    return _variant(good, release, head, out, "migration" if fail_in_migration else "start")


def renamed_bundle(good: Path, release: str, out: Path) -> Path:
    """The same release under another id: a second bundle to upgrade to, without another build."""
    return _variant(good, release, "", out, None)


def _variant(good: Path, release: str, head: str, out: Path, failure: str | None) -> Path:
    work = out / f"repack-{release}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    with tarfile.open(good) as tar:
        tar.extractall(work, filter="tar")
    (top,) = work.iterdir()
    (wheel,) = (top / "wheels").glob("servicedesk-*.whl")
    body = ('    op.create_table("e2e_forced_failure", sa.Column("id", sa.Integer, primary_key=True))\n'
            if failure != "migration" else
            '    raise RuntimeError("forced failure of the e2e test\'s broken migration")\n')
    if failure:
        _wheel_with_file(wheel, "migrations/versions/2099_12_31_9999_e2e_forced_failure.py", (
            '"""A migration of the deployment test\'s deliberately broken release."""\n'
            "import sqlalchemy as sa\nfrom alembic import op\n\n"
            f"revision = 'e2e_forced_failure'\ndown_revision = '{head}'\nbranch_labels = None\ndepends_on = None\n\n\n"
            f"def upgrade() -> None:\n{body}\n\n"
            "def downgrade() -> None:\n    op.drop_table('e2e_forced_failure')\n"))
    if failure == "start":
        with (top / "gunicorn.conf.py").open("a") as conf:
            conf.write('\nraise SystemExit("forced failure of the e2e test: this release never starts")\n')
    (top / "RELEASE").write_text(release + "\n")
    files = sorted(p.relative_to(top).as_posix() for p in top.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    (top / "SHA256SUMS").write_text("".join(
        f"{hashlib.sha256((top / f).read_bytes()).hexdigest()}  {f}\n" for f in files))
    tarball = out / f"servicedesk-{release}-bundle.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(top, arcname=top.name)
    shutil.rmtree(work)
    return tarball


# --- the target -----------------------------------------------------------------------------------

@dataclass
class Target:
    name: str
    ip: str
    root: Path
    ssh_user: str
    ssh_key: str


def _lab_env(hosts: list[str] | None = None, shared: list[str] | None = None) -> dict[str, str]:
    env = dict(os.environ, WORK=str(WORK), CACHE=str(CACHE))
    if hosts:
        env["LAB_HOSTS"] = " ".join(hosts)
    if shared:
        env["LAB_SHARED_DATA"] = " ".join(shared)
    return env


def lab(*args: str, timeout=900, hosts=None, shared=None) -> subprocess.CompletedProcess:
    return run(["bash", str(LAB), *args], env=_lab_env(hosts, shared), timeout=timeout)


def lab_up(hosts: list[str] | None = None, shared: list[str] | None = None) -> list[Target]:
    """Boot the targets (default: one, servicedesk-target); the first one is the default of inside()."""
    lab("down", timeout=300)  # leftovers of a killed run (CI machines are reused)
    lab("up", hosts=hosts, shared=shared)
    values = [line.split("=", 1) for line in (WORK / "target.env").read_text().split()]
    settings = {k: v for k, v in values if k != "TARGET"}
    targets = []
    for key, value in values:
        if key == "TARGET":
            name, ip, root = value.split(":", 2)
            targets.append(Target(name, ip, Path(root), settings["SSH_USER"], settings["SSH_KEY"]))
    return targets


def inside(*cmd: str, check=True, input=None, host: str | None = None, hosts=None) -> subprocess.CompletedProcess:
    """Run a command inside a booted target (the first one unless host names another)."""
    env = _lab_env(hosts)
    if host:
        env["LAB_HOST"] = host
    return run(["bash", str(LAB), "sh", *cmd], env=env, check=check, timeout=300, input=input)


def psql(sql: str) -> str:
    return inside("runuser", "-u", "postgres", "--", "psql", "-X", "-qAt", "-d", "servicedesk", "-c", sql
                  ).stdout.strip()


def servicedesk_cli(*args: str, check=True) -> subprocess.CompletedProcess:
    """The active release's `servicedesk` command as the service user, configured like the unit."""
    return inside("runuser", "-u", "servicedesk", "--", "env", "SERVICEDESK_CONFIG=/etc/servicedesk/servicedesk.cfg",
                  "/opt/servicedesk/current/venv/bin/servicedesk", *args, check=check)


def write_inventory(target: Target) -> Path:
    """The example single-host inventory, pointed at the target."""
    inventory = WORK / "inventory"
    shutil.rmtree(inventory, ignore_errors=True)
    shutil.copytree(ANSIBLE_DIR / "inventories/single", inventory)
    ssh_args = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10"
    (inventory / "hosts.yml").write_text(json.dumps({"all": {"children": {
        "servicedesk_app": {"hosts": {target.name: {
            "ansible_host": target.ip, "ansible_user": target.ssh_user,
            "ansible_ssh_private_key_file": target.ssh_key, "ansible_ssh_common_args": ssh_args}}},
        "servicedesk_db": {"hosts": {target.name: None}},
    }}}, indent=2))
    group_vars = inventory / "group_vars/all.yml"
    group_vars.write_text(group_vars.read_text() + (
        f"\n# the e2e target (two cores shared with the controller: two gunicorn workers are plenty)\n"
        f"servicedesk_server_name: {target.name}\nservicedesk_server_aliases: [{target.ip}]\nservicedesk_workers: 2\n"))
    return inventory


@dataclass
class PlayResult:
    rc: int
    output: str
    recap: dict[str, int]


def playbook(inventory: Path, name: str, *extra: str, log_name: str) -> PlayResult:
    cmd = [str(BIN / "ansible-playbook"), "-i", str(inventory), name, *extra]
    started = time.monotonic()
    result = run(cmd, cwd=ANSIBLE_DIR, env=tool_env(), check=False, timeout=1200)
    (WORK / f"{log_name}.log").write_text(result.stdout)
    recap = {}
    match = re.search(r"PLAY RECAP \*+\n\S+\s+:\s+(.*)", result.stdout)
    if match:
        recap = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))}
    log(f"{name} {' '.join(extra)}: rc={result.returncode} {recap} in {time.monotonic() - started:.0f}s")
    return PlayResult(result.returncode, result.stdout, recap)


def tail(result: PlayResult, lines=60) -> str:
    return "\n".join(result.output.splitlines()[-lines:])


# --- HTTPS through the target's nginx, certificate verified ---------------------------------------

class Https:
    """Requests to https://<target name>/ at the target's address, verified against its certificate."""

    def __init__(self, target: Target, token: str | None = None, server_name: str | None = None,
                 cafile: Path | None = None):
        self.target = target
        self.token = token
        self.server_name = server_name or target.name
        self.cafile = cafile or target.root / "etc/servicedesk/tls/servicedesk.crt"
        self._context = None

    @property
    def context(self) -> ssl.SSLContext:
        """Trusts only the given CA, by default the target's own (self-signed) certificate."""
        if self._context is None:
            self._context = ssl.create_default_context(cafile=str(self.cafile))
        return self._context

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        target = self.target

        class Connection(http.client.HTTPSConnection):
            def connect(self):  # the name for SNI and verification, the address for the socket
                sock = socket.create_connection((target.ip, 443), timeout=20)
                self.sock = self._context.wrap_socket(sock, server_hostname=self.host)

        conn = Connection(self.server_name, 443, context=self.context, timeout=20)
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def json(self, method: str, path: str, payload=None, expect=200):
        body = json.dumps(payload).encode() if payload is not None else None
        headers = {"Content-Type": "application/json", "Accept": "application/json"} if body else {}
        status, _, data = self.request(method, path, body, headers)
        assert status == expect, f"{method} {path}: {status} {data[:500]!r}"
        return json.loads(data) if data else None

    def upload(self, path: str, filename: str, content: bytes, content_type: str):
        boundary = "e2e-" + hashlib.sha256(content).hexdigest()[:16]
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
                f"Content-Type: {content_type}\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        status, _, data = self.request("POST", path, body, headers)
        assert status == 201, f"upload: {status} {data[:500]!r}"
        return json.loads(data)

    def wait_ready(self, timeout=90) -> dict:
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            try:
                status, _, data = self.request("GET", "/readyz")
                last = (status, data[:400])
                if status == 200:
                    return json.loads(data)
            except OSError as exc:
                last = exc
            time.sleep(1)
        raise AssertionError(f"https://{self.server_name}/readyz at {self.target.ip} not ready after {timeout}s: "
                             f"{last!r}")
