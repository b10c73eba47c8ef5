"""The multi-host inventory on three booted Debian 12 hosts (lab.sh): one PostgreSQL host and two app
hosts sharing the attachment directory. Install, a second run that changes nothing, the same data
through either app host, one scheduler leader for the whole installation, and an upgrade of both.

The slower job (about 6-10 minutes): opt in with SERVICEDESK_DEPLOY_E2E_MULTI=1 (root needed), e.g.
  SERVICEDESK_DEPLOY_E2E_MULTI=1 .venv/bin/python -m pytest tests/deploy/test_e2e_multi.py -s
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time

import pytest

from . import deploylab as d

pytestmark = [
    pytest.mark.skipif(os.environ.get("SERVICEDESK_DEPLOY_E2E_MULTI") != "1",
                       reason="slow job: SERVICEDESK_DEPLOY_E2E_MULTI=1 runs it"),
    pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                       reason="needs root (network namespaces, systemd-nspawn)"),
]

DB, APP1, APP2 = "servicedesk-db", "servicedesk-app1", "servicedesk-app2"
SERVER_NAME = "servicedesk.test"


def _inventory(targets: dict[str, d.Target], crt, key) -> object:
    inventory = d.WORK / "inventory-multi"
    shutil.rmtree(inventory, ignore_errors=True)
    shutil.copytree(d.ANSIBLE_DIR / "inventories/multi", inventory)
    ssh_args = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10"

    def host(name):
        return {"ansible_host": targets[name].ip}

    (inventory / "hosts.yml").write_text(json.dumps({"all": {
        "vars": {"ansible_user": targets[DB].ssh_user, "ansible_ssh_private_key_file": targets[DB].ssh_key,
                 "ansible_ssh_common_args": ssh_args},
        "children": {"servicedesk_app": {"hosts": {APP1: host(APP1), APP2: host(APP2)}},
                     "servicedesk_db": {"hosts": {DB: host(DB)}}},
    }}, indent=2))
    group_vars = inventory / "group_vars/all.yml"
    group_vars.write_text(group_vars.read_text().replace(
        "servicedesk_server_name: servicedesk.example.internal", f"servicedesk_server_name: {SERVER_NAME}")
        + f"\nservicedesk_workers: 2\nservicedesk_tls_cert: {crt}\nservicedesk_tls_key: {key}\n")
    return inventory


def _site_certificate(directory) -> tuple:
    """A CA and a certificate for SERVER_NAME signed by it: the "provided certificate" of a site."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, csr, crt = (directory / n for n in ("ca.key", "ca.crt", "site.key", "site.csr", "site.crt"))
    d.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=E2E test CA",
           "-keyout", str(ca_key), "-out", str(ca)])
    d.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={SERVER_NAME}",
           "-keyout", str(key), "-out", str(csr)])
    ext = directory / "san.ext"
    ext.write_text(f"subjectAltName=DNS:{SERVER_NAME}\nbasicConstraints=CA:FALSE\n")
    d.run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
           "-days", "2", "-extfile", str(ext), "-out", str(crt)])
    return ca, crt, key


def test_two_app_hosts_over_one_database_host():
    started = time.monotonic()
    d.WORK.mkdir(parents=True, exist_ok=True)
    bundles = d.WORK / "bundles"
    new = d.working_tree_source(avoid="")
    bundle = d.build_bundle(new.path, new.release, bundles)
    next_bundle = d.renamed_bundle(bundle, new.release + ".next", bundles)
    never_starts = d.broken_bundle(bundle, new.release + ".neverstarts", new.schema_head, bundles,
                                   fail_in_migration=False)
    ca, crt, key = _site_certificate(d.WORK / "site-tls")
    d.log(f"bundles {bundle.name}, {next_bundle.name}")

    hosts = [DB, APP1, APP2]
    targets = {t.name: t for t in d.lab_up(hosts=hosts, shared=[APP1, APP2])}
    try:
        inventory = _inventory(targets, crt, key)
        play = d.playbook(inventory, "site.yml", "-e", f"servicedesk_bundle={bundle}", log_name="m1-install")
        assert play.rc == 0, d.tail(play)
        # both nginx serve the site's certificate, verified against the site's CA
        https = {name: d.Https(targets[name], server_name=SERVER_NAME, cafile=ca) for name in (APP1, APP2)}
        leaders = set()
        for client in https.values():
            ready = client.wait_ready()
            assert ready["status"] == "ok" and ready["version"] == new.version, ready
            assert ready["schema"] == {"current": new.schema_head, "head": new.schema_head}, ready
            leaders.add(ready["checks"]["scheduler"]["detail"].split(" pid")[0])
        assert len(leaders) == 1, f"both app hosts must see the same single scheduler leader: {leaders}"
        d.log(f"both app hosts ready; scheduler: {leaders.pop()}")
        # the database is on its own host and listens for the app hosts only with a password
        hba = d.inside("cat", "/etc/postgresql/15/main/pg_hba.conf", host=DB, hosts=hosts).stdout
        assert f"{targets[APP1].ip}/32  scram-sha-256" in hba and f"{targets[APP2].ip}/32  scram-sha-256" in hba
        d.inside("test", "!", "-e", "/opt/servicedesk", host=DB, hosts=hosts)

        play = d.playbook(inventory, "site.yml", "-e", f"servicedesk_bundle={bundle}", log_name="m2-idempotent")
        assert play.rc == 0, d.tail(play)
        assert all(re_count == 0 for re_count in _changed_per_host(play.output).values()), play.output[-3000:]

        # data written through one app host is there through the other (same database, shared storage)
        cli = ["runuser", "-u", "servicedesk", "--", "env", "SERVICEDESK_CONFIG=/etc/servicedesk/servicedesk.cfg",
               "/opt/servicedesk/current/venv/bin/servicedesk"]
        d.inside(*cli, "create-user", "admin@example.test", "--role", "admin", host=APP1, hosts=hosts)
        token = d.inside(*cli, "create-token", "admin@example.test", host=APP1, hosts=hosts).stdout.split()[-1]
        https[APP1].token = https[APP2].token = token
        ticket = https[APP1].json("POST", "/api/v1/tickets", {"subject": "Printer on fire", "type": "incident",
                                                               "impact": "high", "urgency": "high"}, expect=201)
        content = b"%PDF-1.4\n" + os.urandom(100_000)
        attachment = https[APP1].upload(f"/api/v1/tickets/{ticket['id']}/attachments", "fire.pdf", content,
                                        "application/pdf")
        download = f"/api/v1/tickets/{ticket['id']}/attachments/{attachment['id']}"

        def same_file_through_app2():
            status, _, body = https[APP2].request("GET", download)
            assert status == 200 and hashlib.sha256(body).digest() == hashlib.sha256(content).digest(), status

        same_file_through_app2()

        play = d.playbook(inventory, "upgrade.yml", "-e", f"servicedesk_bundle={next_bundle}", log_name="m3-upgrade")
        assert play.rc == 0, d.tail(play)
        for name in (APP1, APP2):
            https[name].wait_ready()
            link = d.inside("readlink", "/opt/servicedesk/current", host=name, hosts=hosts).stdout.strip()
            assert link == f"releases/{new.release}.next", (name, link)
        same_file_through_app2()

        # restore with the database on its own host (the trial restore needs its password too)
        play = d.playbook(inventory, "backup.yml", log_name="m4-backup")
        assert play.rc == 0, d.tail(play)
        archive = play.output.split("backup of release ")[1].split(": ", 1)[1].split('"')[0].strip()
        later = https[APP2].json("POST", "/api/v1/tickets", {"subject": "After the backup", "type": "incident",
                                                              "impact": "low", "urgency": "low"}, expect=201)
        play = d.playbook(inventory, "restore.yml", "-e", f"servicedesk_restore_archive={archive}",
                          log_name="m5-restore")
        assert play.rc == 0, d.tail(play)
        status, _, _ = https[APP1].request("GET", f"/api/v1/tickets/{later['id']}")
        assert status == 404, status
        same_file_through_app2()

        # a release that never starts, on both app hosts: both go back, the database is restored
        play = d.playbook(inventory, "upgrade.yml", "-e", f"servicedesk_bundle={never_starts}",
                          "-e", "servicedesk_ready_timeout=20", log_name="m6-rollback")
        assert play.rc != 0 and "UPGRADE FAILED, ROLLED BACK" in play.output, d.tail(play)
        for name in (APP1, APP2):
            assert https[name].wait_ready()["schema"]["current"] == new.schema_head
            link = d.inside("readlink", "/opt/servicedesk/current", host=name, hosts=hosts).stdout.strip()
            assert link == f"releases/{new.release}.next", (name, link)
        same_file_through_app2()
        d.log(f"multi-host e2e passed in {time.monotonic() - started:.0f}s")
    finally:
        if os.environ.get("SERVICEDESK_E2E_KEEP") != "1":
            d.lab("down", timeout=300)


def _changed_per_host(output: str) -> dict[str, int]:
    recap = output.split("PLAY RECAP")[-1]
    counts = {}
    for line in recap.splitlines():
        if ": ok=" in line:
            name = line.split()[0]
            counts[name] = int(line.split("changed=")[1].split()[0])
    assert len(counts) == 3, recap
    return counts
