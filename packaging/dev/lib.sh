# Shared by run-demo.sh and run-tests.sh (Debian 12): system packages and the project's virtualenv.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV=$ROOT/.venv

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        echo "need root for: $* (run as root or install sudo)" >&2
        return 1
    fi
}

# apt_install PACKAGE...: installs the Debian packages that are not installed yet (none: no apt at all).
apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing system packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# A Python 3.11 that can make virtualenvs: Debian 12's python3 with python3-venv.
ensure_python() {
    if ! python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
        apt_install python3 python3-venv
    fi
}

# What pip needs to build python-ldap (no wheels on the package index): a C compiler, the Python
# headers and the OpenLDAP/SASL headers.
ensure_build_tools() {
    local packages=(libldap2-dev libsasl2-dev)
    command -v gcc >/dev/null || packages+=(gcc libc6-dev)
    python3 -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(sysconfig.get_paths()["include"] + "/Python.h"))' \
        2>/dev/null || packages+=(python3-dev)
    apt_install "${packages[@]}"
}

# ensure_venv [EXTRA]: .venv with the project installed editable (pip runs again only when setup.cfg
# or the extras change).
ensure_venv() {
    local extra=${1:-} target=. stamp
    [ -n "$extra" ] && target=".[$extra]"
    ensure_python
    ensure_build_tools
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating $VENV"
        python3 -m venv "$VENV"
    fi
    stamp="$(sha256sum "$ROOT/setup.cfg" "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)-$extra"
    if [ "$(cat "$VENV/.servicedesk-installed" 2>/dev/null)" != "$stamp" ]; then
        say "installing Servicedesk into $VENV ($target)"
        (cd "$ROOT" && "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$target")
        echo "$stamp" > "$VENV/.servicedesk-installed"
    fi
}
