#!/usr/bin/env bash
# A real Tryton 6.0 ERP for the connector tests: installs the Debian packages if missing, initialises
# a SQLite database under .local/tryton once (reused across runs), starts trytond on 127.0.0.1:18001,
# waits until it answers and stops only a trytond this script started.
#   tryton.sh up | down | status | env
# Prints nothing on stdout except for `env` (TRYTON_URL, TRYTON_DB, TRYTON_USER, TRYTON_PASSWORD).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DIR="$ROOT/.local/tryton"
RUN="$ROOT/.local/run"
PORT=${DRIFTWATCH_TRYTON_PORT:-18001}
DB=${DRIFTWATCH_TRYTON_DB:-ci}
PASSWORD=admin
PACKAGES=(tryton-server tryton-modules-party tryton-modules-company tryton-modules-currency
  tryton-modules-country tryton-modules-product tryton-modules-account tryton-modules-sale
  tryton-modules-sale-opportunity tryton-modules-stock tryton-modules-account-credit-limit)
# Modules activated in the database; adding one here activates it on an existing database too.
MODULES="party sale account stock sale_opportunity account_credit_limit"

log() { printf '[tryton] %s\n' "$*" >&2; }
die() { printf '[tryton] ERROR: %s\n' "$*" >&2; exit 1; }

install_packages() {
  local missing=()
  for pkg in "${PACKAGES[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing packages ${missing[*]}: install them with apt-get (needs root)"
  log "installing ${missing[*]} with apt-get"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Answers a JSON-RPC call (common.version needs no database or session).
ping() {
  curl -sf -m 2 -H 'Content-Type: application/json' \
    -d '{"id":0,"method":"common.server.version","params":[]}' "http://127.0.0.1:$PORT/" | grep -q result
}

write_config() {
  mkdir -p "$DIR/db" "$RUN"
  cat >"$DIR/trytond.conf" <<EOF
[database]
uri = sqlite://
path = $DIR/db

[web]
listen = 127.0.0.1:$PORT

[session]
timeout = 86400
max_attempt = 1000
EOF
  printf '%s' "$PASSWORD" >"$DIR/pass"
}

init_db() {
  local marker="$DIR/db/$DB.initialised"
  if [ -f "$marker" ]; then
    [ "$(cat "$marker")" = "$MODULES" ] && return 0
    log "activating modules $MODULES in the existing database $DB"
    TRYTONPASSFILE="$DIR/pass" trytond-admin -c "$DIR/trytond.conf" -d "$DB" -u $MODULES --activate-dependencies \
      >"$DIR/admin.log" 2>&1 || die "trytond-admin failed (see $DIR/admin.log)"
    printf '%s' "$MODULES" >"$marker"
    return 0
  fi
  log "initialising database $DB (once; reused afterwards)"
  rm -f "$DIR/db/$DB.sqlite"
  touch "$DIR/db/$DB.sqlite" # the sqlite backend won't create the file itself
  TRYTONPASSFILE="$DIR/pass" trytond-admin -c "$DIR/trytond.conf" -d "$DB" \
    -u $MODULES --activate-dependencies --email admin@example.com \
    >"$DIR/admin.log" 2>&1 || die "trytond-admin failed (see $DIR/admin.log)"
  printf '%s' "$MODULES" >"$marker"
}

up() {
  if ping; then log "already answering on 127.0.0.1:$PORT"; return 0; fi
  # Several test workers may ask at once: one installs/initialises/starts, the others wait for it.
  mkdir -p "$RUN"
  exec 9>"$RUN/tryton.lock"
  flock 9
  if ping; then log "already answering on 127.0.0.1:$PORT"; return 0; fi
  install_packages
  write_config
  init_db
  log "starting trytond on 127.0.0.1:$PORT"
  setsid trytond -c "$DIR/trytond.conf" >"$DIR/trytond.log" 2>&1 </dev/null &
  echo $! >"$RUN/tryton.pid"
  touch "$RUN/tryton.started"
  for _ in $(seq 1 150); do
    if ping; then return 0; fi
    kill -0 "$(cat "$RUN/tryton.pid")" 2>/dev/null || die "trytond exited (see $DIR/trytond.log)"
    sleep 0.2
  done
  die "trytond did not answer within 30s (see $DIR/trytond.log)"
}

down() {
  [ -f "$RUN/tryton.started" ] || return 0
  local pid; pid=$(cat "$RUN/tryton.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$RUN/tryton.started" "$RUN/tryton.pid"
  log "stopped"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  status) if ping; then echo "tryton: up on 127.0.0.1:$PORT"; else echo "tryton: down"; fi ;;
  env) printf 'TRYTON_URL=http://127.0.0.1:%s\nTRYTON_DB=%s\nTRYTON_USER=admin\nTRYTON_PASSWORD=%s\n' "$PORT" "$DB" "$PASSWORD" ;;
  *) die "usage: tryton.sh up|down|status|env" ;;
esac
