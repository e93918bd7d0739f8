#!/usr/bin/env bash
# postgres.sh — a throwaway PostgreSQL cluster for Sluice's tests and benchmarks,
# from the installed PostgreSQL (15 or whatever `pg_config --bindir` finds).
#
#   scripts/postgres.sh start   # initdb in a temporary directory, start it on
#                               # 127.0.0.1 at a free port, create the role and
#                               # database `sluice`; prints the URL
#   scripts/postgres.sh url     # prints the URL of the running cluster
#   scripts/postgres.sh stop    # stops it by its pid and removes the directory
#
# The cluster listens on 127.0.0.1 only (SLUICE_PG_LISTEN adds addresses,
# comma-separated, and lets their subnets in with the password: the network
# namespace test), and trades durability for speed (fsync off): it is for
# tests, never for data. One cluster per user at a
# time; SLUICE_PG_STATE names another state file to run more.
# As root, the server runs as the `postgres` user (PostgreSQL refuses root).
set -euo pipefail

STATE=${SLUICE_PG_STATE:-/tmp/sluice-postgres-$(id -u).state}

bindir() {
    local dir
    for dir in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/*/bin; do
        [[ -x $dir/initdb && -x $dir/pg_ctl ]] && { echo "$dir"; return; }
    done
    echo "postgres.sh: no PostgreSQL server found (install postgresql)" >&2
    exit 1
}

# Runs a server program as a user PostgreSQL accepts.
as_owner() {
    if [[ $(id -u) == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

url() {
    [[ -s $STATE ]] || { echo "postgres.sh: no cluster running (scripts/postgres.sh start)" >&2; exit 1; }
    local port
    port=$(sed -n 's/^port=//p' "$STATE")
    echo "postgres://sluice:sluice@127.0.0.1:$port/sluice"
}

start() {
    if [[ -s $STATE ]]; then
        local dir
        dir=$(sed -n 's/^dir=//p' "$STATE")
        if [[ -n $dir ]] && as_owner "$(bindir)/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
            url
            return
        fi
        rm -f "$STATE"
    fi
    local bin dir port
    bin=$(bindir)
    dir=$(mktemp -d /tmp/sluice-postgres.XXXXXX)
    chmod 755 "$dir"
    [[ $(id -u) == 0 ]] && chown postgres: "$dir"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    local listen=127.0.0.1
    if [[ -n ${SLUICE_PG_LISTEN:-} ]]; then
        listen+=",$SLUICE_PG_LISTEN"
        echo "host all all samenet scram-sha-256" >>"$dir/data/pg_hba.conf"
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
        "-c listen_addresses=$listen -c port=$port -c unix_socket_directories=$dir \
         -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
        -c "CREATE ROLE sluice LOGIN PASSWORD 'sluice' CREATEDB" \
        -c "CREATE DATABASE sluice OWNER sluice" >/dev/null
    printf 'dir=%s\nport=%s\n' "$dir" "$port" >"$STATE"
    url
}

stop() {
    [[ -s $STATE ]] || return 0
    local dir
    dir=$(sed -n 's/^dir=//p' "$STATE")
    if [[ -n $dir && -d $dir/data ]]; then
        as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
        rm -rf "$dir"
    fi
    rm -f "$STATE"
}

case ${1:-} in
    start) start ;;
    url) url ;;
    stop) stop ;;
    *) echo "usage: scripts/postgres.sh start|url|stop" >&2; exit 64 ;;
esac
