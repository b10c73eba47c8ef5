#!/usr/bin/env bash
# Install what the tests need (Debian 12) and run the whole suite twice: on SQLite, then on a throwaway
# PostgreSQL 15 cluster. ruff and the import-linter layer contract run as tests (tests/core/test_lint.py).
# Exits non-zero if anything fails, or if a pass runs no test at all.
#   bash packaging/dev/run-tests.sh [PYTEST ARGS...]     e.g.  -x -k demo
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1

# System packages the tests use, started by the tests themselves on free loopback ports:
# PostgreSQL 15 (throwaway clusters), OpenLDAP (slapd), xmlsec1 (SAML signatures), openssl (test
# certificates), Chromium and its driver (browser tests); for the packaging tests: nginx (nginx -t and
# a real proxy), systemd (systemd-analyze verify), logrotate, shellcheck, dpkg-dev (building the .deb);
# for the install/upgrade test on a booted Debian 12 (tests/deploy): debootstrap, systemd-container
# (systemd-nspawn), apt-cacher-ng (the target's only way out), iproute2 (network namespaces), ssh.
SYSTEM_PACKAGES=(postgresql-15 slapd ldap-utils xmlsec1 openssl chromium chromium-driver
                 nginx systemd logrotate shellcheck dpkg-dev
                 debootstrap systemd-container apt-cacher-ng iproute2 openssh-client)

set -e
apt_install "${SYSTEM_PACKAGES[@]}"
ensure_venv test
set +e

failed=()
run_pass() {  # run_pass NAME [ENV=VALUE...]: one pytest pass over the whole suite
    local name=$1 rc
    shift
    say "tests on $name"
    env "$@" "$VENV/bin/python" -m pytest -p no:cacheprovider -q "${PYTEST_ARGS[@]}"
    rc=$?
    if [ "$rc" -eq 5 ]; then
        echo "no tests ran on $name: that counts as a failure" >&2
    fi
    [ "$rc" -eq 0 ] || failed+=("$name (pytest exit $rc)")
}

PYTEST_ARGS=("$@")
run_pass SQLite SERVICEDESK_TEST_DB=sqlite
run_pass PostgreSQL SERVICEDESK_TEST_DB=postgresql

if [ ${#failed[@]} -ne 0 ]; then
    say "FAILED: ${failed[*]}"
    exit 1
fi
say "all tests passed on SQLite and PostgreSQL"
