#!/usr/bin/env bash
# Several machines on one: Linux network namespaces joined by a bridge, for the tests of
# workers on many hosts (Tests/nnlabTests/MachinesTests.swift). Run as root.
#
#     bash bench/machines.sh check|up N|run K COMMAND…|cut K|heal K|down
#
# check         exits 0 when namespaces and veth pairs can be made here, else 1 with the reason.
# up N          makes machines 1…N (N ≤ 200): namespace nnlab-mK, address 10.200.K.1/16 on
#               its eth0, the other end of which, nnlab-vK, is a port of the
#               bridge nnlab-br in the root namespace. The bridge has 10.200.0.1/16: give it to
#               bench/postgres.sh as NNLAB_PG_LISTEN (before the cluster starts), and the
#               machines reach the server there. Removes first what an earlier up left. Prints
#               the bridge's address.
# run K CMD…    runs CMD in machine K's namespace and its own UTS namespace, host name
#               nnlab-mK, with the pid this script had (each step execs the next).
# cut K         pulls machine K's cable: its bridge port goes down, so its packets go nowhere
#               and none reach it; connections stay open on both sides, as on a real network.
# heal K        plugs it back in.
# down          removes the namespaces, their veth pairs and the bridge (those that exist).
#
# The names are fixed, so one set of machines exists at a time on a host.
set -euo pipefail

bridge=nnlab-br
bridge_address=10.200.0.1

die() {
  echo "machines.sh: $*" >&2
  exit 1
}

namespace() { echo "nnlab-m$1"; }
port() { echo "nnlab-v$1"; }

machine_number() {
  if ! [[ ${1:-} =~ ^[1-9][0-9]*$ ]] || (($1 > 200)); then
    die "not a machine number (1…200): '${1:-}'"
  fi
}

check() {
  ((EUID == 0)) || die "not root"
  local probe=nnlp$$
  if ! ip netns add "$probe" 2>/dev/null; then
    die "ip netns add is not permitted here"
  fi
  if ! ip link add "$probe" type veth peer name eth0 netns "$probe" 2>/dev/null; then
    ip netns del "$probe"
    die "veth pairs cannot be made here"
  fi
  ip link del "$probe" 2>/dev/null || true
  ip netns del "$probe"
}

down() {
  local name
  for name in $(ip netns list | awk '{print $1}'); do
    if [[ $name =~ ^nnlab-m[0-9]+$ ]]; then
      ip netns del "$name"
    fi
  done
  for name in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
    if [[ $name =~ ^nnlab-v[0-9]+$ || $name == "$bridge" ]]; then
      ip link del "$name" 2>/dev/null || true
    fi
  done
}

up() {
  machine_number "$1"
  local count=$1 k ns
  down
  ip link add "$bridge" type bridge
  ip addr add "$bridge_address/16" dev "$bridge"
  ip link set "$bridge" up
  for ((k = 1; k <= count; k++)); do
    ns=$(namespace "$k")
    ip netns add "$ns"
    ip link add "$(port "$k")" type veth peer name eth0 netns "$ns"
    ip link set "$(port "$k")" master "$bridge" up
    ip -n "$ns" addr add "10.200.$k.1/16" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
  done
  echo "$bridge_address"
}

case ${1:-} in
  check)
    check
    ;;
  up)
    up "${2:-}"
    ;;
  run)
    machine_number "${2:-}"
    (($# > 2)) || die "run K COMMAND…: no command"
    ns=$(namespace "$2")
    shift 2
    # shellcheck disable=SC2016 # expanded by the inner shell
    exec ip netns exec "$ns" unshare --uts sh -c 'hostname "$0" && exec "$@"' "$ns" "$@"
    ;;
  cut)
    machine_number "${2:-}"
    ip link set "$(port "$2")" down
    ;;
  heal)
    machine_number "${2:-}"
    ip link set "$(port "$2")" up
    ;;
  down)
    down
    ;;
  *)
    echo "usage: bash bench/machines.sh check|up N|run K COMMAND…|cut K|heal K|down" >&2
    exit 64
    ;;
esac
