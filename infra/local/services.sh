#!/usr/bin/env bash
# Installs (apt) and starts ClickHouse, PostgreSQL and Redis on loopback with data under .local/,
# waits until each answers, and stops only what it started. A service whose *_URL variable is set
# is used as it is and never started or stopped here.
#   services.sh up | down [NAME...] | status | env | started | apt PKG...
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# su to postgres starts in the current folder, which that user may not be allowed to enter.
su() { (cd / && command su "$@"); }
LOCAL="$ROOT/.local"
RUN="$LOCAL/run"
mkdir -p "$RUN"

CLICKHOUSE_HTTP_PORT=${DRIFTWATCH_CLICKHOUSE_PORT:-18123}
CLICKHOUSE_TCP_PORT=$((CLICKHOUSE_HTTP_PORT + 877))
POSTGRES_PORT=${DRIFTWATCH_POSTGRES_PORT:-15432}
REDIS_PORT=${DRIFTWATCH_REDIS_PORT:-16379}

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing packages ${missing[*]}: install them with apt-get (needs root)"
  log "installing ${missing[*]} with apt-get"
  if [ $apt_updated -eq 0 ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

wait_for() { # name, seconds, command...
  local name=$1 seconds=$2; shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  die "$name did not become ready within ${seconds}s (logs under $LOCAL)"
}

started() { [ -f "$RUN/$1.started" ]; }
mark_started() { touch "$RUN/$1.started"; }

# ---------- ClickHouse ----------
clickhouse_ping() { curl -sf "http://127.0.0.1:$CLICKHOUSE_HTTP_PORT/ping"; }
clickhouse_up() {
  if [ -n "${CLICKHOUSE_URL:-}" ]; then log "ClickHouse: using CLICKHOUSE_URL"; return; fi
  if clickhouse_ping >/dev/null 2>&1; then log "ClickHouse: already answering on $CLICKHOUSE_HTTP_PORT"; return; fi
  apt_install clickhouse-server clickhouse-client curl
  local dir="$LOCAL/clickhouse"
  mkdir -p "$dir/data" "$dir/log"
  sed -e "s#@DIR@#$dir#g" -e "s#@HTTP_PORT@#$CLICKHOUSE_HTTP_PORT#g" -e "s#@TCP_PORT@#$CLICKHOUSE_TCP_PORT#g" \
    "$ROOT/infra/local/clickhouse-config.xml" >"$dir/config.xml"
  log "ClickHouse: starting on 127.0.0.1:$CLICKHOUSE_HTTP_PORT (data in $dir)"
  clickhouse-server --config-file="$dir/config.xml" --pid-file="$RUN/clickhouse.pid" --daemon
  mark_started clickhouse
  wait_for ClickHouse 60 clickhouse_ping
}
clickhouse_down() {
  started clickhouse || return 0
  local pid; pid=$(cat "$RUN/clickhouse.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$RUN/clickhouse.started"
  log "ClickHouse: stopped"
}

# ---------- Redis (AOF on, so queued jobs survive a restart) ----------
redis_ping() { redis-cli -p "$REDIS_PORT" ping | grep -q PONG; }
redis_up() {
  if [ -n "${REDIS_URL:-}" ]; then log "Redis: using REDIS_URL"; return; fi
  apt_install redis-server
  if redis_ping >/dev/null 2>&1; then log "Redis: already answering on $REDIS_PORT"; return; fi
  local dir="$LOCAL/redis"
  mkdir -p "$dir"
  log "Redis: starting on 127.0.0.1:$REDIS_PORT with AOF (data in $dir)"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" \
    --appendonly yes --appendfsync everysec --save '' --pidfile "$RUN/redis.pid" --logfile "$dir/redis.log"
  mark_started redis
  wait_for Redis 20 redis_ping
}
redis_down() {
  started redis || return 0
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  rm -f "$RUN/redis.started"
  log "Redis: stopped"
}

# ---------- PostgreSQL (own cluster, run as the postgres OS user) ----------
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
postgres_dir() {
  # The postgres user must be able to reach its data directory; a private parent (mktemp -d is 0700)
  # blocks it, so fall back to a per-checkout folder under /var/tmp.
  local dir="$LOCAL/postgres"
  mkdir -p "$dir"
  if su postgres -s /bin/sh -c "test -w '$dir' -o -x '$dir'" 2>/dev/null && su postgres -s /bin/sh -c "cd '$dir'" 2>/dev/null; then
    echo "$dir"
  else
    echo "/var/tmp/driftwatch-postgres-$(printf '%s' "$ROOT" | md5sum | cut -c1-12)"
  fi
}
postgres_ping() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT"; }
postgres_up() {
  if [ -n "${DATABASE_URL:-}" ]; then log "PostgreSQL: using DATABASE_URL"; return; fi
  apt_install postgresql
  if postgres_ping >/dev/null 2>&1; then log "PostgreSQL: already answering on $POSTGRES_PORT"; ensure_databases; return; fi
  [ "$(id -u)" -eq 0 ] || die "starting the local PostgreSQL needs root (it runs as the postgres user)"
  local dir; dir=$(postgres_dir)
  mkdir -p "$dir"; chown postgres:postgres "$dir"; chmod 700 "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    log "PostgreSQL: initialising $dir"
    su postgres -s /bin/sh -c "'$(pg_bin)/initdb' -D '$dir' -A trust -U postgres --no-sync >/dev/null"
  fi
  log "PostgreSQL: starting on 127.0.0.1:$POSTGRES_PORT (data in $dir)"
  su postgres -s /bin/sh -c "'$(pg_bin)/pg_ctl' -D '$dir' -l '$dir/server.log' -w -t 60 \
    -o \"-p $POSTGRES_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='$dir' -c fsync=off\" start >/dev/null"
  echo "$dir" >"$RUN/postgres.dir"
  mark_started postgres
  wait_for PostgreSQL 30 postgres_ping
  ensure_databases
}
ensure_databases() {
  for db in driftwatch driftwatch_test; do
    psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 ||
      psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -qc "CREATE DATABASE $db" >/dev/null
  done
}
postgres_down() {
  started postgres || return 0
  local dir; dir=$(cat "$RUN/postgres.dir")
  su postgres -s /bin/sh -c "'$(pg_bin)/pg_ctl' -D '$dir' -m fast -w stop >/dev/null" || true
  rm -f "$RUN/postgres.started"
  log "PostgreSQL: stopped"
}

print_env() {
  echo "export CLICKHOUSE_URL=${CLICKHOUSE_URL:-http://127.0.0.1:$CLICKHOUSE_HTTP_PORT}"
  echo "export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:$POSTGRES_PORT/driftwatch}"
  echo "export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:$REDIS_PORT}"
}

case "${1:-}" in
  up)
    clickhouse_up; postgres_up; redis_up
    print_env >"$LOCAL/services.env"
    log "ready: ClickHouse :$CLICKHOUSE_HTTP_PORT, PostgreSQL :$POSTGRES_PORT, Redis :$REDIS_PORT (env in .local/services.env)"
    ;;
  down)
    # `down` stops everything this script started; `down NAME...` only the named ones.
    shift
    targets=${*:-redis postgres clickhouse}
    for t in $targets; do
      case "$t" in
        redis | postgres | clickhouse) "${t}_down" ;;
        *) die "unknown service $t" ;;
      esac
    done
    ;;
  status)
    clickhouse_ping >/dev/null 2>&1 && echo "clickhouse: up" || echo "clickhouse: down"
    postgres_ping >/dev/null 2>&1 && echo "postgres: up" || echo "postgres: down"
    redis_ping >/dev/null 2>&1 && echo "redis: up" || echo "redis: down"
    ;;
  env) print_env ;;
  # Debian packages other parts need (chromium for browser tests), installed the same way.
  apt) shift; apt_install "$@" ;;
  started) for t in clickhouse postgres redis; do started "$t" && echo "$t"; done; true ;;
  *) echo "usage: $0 up|down|status|env" >&2; exit 2 ;;
esac
