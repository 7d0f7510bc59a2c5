#!/usr/bin/env bash
# Prints the URL of a private PostgreSQL cluster for tests and benchmarks, starting one if needed:
#   export TEST_POSTGRES_URL="$(bash scripts/ensure-postgres.sh)"
# Installs Debian's `postgresql` when it is missing, initialises a cluster in $AUDIENCE_TEST_PG_DIR
# (default /tmp/audience-sync-pg) as the postgres user on a free port, and creates a role and database
# with a random password. A second call while the cluster runs prints the same URL. Logs go to stderr.
set -euo pipefail

dir="${AUDIENCE_TEST_PG_DIR:-/tmp/audience-sync-pg}"
log() { echo "ensure-postgres: $*" >&2; }

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(bindir)" ] || [ ! -x "$(bindir)/initdb" ]; then
  log "installing Debian's postgresql"
  if [ "$(id -u)" -ne 0 ]; then log "needs root to install postgresql"; exit 1; fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
bin="$(bindir)"
# Debian's package starts its own cluster on 5432; this one is separate and may run beside it.
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ -f "$dir/url" ] && as_postgres "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  cat "$dir/url"
  exit 0
fi

port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
password="$(node -e "console.log(require('crypto').randomBytes(12).toString('hex'))")"
if [ ! -f "$dir/data/PG_VERSION" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  chown postgres:postgres "$dir" 2>/dev/null || true
  chmod 700 "$dir"
  log "initdb $dir/data"
  as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null
fi
log "starting PostgreSQL on 127.0.0.1:$port"
as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" -w start >/dev/null

psql_admin() { as_postgres "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ "$(psql_admin -c "select 1 from pg_roles where rolname = 'audience'")" = "1" ]; then
  psql_admin -c "alter role audience with password '$password'"
else
  psql_admin -c "create role audience login createdb password '$password'"
  psql_admin -c "create database audience owner audience"
fi
url="postgres://audience:$password@127.0.0.1:$port/audience"
echo "$url" >"$dir/url"
chmod 600 "$dir/url"
echo "$url"
