#!/bin/bash
# Throwaway Debian 12 hosts for the deployment tests: a debootstrap rootfs booted with systemd-nspawn
# (real systemd as PID 1, so the real units, handlers and a reboot run), each in a network namespace
# of its own. Their only way out is an apt proxy (apt-cacher-ng) on the host, so anything a playbook
# tries to download from elsewhere (PyPI, GitHub, ...) fails: the run proves the air gap. Ansible
# reaches them over ssh as a sudo user, as a sysadmin's controller would.
# Needs root, debootstrap, systemd-container, apt-cacher-ng, iproute2 (installed if missing).
#
#   lab.sh up           rootfs (debootstrapped once, cached) + network + apt proxy + boot; writes $WORK/target.env
#   lab.sh reboot       poweroff + boot of every target (enabled units must come back by themselves)
#   lab.sh sh CMD...    run a command inside the booted target (LAB_HOST=NAME: that one)
#   lab.sh down         stop everything this script started and remove the targets' rootfs
#
# LAB_HOSTS="db app1 app2" boots several targets (10.232.0.11, .12, ...) on one private segment: a
# bridge inside a network namespace of its own (so no firewall rule of this machine applies), with
# this machine at 10.232.0.1. Targets named in LAB_SHARED_DATA get one directory of this machine
# bind-mounted on /var/lib/servicedesk/data (the shared attachment storage of several app hosts).
#
# WORK (default /tmp/servicedesk-e2e) holds the run; CACHE (default /var/cache/servicedesk-e2e) keeps
# the rootfs tarball and the apt proxy's cache between runs.
set -euo pipefail
WORK=${WORK:-/tmp/servicedesk-e2e}
CACHE=${CACHE:-/var/cache/servicedesk-e2e}
read -r -a HOSTS <<<"${LAB_HOSTS:-servicedesk-target}"
SHARED=" ${LAB_SHARED_DATA:-} "
NET=sdesknet HOST_IP=10.232.0.1
SUITE=bookworm
ROOTFS_PACKAGES=python3,sudo,systemd,systemd-sysv,dbus,openssh-server,ca-certificates
T0=${T0:-$(date +%s.%N)}

log() { awk -v t0="$T0" -v now="$(date +%s.%N)" -v m="$*" 'BEGIN { printf "[%6.1fs] lab: %s\n", now - t0, m }' >&2; }
index_of() { local i; for i in "${!HOSTS[@]}"; do [ "${HOSTS[$i]}" = "$1" ] && echo "$i" && return; done; return 1; }
ip_of() { echo "10.232.0.$((11 + $(index_of "$1")))"; }
ns_of() { echo "sdesk$(index_of "$1")"; }
root_of() { echo "$WORK/rootfs-$1"; }

need() {  # need COMMAND PACKAGE: install the Debian package if the command is missing
  command -v "$1" >/dev/null && return 0
  log "installing $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2" >/dev/null; }
}

network_up() {
  # the segment: a bridge in a namespace of its own; this machine and every target hang on it by a veth
  ip netns add "$NET"
  ip -n "$NET" link set lo up
  ip -n "$NET" link add br0 type bridge
  ip -n "$NET" link set br0 up
  ip link add sdesk-h type veth peer name host netns "$NET"
  ip -n "$NET" link set host master br0 up
  ip addr add "$HOST_IP/24" dev sdesk-h
  ip link set sdesk-h up
  local name ns
  for name in "${HOSTS[@]}"; do
    ns=$(ns_of "$name")
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$NET" link add "$ns" type veth peer name eth0 netns "$ns"
    ip -n "$NET" link set "$ns" master br0 up
    ip -n "$ns" addr add "$(ip_of "$name")/24" dev eth0
    ip -n "$ns" link set eth0 up
  done
  mkdir -p "$CACHE/acng/cache" "$WORK/acng"
  # our own minimal config: the packaged one remaps the Debian mirror to a mirror list
  cat >"$WORK/acng/acng.conf" <<EOF
CacheDir: $CACHE/acng/cache
LogDir: $WORK/acng
SupportDir: /usr/lib/apt-cacher-ng
BindAddress: $HOST_IP
Port: 3142
SocketPath: $WORK/acng/socket
PidFile: $WORK/acng/pid
ConnectProto: v4
EOF
  apt-cacher-ng -c "$WORK/acng" ForeGround=1 >"$WORK/acng/stdout.log" 2>&1 &
  echo $! >"$WORK/acng.pid"
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/$HOST_IP/3142") 2>/dev/null && break; sleep 0.1; done
  log "network: ${HOSTS[*]} on 10.232.0.0/24, apt proxy $HOST_IP:3142"
}

rootfs_tarball() {
  local tarball=$CACHE/rootfs-$SUITE.tar
  # the cache key includes the package list, so a change rebuilds it
  local stamp; stamp=$(echo "$SUITE $ROOTFS_PACKAGES" | sha256sum | cut -c1-12)
  if [ ! -f "$tarball" ] || [ "$(cat "$tarball.stamp" 2>/dev/null)" != "$stamp" ]; then
    need debootstrap debootstrap
    local tmp=$CACHE/rootfs.tmp mirror
    rm -rf "$tmp"
    # the mirror this machine's apt already uses (the only Debian registry it may reach)
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    log "debootstrap $SUITE (once; cached in $tarball)"
    debootstrap --variant=minbase --include="$ROOTFS_PACKAGES" "$SUITE" "$tmp" ${mirror:+"$mirror"} \
      >"$WORK/debootstrap.log" 2>&1 || { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }
    rm -f "$tmp"/var/cache/apt/archives/*.deb
    tar -C "$tmp" -cf "$tarball.part" . && mv "$tarball.part" "$tarball" && rm -rf "$tmp"
    echo "$stamp" >"$tarball.stamp"
  fi
  echo "$tarball"
}

rootfs_prepare() {  # rootfs_prepare NAME TARBALL
  local name=$1 root; root=$(root_of "$1")
  mkdir -p "$root"
  tar -C "$root" -xf "$2"
  echo "Acquire::http::Proxy \"http://$HOST_IP:3142\";" >"$root/etc/apt/apt.conf.d/01proxy"
  {
    echo "127.0.0.1 localhost"
    local other; for other in "${HOSTS[@]}"; do echo "$(ip_of "$other") $other"; done
  } >"$root/etc/hosts"
  echo "$name" >"$root/etc/hostname"
  # the access a sysadmin gives Ansible: a sudo user with a key
  chroot "$root" useradd -m -s /bin/bash ansible
  install -d -m 700 -o 1000 -g 1000 "$root/home/ansible/.ssh"
  install -m 600 -o 1000 -g 1000 "$WORK/ssh_key.pub" "$root/home/ansible/.ssh/authorized_keys"
  echo 'ansible ALL=(ALL) NOPASSWD: ALL' >"$root/etc/sudoers.d/ansible"
}

pid_file() { echo "$WORK/nspawn-$1.pid"; }
init_pid() { pgrep -P "$(cat "$(pid_file "$1")")" | head -1; }
inside() { local name=$1; shift; nsenter -t "$(init_pid "$name")" -a "$@"; }

boot() {  # boot NAME
  local name=$1 bind=() state=
  if [[ $SHARED == *" $name "* ]]; then
    mkdir -p "$WORK/shared-data"
    bind=(--bind="$WORK/shared-data:/var/lib/servicedesk/data")
  fi
  systemd-nspawn -D "$(root_of "$name")" --register=no --keep-unit -b --console=passive --hostname="$name" \
    --network-namespace-path="/run/netns/$(ns_of "$name")" "${bind[@]}" >>"$WORK/nspawn-$name.log" 2>&1 &
  echo $! >"$(pid_file "$name")"
  for _ in $(seq 300); do
    state=$(inside "$name" systemctl is-system-running 2>/dev/null) || true
    case $state in running|degraded) break ;; esac
    sleep 0.2
  done
  log "$name booted: ${state:-no answer}"
  case $state in
    running) ;;
    degraded) inside "$name" systemctl --failed --no-pager >&2 || true ;;
    *) tail -30 "$WORK/nspawn-$name.log" >&2; exit 1 ;;
  esac
  # sshd takes a moment after "running"
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/$(ip_of "$name")/22") 2>/dev/null && break; sleep 0.1; done
}

poweroff() {  # poweroff NAME
  local file; file=$(pid_file "$1")
  [ -f "$file" ] || return 0
  local pid; pid=$(cat "$file")
  kill "$pid" 2>/dev/null || true   # nspawn turns SIGTERM into a clean poweroff of the container
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$file"
}

up() {
  local name tarball
  for name in "${HOSTS[@]}"; do
    [ ! -e "$(root_of "$name")" ] || { echo "$(root_of "$name") exists; run '$0 down' first" >&2; exit 1; }
  done
  need systemd-nspawn systemd-container
  need apt-cacher-ng apt-cacher-ng
  need ip iproute2
  mkdir -p "$WORK" "$CACHE"
  [ -f "$WORK/ssh_key" ] || ssh-keygen -q -t ed25519 -N '' -C servicedesk-e2e -f "$WORK/ssh_key"
  tarball=$(rootfs_tarball)
  for name in "${HOSTS[@]}"; do rootfs_prepare "$name" "$tarball"; done
  log "rootfs ready"
  network_up
  for name in "${HOSTS[@]}"; do boot "$name"; done
  {
    echo "SSH_USER=ansible"
    echo "SSH_KEY=$WORK/ssh_key"
    for name in "${HOSTS[@]}"; do echo "TARGET=$name:$(ip_of "$name"):$(root_of "$name")"; done
  } >"$WORK/target.env"
}

down() {
  set +e
  local name
  for file in "$WORK"/nspawn-*.pid; do
    [ -f "$file" ] || continue
    name=$(basename "$file" .pid); name=${name#nspawn-}
    poweroff "$name" &
  done
  wait
  if [ -f "$WORK/acng.pid" ]; then kill "$(cat "$WORK/acng.pid")" 2>/dev/null; rm -f "$WORK/acng.pid"; fi
  for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^sdesk/ {print $1}'); do ip netns del "$ns"; done
  ip link del sdesk-h 2>/dev/null
  # nothing may still be mounted below a rootfs before it goes
  for root in "$WORK"/rootfs-*; do
    [ -d "$root" ] && ! grep -q " $root" /proc/mounts && rm -rf "$root"
  done
  rm -rf "$WORK/shared-data" "$WORK/target.env"
  log "torn down"
  true
}

cmd=${1:?usage: $0 up|reboot|sh CMD...|down}
shift
case $cmd in
  up) up ;;
  reboot)
    for name in "${HOSTS[@]}"; do poweroff "$name"; done
    for name in "${HOSTS[@]}"; do boot "$name"; done ;;
  sh) inside "${LAB_HOST:-${HOSTS[0]}}" "$@" ;;
  down) down ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
