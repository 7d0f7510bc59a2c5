#!/usr/bin/env bash
# Prints the URL of a private PostgreSQL cluster for tests and benchmarks, starting it if needed:
# installs Debian's `postgresql` when missing, initdb's a cluster in $AUDIENCE_PG_DIR (default a folder in
# /tmp named after this checkout, so checkouts side by side do not share one) as the postgres user, starts it on a free port on 127.0.0.1, creates the
# database `audience_sync_test`. Run again, it prints the URL of the cluster already running there.
#   export TEST_POSTGRES_URL=$(bash scripts/ensure-postgres.sh)
#   bash scripts/ensure-postgres.sh --stop
# Progress goes to stderr; stdout carries only the URL.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${AUDIENCE_PG_DIR:-/tmp/klaviyo-audience-sync-pg-$(pwd | cksum | cut -d" " -f1)}"
DB=audience_sync_test

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
BIN="$(pg_bin)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  echo "Installing PostgreSQL from Debian's packages..." >&2
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
  BIN="$(pg_bin)"
fi

# initdb refuses to run as root: run the cluster as the postgres user then.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "${1:-}" = "--stop" ]; then
  [ -f "$DIR/data/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
  exit 0
fi

if [ -f "$DIR/port" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  echo "postgres://postgres@127.0.0.1:$(cat "$DIR/port")/$DB"
  exit 0
fi

mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
if [ ! -f "$DIR/data/PG_VERSION" ]; then
  as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 >&2
fi
PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" -w start >&2
echo "$PORT" > "$DIR/port"
as_owner "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
  as_owner "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE $DB" >&2
echo "postgres://postgres@127.0.0.1:$PORT/$DB"
