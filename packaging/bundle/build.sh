#!/usr/bin/env bash
# Build the offline (air-gapped) bundle of this checkout:
#   bash packaging/bundle/build.sh OUTDIR
# -> OUTDIR/servicedesk-<RELEASE>-bundle.tar.gz (+ .sha256), top directory servicedesk-<VERSION>/:
#      RELEASE  VERSION  install.sh  SHA256SUMS  constraints.txt  gunicorn.conf.py
#      wheels/  (the app's wheel and a wheel of every dependency: Debian 12, CPython 3.11, x86_64)
#      systemd/ nginx/ logrotate/ config/servicedesk.example.cfg  docs/
# The last line printed is the tarball's path. On the target, `install.sh` needs no network (docs/install.md).
#
# RELEASE = <VERSION>+g<short commit> in a git checkout (two commits never collide), else <VERSION>;
# SERVICEDESK_RELEASE overrides it.
#
# Build it on Debian 12 x86_64 (the target platform: python-ldap has no binary wheels on the package
# index and is compiled here, against Debian 12's libldap) with network access to the package index.
# Environment:
#   PYTHON                  Python 3.11 with pip (default python3)
#   SERVICEDESK_WHEEL_CACHE a directory that keeps the dependency wheels between builds; with it, a
#                           build first tries to resolve from that directory alone (no network) and
#                           asks the index only when something is missing. Unset for release builds
#                           that should pick up the newest allowed dependency versions.
set -euo pipefail

out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PYTHON=${PYTHON:-python3}
cache=${SERVICEDESK_WHEEL_CACHE:-}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || die "$PYTHON is not Python 3.11 (the target's python3 on Debian 12)"
[ "$(uname -m)" = x86_64 ] || die "build on x86_64 (the wheels are for the target's platform)"
"$PYTHON" -m pip --version >/dev/null 2>&1 || die "$PYTHON has no pip"

version=$(cd "$root" && "$PYTHON" -c 'from app.core.version import VERSION; print(VERSION)')
if [ -n "${SERVICEDESK_RELEASE:-}" ]; then
    release=$SERVICEDESK_RELEASE
elif git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
    release="$version+g$(git -C "$root" rev-parse --short=8 HEAD)"
else
    release=$version
fi
case $release in *[!A-Za-z0-9.+_-]*) die "RELEASE '$release' may hold only letters, digits and . + _ -" ;; esac

mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
top=$tmp/servicedesk-$version
mkdir -p "$top/wheels" "$tmp/src"

# 1. The app's wheel, built from a copy of the source (keeps build/ and *.egg-info out of the tree).
say "copying the source of $release"
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$root" && git ls-files -z --cached --others --exclude-standard \
        | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -C "$tmp/src" -xf -
else
    tar -C "$root" --exclude=.venv --exclude=.git --exclude=instance --exclude='*.egg-info' -cf - . \
        | tar -C "$tmp/src" -xf -
fi

pip_online=(-q --disable-pip-version-check)
pip_offline=(-q --disable-pip-version-check --no-index)
if [ -n "$cache" ]; then
    mkdir -p "$cache"
    pip_online+=(--find-links "$cache")
    pip_offline+=(--find-links "$cache")
fi

# pip_both ARGS...: with a cache, try it offline from the cache first; then (or without a cache) online.
pip_both() {
    if [ -n "$cache" ] && "$PYTHON" -m pip "$1" "${pip_offline[@]}" "${@:2}" >/dev/null 2>&1; then
        return 0
    fi
    "$PYTHON" -m pip "$1" "${pip_online[@]}" "${@:2}"
}

say "building the servicedesk wheel"
pip_both wheel --no-deps -w "$tmp/app" "$tmp/src"
app_wheel=$(ls "$tmp"/app/servicedesk-*.whl)
cp "$app_wheel" "$top/wheels/"

# 2. Every dependency as a wheel for this (= the target's) platform. `pip wheel` takes binary wheels
#    from the index and builds the few sdist-only ones (python-ldap) here.
say "collecting the dependency wheels"
pip_both wheel --prefer-binary -w "$top/wheels" "$app_wheel"

# Only wheels a Debian 12 / CPython 3.11 / x86_64 host can install: pure Python, cp311 or abi3, and
# manylinux or linux x86_64 (glibc <= 2.36).
"$PYTHON" - "$top/wheels" <<'PY'
import re
import sys
from pathlib import Path

bad = []
for wheel in sorted(Path(sys.argv[1]).glob("*.whl")):
    python, abi, platform = wheel.stem.split("-")[-3:]
    pythons, platforms = set(python.split(".")), set(platform.split("."))
    python_ok = bool(pythons & {"py3", "py311", "cp311"}) or (abi == "abi3" and any(
        (m := re.fullmatch(r"cp3(\d+)", p)) and int(m.group(1)) <= 11 for p in pythons))
    platform_ok = bool(platforms & {"any", "linux_x86_64", "manylinux1_x86_64", "manylinux2010_x86_64",
                                    "manylinux2014_x86_64"}) or any(
        (m := re.fullmatch(r"manylinux_2_(\d+)_x86_64", p)) and int(m.group(1)) <= 36 for p in platforms)
    if not (python_ok and platform_ok):
        bad.append(wheel.name)
if bad:
    sys.exit("wheels not installable on Debian 12 / CPython 3.11 / x86_64: " + ", ".join(bad))
PY

if [ -n "$cache" ]; then
    # keep the dependencies (not the app: it changes with every commit) and the build backend
    find "$top/wheels" -name '*.whl' ! -name 'servicedesk-*' -exec cp -n {} "$cache/" \;
    ls "$cache"/setuptools-*.whl >/dev/null 2>&1 \
        || "$PYTHON" -m pip download "${pip_online[@]}" --only-binary=:all: -d "$cache" 'setuptools>=68' wheel \
        || true
fi

# 3. constraints.txt: exactly the versions resolved above, so every host gets the same set.
"$PYTHON" - "$top/wheels" >"$top/constraints.txt" <<'PY'
import re
import sys
from pathlib import Path

print("# The exact versions this bundle was built and tested with (generated by packaging/bundle/build.sh).")
for wheel in sorted(Path(sys.argv[1]).glob("*.whl"), key=lambda p: p.name.lower()):
    name, version = wheel.name.split("-")[:2]
    print(f"{re.sub(r'[-_.]+', '-', name).lower()}=={version}")
PY

# 4. What the installers and the sysadmin need next to the wheels.
cp "$root/packaging/gunicorn.conf.py" "$top/"
cp "$here/install.sh" "$top/install.sh"
chmod 755 "$top/install.sh"
mkdir -p "$top/systemd" "$top/nginx" "$top/logrotate" "$top/config" "$top/docs"
cp "$root"/packaging/systemd/servicedesk*.service "$root"/packaging/systemd/servicedesk*.timer "$top/systemd/"
cp "$root/packaging/nginx/servicedesk.conf" "$top/nginx/"
cp "$root/packaging/logrotate/servicedesk" "$top/logrotate/"
cp "$root/config/servicedesk.example.cfg" "$top/config/"
if [ -d "$root/docs" ]; then cp "$root"/docs/*.md "$top/docs/" 2>/dev/null || true; fi
echo "$release" >"$top/RELEASE"
echo "$version" >"$top/VERSION"

# 5. Checksums of every file; install.sh refuses a bundle that does not match.
(cd "$top" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum >SHA256SUMS)

tarball=$out/servicedesk-$release-bundle.tar.gz
tar -C "$tmp" --owner=0 --group=0 --numeric-owner -czf "$tarball" "servicedesk-$version"
(cd "$out" && sha256sum "$(basename "$tarball")" >"$(basename "$tarball").sha256")
say "$(ls "$top/wheels" | wc -l) wheels, release $release"
echo "$tarball"
