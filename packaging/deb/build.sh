#!/usr/bin/env bash
# Build the Debian 12 package of this checkout (laid out by hand, built with dpkg-deb):
#   bash packaging/deb/build.sh OUTDIR
# -> OUTDIR/servicedesk_<DEBVERSION>_amd64.deb; the last line printed is its path.
#
# The package carries the offline bundle (packaging/bundle/build.sh) under
# /opt/servicedesk/bundles/<RELEASE>/; its postinst creates the servicedesk user and directories,
# writes a first configuration (SQLite, random SECRET_KEY) on a fresh install, builds
# /opt/servicedesk/releases/<RELEASE>/venv from the shipped wheels (no network), migrates the
# database, points /opt/servicedesk/current at the release and restarts the service. See docs/install.md.
#
# Environment: SERVICEDESK_BUNDLE=path/to/servicedesk-<RELEASE>-bundle.tar.gz reuses a built bundle;
# otherwise one is built (PYTHON, SERVICEDESK_WHEEL_CACHE, SERVICEDESK_RELEASE as for the bundle).
# SERVICEDESK_DEB_VERSION overrides the package version (default <VERSION>+<commit time>.g<commit>-1,
# which grows with every commit, so a newer build is always an upgrade for dpkg and apt).
set -euo pipefail

out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'deb/build.sh: %s\n' "$*" >&2; exit 1; }
command -v dpkg-deb >/dev/null || die "dpkg-deb is missing (apt-get install dpkg)"

mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bundle=${SERVICEDESK_BUNDLE:-}
if [ -z "$bundle" ]; then
    bundle=$(bash "$root/packaging/bundle/build.sh" "$tmp/bundle" | tail -n 1)
fi
[ -f "$bundle" ] || die "no bundle at $bundle"

pkg=$tmp/pkg
mkdir -p "$pkg/unpacked"
tar -C "$pkg/unpacked" -xzf "$bundle"
src=$(ls -d "$pkg"/unpacked/servicedesk-*)
release=$(cat "$src/RELEASE")
version=$(cat "$src/VERSION")

if [ -n "${SERVICEDESK_DEB_VERSION:-}" ]; then
    debversion=$SERVICEDESK_DEB_VERSION
elif [[ $release == "$version+g"* ]] && git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
    debversion="$version+$(git -C "$root" log -1 --format=%ct HEAD).${release#"$version+"}-1"
else
    debversion="$(echo "$release" | tr '_' '.')-1"
fi

say "laying out servicedesk $debversion (release $release)"
chmod 755 "$pkg"
install -d -m 755 "$pkg/DEBIAN" "$pkg/opt/servicedesk/bundles" "$pkg/lib/systemd/system" \
    "$pkg/etc/servicedesk" "$pkg/etc/logrotate.d" "$pkg/usr/bin" "$pkg/usr/share/doc/servicedesk/examples"
mv "$src" "$pkg/opt/servicedesk/bundles/$release"
rmdir "$pkg/unpacked"
bdir=$pkg/opt/servicedesk/bundles/$release

install -m 644 "$bdir"/systemd/* "$pkg/lib/systemd/system/"
install -m 644 "$bdir/logrotate/servicedesk" "$pkg/etc/logrotate.d/servicedesk"
install -m 644 "$here/servicedesk.env" "$pkg/etc/servicedesk/servicedesk.env"
install -m 755 "$here/servicedesk-wrapper" "$pkg/usr/bin/servicedesk"
install -m 644 "$bdir/nginx/servicedesk.conf" "$pkg/usr/share/doc/servicedesk/examples/nginx-servicedesk.conf"
install -m 644 "$bdir/config/servicedesk.example.cfg" "$pkg/usr/share/doc/servicedesk/examples/"
for doc in "$bdir"/docs/*.md; do [ -f "$doc" ] && install -m 644 "$doc" "$pkg/usr/share/doc/servicedesk/"; done

# dpkg keeps the admin's changes to these on upgrade (and asks, or obeys --force-confold/confnew)
printf '%s\n' /etc/servicedesk/servicedesk.env /etc/logrotate.d/servicedesk >"$pkg/DEBIAN/conffiles"

for script in postinst prerm postrm; do
    sed "s|@RELEASE@|$release|g" "$here/$script" >"$pkg/DEBIAN/$script"
    chmod 755 "$pkg/DEBIAN/$script"
done

cat >"$pkg/DEBIAN/control" <<EOF
Package: servicedesk
Version: $debversion
Architecture: amd64
Maintainer: Servicedesk maintainers <root@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
Depends: python3 (>= 3.11), python3 (<< 3.12), python3-venv, adduser, libldap-2.5-0, libsasl2-2, ca-certificates
Recommends: nginx, postgresql-client, xmlsec1
Suggests: postgresql
Section: web
Priority: optional
Description: self-hosted ITSM service desk (Flask, gunicorn)
 Tickets, SLAs, on-call, knowledge base, for organisations that keep their data
 inside their own infrastructure. The Python dependencies ship inside the
 package as wheels and are installed without network access into
 /opt/servicedesk/releases/$release.
EOF

deb=$out/servicedesk_${debversion}_amd64.deb
# the wheels are compressed already: gzip is as small as xz here, and much faster
dpkg-deb --root-owner-group -Zgzip -z6 --build "$pkg" "$deb" >/dev/null
echo "$deb"
