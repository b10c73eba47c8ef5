#!/bin/sh
# Install this Servicedesk bundle's release without any network access:
#   sudo ./install.sh [--prefix /opt/servicedesk] [--python python3] [--activate]
#
# 1. checks every file against SHA256SUMS;
# 2. creates PREFIX/releases/<RELEASE>/venv from the bundled wheels only (pip --no-index) with the
#    bundled constraints, and copies gunicorn.conf.py, the unit files, the nginx site, the logrotate
#    file, the example configuration and the documentation next to it.
# Running it again for an installed release changes nothing.
#
# It does not touch PREFIX/current, the database or the service unless --activate is given; then it
# also points PREFIX/current at this release, migrates the database (`servicedesk init` with the
# settings from /etc/servicedesk/servicedesk.env, as the servicedesk user) and restarts
# servicedesk.service if systemd runs it. (Ansible does those steps itself, to be able to roll back.)
# First installation of a host, step by step: docs/install.md.
set -eu
umask 022

prefix=/opt/servicedesk
python=python3
activate=no
env_file=${SERVICEDESK_ENV_FILE:-/etc/servicedesk/servicedesk.env}

usage() { sed -n '2,3p' "$0" | sed 's/^# *//' >&2; exit 2; }
die() { echo "install.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case $1 in
        --prefix) [ $# -ge 2 ] || usage; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --python) [ $# -ge 2 ] || usage; python=$2; shift 2 ;;
        --python=*) python=${1#--python=}; shift ;;
        --activate) activate=yes; shift ;;
        -h|--help) usage ;;
        *) echo "install.sh: unknown argument $1" >&2; usage ;;
    esac
done

bundle=$(cd "$(dirname "$0")" && pwd)
cd "$bundle"
[ -f RELEASE ] && [ -f SHA256SUMS ] && [ -d wheels ] || die "run me from an unpacked Servicedesk bundle"
release=$(cat RELEASE)
version=$(cat VERSION)

echo "checking the bundle's checksums"
sha256sum --check --quiet --strict SHA256SUMS || die "SHA256SUMS does not match: the bundle is damaged or was changed"
[ "$(grep -c . SHA256SUMS)" -eq "$(find . -type f ! -name SHA256SUMS | wc -l)" ] \
    || die "the bundle holds files that SHA256SUMS does not list"

"$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null \
    || die "$python is not Python 3.11 (Debian 12: apt-get install python3)"
"$python" -c 'import ensurepip, venv' 2>/dev/null \
    || die "$python cannot create virtual environments (Debian 12: apt-get install python3-venv)"

dest=$prefix/releases/$release
marker=$dest/.installed
sums=$(sha256sum SHA256SUMS | cut -d' ' -f1)
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$sums" ] && "$dest/venv/bin/servicedesk" --version >/dev/null 2>&1; then
    echo "release $release is already installed in $dest"
else
    # an interrupted earlier attempt leaves no marker: start that release afresh
    rm -rf "$dest"
    mkdir -p "$dest"
    echo "creating $dest/venv"
    "$python" -m venv "$dest/venv"
    # only this bundle's wheels: no index, no pip configuration of this host, no source builds
    env -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_FIND_LINKS -u PIP_CONSTRAINT -u PIP_REQUIREMENT \
        PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
        "$dest/venv/bin/python" -m pip install --quiet --no-index --only-binary=:all: \
        --find-links "$bundle/wheels" --constraint "$bundle/constraints.txt" "servicedesk==$version"
    cp gunicorn.conf.py RELEASE VERSION constraints.txt "$dest/"
    for dir in systemd nginx logrotate config docs; do
        if [ -d "$dir" ]; then cp -R "$dir" "$dest/"; fi
    done
    "$dest/venv/bin/servicedesk" --version >/dev/null || die "the new release does not start: $dest/venv/bin/servicedesk --version"
    echo "$sums" >"$marker"
    echo "installed release $release in $dest"
fi

[ "$activate" = yes ] || exit 0

# --activate: migrate with the new code, switch `current`, restart
if [ -f "$env_file" ]; then
    echo "migrating the database (servicedesk init)"
    run_init() {
        set -a
        # shellcheck disable=SC1090
        . "$env_file"
        set +a
        export SERVICEDESK_CONFIG="${SERVICEDESK_CONFIG-/etc/servicedesk/servicedesk.cfg}"
        if [ "$(id -u)" -eq 0 ] && id servicedesk >/dev/null 2>&1; then
            cd /
            exec runuser -u servicedesk -- env "SERVICEDESK_CONFIG=$SERVICEDESK_CONFIG" \
                "$dest/venv/bin/servicedesk" init
        fi
        exec "$dest/venv/bin/servicedesk" init
    }
    (run_init) || die "migration failed; $prefix/current still points at the previous release"
else
    echo "no $env_file: not migrating (run 'servicedesk init' once it is configured)"
fi
ln -sfn "releases/$release" "$prefix/current.new"
mv -T "$prefix/current.new" "$prefix/current"
echo "$prefix/current -> releases/$release"
if [ -d /run/systemd/system ] && systemctl cat servicedesk.service >/dev/null 2>&1; then
    systemctl restart servicedesk.service
    echo "restarted servicedesk.service"
fi
