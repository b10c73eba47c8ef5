#!/bin/bash
# The .deb's whole life on a booted Debian 12 (systemd-nspawn, real systemd as PID 1; the throwaway
# host of tests/deploy/lab.sh, in a network namespace of its own whose only way out is an apt proxy,
# so the package must install without PyPI):
#   install OLD (fresh host: user, config, venv, migration, service up), edit the admin's
#   configuration, upgrade to NEW (edits kept, new release current, previous kept, service up),
#   remove (service stopped, programs gone, configuration kept), purge (configuration gone, data kept).
#   bash tests/packaging/deb_e2e.sh OLD.deb NEW.deb
# Needs root. Run by tests/packaging/test_deb.py when SERVICEDESK_SLOW_DEPLOY=1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
old=$(realpath "$1") new=$(realpath "$2")
# a lab of its own (name, addresses, caches), so it can run beside the Ansible end-to-end test
export WORK=${WORK:-/tmp/servicedesk-deb-e2e} CACHE=${CACHE:-/var/cache/servicedesk-deb-e2e}
export NS=${NS:-sddeb} HOST_IP=${HOST_IP:-10.233.0.1} TGT_IP=${TGT_IP:-10.233.0.2}
export TARGET_NAME=servicedesk-deb T0=${T0:-$(date +%s.%N)}
lab="$root/tests/deploy/lab.sh"
log() { awk -v t0="$T0" -v now="$(date +%s.%N)" -v m="$*" 'BEGIN { printf "[%6.1fs] deb: %s\n", now - t0, m }' >&2; }
inside() { "$lab" sh sh -c "$1"; }
fail() { log "FAILED: $*"; inside 'journalctl -u servicedesk --no-pager -n 60' >&2 || true; exit 1; }
apt_in() { inside "DEBIAN_FRONTEND=noninteractive apt-get $* >/tmp/apt.log 2>&1 || { tail -30 /tmp/apt.log; exit 1; }"; }

# served() RELEASE: the unit is active, `current` is RELEASE, gunicorn answers /healthz, and /readyz
# reports ready (database, migrations at head, a scheduler leader, the outbox) with this version
served() {
  inside 'systemctl is-active -q servicedesk.service' || fail "servicedesk.service is not active"
  [ "$(inside 'readlink /opt/servicedesk/current')" = "releases/$1" ] || fail "current is not releases/$1"
  local code ready=
  code=$(inside 'curl -s -o /dev/null -w "%{http_code}" --retry 30 --retry-connrefused --retry-delay 1 http://127.0.0.1:8000/healthz' || true)
  [ "$code" = 200 ] || fail "GET /healthz answered $code"
  for _ in $(seq 60); do
    if inside "curl -fsS http://127.0.0.1:8000/readyz >/tmp/readyz.json 2>/dev/null"; then ready=yes; break; fi
    sleep 1
  done
  [ -n "$ready" ] || fail "GET /readyz: $(inside 'curl -s http://127.0.0.1:8000/readyz')"
  inside "python3 -c 'import json, sys; r = json.load(open(\"/tmp/readyz.json\")); \
sys.exit(not (r[\"version\"] == \"$version\" and r[\"schema\"][\"current\"] == r[\"schema\"][\"head\"]))'" \
    || fail "/readyz: $(inside 'cat /tmp/readyz.json')"
  log "release $1 serves and is ready: $(inside 'cat /tmp/readyz.json' | cut -c1-160)"
}

"$lab" down >/dev/null 2>&1 || true
trap '"$lab" down >/dev/null 2>&1' EXIT
"$lab" up
rootfs=$WORK/rootfs
install -d "$rootfs/root/debs"
cp "$old" "$new" "$rootfs/root/debs/"
old_release=$(dpkg-deb -f "$old" Description | sed -n 's|.*/opt/servicedesk/releases/\([^ ]*\)\.$|\1|p')
new_release=$(dpkg-deb -f "$new" Description | sed -n 's|.*/opt/servicedesk/releases/\([^ ]*\)\.$|\1|p')
version=${new_release%%+*}
apt_in 'update -q'
apt_in "install -y -q --no-install-recommends curl"

log "install $(basename "$old")"
apt_in "install -y -q --no-install-recommends /root/debs/$(basename "$old")"
served "$old_release"
inside 'id servicedesk && [ "$(stat -c %U:%G:%a /etc/servicedesk/servicedesk.cfg)" = root:servicedesk:640 ]' >/dev/null \
  || fail "user or configuration file permissions"
[ "$(inside 'servicedesk --version')" = "servicedesk $version" ] || fail "servicedesk --version"
inside 'systemctl is-enabled -q servicedesk-backup.timer' || fail "backup timer not enabled"

log "admin edits the configuration, then upgrade to $(basename "$new")"
inside 'echo "# kept across upgrades" >>/etc/servicedesk/servicedesk.env; echo "LOG_LEVEL = \"WARNING\"" >>/etc/servicedesk/servicedesk.cfg'
apt_in "install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold /root/debs/$(basename "$new")"
served "$new_release"
inside 'grep -q "^# kept across upgrades" /etc/servicedesk/servicedesk.env && grep -q "^LOG_LEVEL = \"WARNING\"" /etc/servicedesk/servicedesk.cfg' \
  || fail "the admin's edits were lost"
inside "[ -x /opt/servicedesk/releases/$old_release/venv/bin/servicedesk ]" || fail "previous release not kept"
log "edits kept, previous release kept for rollback"

log "backup through the hardened backup unit, then a trial restore of it"
inside 'systemctl start servicedesk-backup.service' || fail "servicedesk-backup.service failed"
archive=$(inside 'ls -1t /var/backups/servicedesk/servicedesk-*.tar.gz | head -n 1')
[ -n "$archive" ] || fail "no archive in /var/backups/servicedesk"
inside "servicedesk restore $archive --verify" >/dev/null || fail "servicedesk restore $archive --verify"
log "backup $archive restores"

log "reboot: the enabled unit must come back"
"$lab" reboot
served "$new_release"

apt_in 'remove -y -q servicedesk'
inside '! systemctl is-active -q servicedesk.service' || fail "still running after remove"
inside '[ ! -e /opt/servicedesk/current ] && [ -f /etc/servicedesk/servicedesk.cfg ]' || fail "remove"
log "removed: stopped, programs gone, configuration kept"
apt_in 'purge -y -q servicedesk'
inside '[ ! -e /etc/servicedesk/servicedesk.cfg ] && [ ! -e /etc/servicedesk/servicedesk.env ] && [ -f /var/lib/servicedesk/servicedesk.db ]' \
  || fail "purge"
log "purged: configuration gone, data kept; deb e2e OK"
