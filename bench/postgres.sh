#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for nnlab's tests and benchmarks: Debian's binaries, run
# from a private folder on a free loopback port, never the system service.
#
#     bash bench/postgres.sh start|url|restart|stop
#
# start    makes the cluster (or starts the one already made) and prints its URL,
#          postgresql://nnlab:PASSWORD@127.0.0.1:PORT/nnlab?sslmode=disable; when it already
#          runs, just prints the URL.
# url      prints the running cluster's URL (exit 1 when none runs).
# restart  restarts the server on the same port (pg_ctl restart); prints nothing.
# stop     stops the server and removes its folder; prints nothing.
#
# The role nnlab (LOGIN CREATEDB, a random password, scram-sha-256 over TCP) owns the
# databases nnlab and nnlab_other (empty). fsync and synchronous_commit keep their defaults.
# Environment:
#   NNLAB_PG_DIR     the cluster's folder (default ${TMPDIR:-/tmp}/nnlab-postgres)
#   NNLAB_PG_LISTEN  more addresses to listen on, comma-separated, besides 127.0.0.1; read by
#                    start and restart, and kept for the next ones when unset (set and empty:
#                    loopback only again). Clients from the private subnets (10/8, 172.16/12,
#                    192.168/16, fc00::/7) and from each address given are then let in, with
#                    scram-sha-256. An address must exist when the server starts.
#   NNLAB_PG_BIN     the server's binaries (default /usr/lib/postgresql/15/bin)
# Run as root, the cluster belongs to the system user postgres (initdb refuses root).
set -euo pipefail

dir=${NNLAB_PG_DIR:-${TMPDIR:-/tmp}/nnlab-postgres}
bin=${NNLAB_PG_BIN:-/usr/lib/postgresql/15/bin}
data=$dir/data
sockets=$dir/sockets
log=$dir/server.log

die() {
  echo "postgres.sh: $*" >&2
  exit 1
}

# Runs a command as the cluster's owner: postgres when we are root, else ourselves.
as_owner() {
  if ((EUID == 0)); then
    (cd "$dir" && runuser -u postgres -- "$@")
  else
    (cd "$dir" && "$@")
  fi
}

running() {
  [[ -f $data/PG_VERSION ]] && as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1
}

url() {
  local port password
  port=$(<"$dir/port")
  password=$(<"$dir/password")
  echo "postgresql://nnlab:$password@127.0.0.1:$port/nnlab?sslmode=disable"
}

# Writes the settings start and restart may change: the port, the addresses, who may connect.
configure() {
  local port=$1 listen=127.0.0.1 given address extra=()
  given=${NNLAB_PG_LISTEN-$(cat "$dir/listen" 2>/dev/null || true)}
  echo "$given" >"$dir/listen"
  IFS=, read -r -a extra <<<"$given"
  {
    echo "# Written by bench/postgres.sh."
    echo "host all all 127.0.0.1/32 scram-sha-256"
    echo "host all all ::1/128 scram-sha-256"
    if ((${#extra[@]} > 0)); then
      printf 'host all all %s scram-sha-256\n' 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 fc00::/7
    fi
    for address in "${extra[@]}"; do
      address=${address//[[:space:]]/}
      [[ -n $address ]] || continue
      listen+=",$address"
      if [[ $address == *:* ]]; then
        echo "host all all $address/128 scram-sha-256"
      else
        echo "host all all $address/32 scram-sha-256"
      fi
    done
    echo "local all all trust"
  } >"$dir/pg_hba.conf.new"
  {
    echo "# Written by bench/postgres.sh; included by postgresql.conf."
    echo "port = $port"
    echo "listen_addresses = '$listen'"
    echo "unix_socket_directories = '$sockets'"
    echo "unix_socket_permissions = 0700"
    echo "max_connections = 200"
    echo "shared_buffers = 32MB"
    echo "password_encryption = 'scram-sha-256'"
  } >"$dir/nnlab.conf.new"
  as_owner cp "$dir/pg_hba.conf.new" "$data/pg_hba.conf"
  as_owner cp "$dir/nnlab.conf.new" "$data/nnlab.conf"
  rm -f "$dir/pg_hba.conf.new" "$dir/nnlab.conf.new"
  echo "$port" >"$dir/port"
}

# Starts the server, on the recorded port first, then on random ones while the port is taken.
start_server() {
  local port attempt
  port=$(cat "$dir/port" 2>/dev/null || echo $((20000 + RANDOM % 40000)))
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    configure "$port"
    rm -f "$log"
    if as_owner "$bin/pg_ctl" start -s -w -t 30 -D "$data" -l "$log" >"$dir/pg_ctl.out" 2>&1; then
      return 0
    fi
    if ! grep -q -e 'could not bind' -e 'could not create any TCP/IP sockets' "$log"; then
      cat "$dir/pg_ctl.out" "$log" >&2
      die "the server did not start (attempt $attempt, port $port); its log: $log"
    fi
    port=$((20000 + RANDOM % 40000))
  done
  cat "$log" >&2
  die "no free port found in 10 attempts"
}

psql_admin() {
  as_owner "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$sockets" -p "$(<"$dir/port")" \
    -U postgres -d postgres "$@"
}

start() {
  if running; then
    url
    return
  fi
  if [[ ! -f $data/PG_VERSION ]]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    chmod 700 "$dir"
    if ((EUID == 0)); then
      chown postgres: "$dir"
      runuser -u postgres -- test -w "$dir" \
        || die "$dir: the user postgres cannot write here; set NNLAB_PG_DIR or TMPDIR"
    fi
    as_owner mkdir -m 700 "$sockets"
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$dir/password"
    chmod 600 "$dir/password"
    if ! as_owner "$bin/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$dir/initdb.out" 2>&1; then
      cat "$dir/initdb.out" >&2
      die "initdb failed"
    fi
    echo "include_if_exists = 'nnlab.conf'" | as_owner tee -a "$data/postgresql.conf" >/dev/null
    start_server
    psql_admin -v password="$(<"$dir/password")" >/dev/null <<'SQL'
CREATE ROLE nnlab LOGIN CREATEDB PASSWORD :'password';
CREATE DATABASE nnlab OWNER nnlab;
CREATE DATABASE nnlab_other OWNER nnlab;
SQL
  else
    start_server
  fi
  url
}

case ${1:-} in
  start)
    start
    ;;
  url)
    running || die "no cluster runs in $dir"
    url
    ;;
  restart)
    running || die "no cluster runs in $dir"
    configure "$(<"$dir/port")"
    if ! as_owner "$bin/pg_ctl" restart -s -w -t 60 -m fast -D "$data" -l "$log" >"$dir/pg_ctl.out" 2>&1; then
      cat "$dir/pg_ctl.out" "$log" >&2
      die "the server did not restart; its log: $log"
    fi
    ;;
  stop)
    if running; then
      as_owner "$bin/pg_ctl" stop -s -w -t 60 -m fast -D "$data" >/dev/null
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: bash bench/postgres.sh start|url|restart|stop" >&2
    exit 64
    ;;
esac
