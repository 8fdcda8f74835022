#!/usr/bin/env bash
# `npm run demo`: installs what is missing, starts ClickHouse, Postgres and Redis, builds, starts the
# backend (all roles in one process) serving the dashboard, and prints the URL.
# Ctrl-C stops everything this script started.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
PORT=${PORT:-3000}

bash infra/local/ensure-deps.sh
before=$(bash infra/local/services.sh started)
bash infra/local/services.sh up
after=$(bash infra/local/services.sh started)
started_now=$(comm -13 <(echo "$before" | sort) <(echo "$after" | sort) | tr '\n' ' ')

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo "[demo] stopping" >&2
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${started_now// /}" ] && bash infra/local/services.sh down $started_now
  exit 0
}
trap stop_all INT TERM EXIT

set -a
# shellcheck disable=SC1091
. .local/services.env
set +a

echo "[demo] building" >&2
npm run -s build >/dev/null

DASHBOARD_DIR="$ROOT/frontend/dist" PORT=$PORT DRIFTWATCH_ROLE=all node backend/dist/main.js &
pids+=($!)

for _ in $(seq 1 150); do
  if curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1; then break; fi
  kill -0 "${pids[0]}" 2>/dev/null || { echo "[demo] backend exited; see the messages above" >&2; exit 1; }
  sleep 0.2
done

# A first admin key so the API and dashboard can be used at once. Only its hash is stored: shown here once.
ADMIN_KEY=$(RUN_MIGRATIONS=false node backend/dist/cli/create-admin-key.js --name "demo-admin-$(date +%Y%m%d-%H%M%S)" \
  2>"$ROOT/.local/create-admin-key.log") || { cat "$ROOT/.local/create-admin-key.log" >&2; exit 1; }

cat <<MSG

  Driftwatch is running.
    Dashboard  http://127.0.0.1:$PORT/
    API docs   http://127.0.0.1:$PORT/api/docs
    Health     http://127.0.0.1:$PORT/health/ready
    Admin key  $ADMIN_KEY
               (shown once: sign in to the dashboard with it, or send it as X-API-Key; more keys at /api/v1/api-keys)
  Press Ctrl-C to stop everything this command started.

MSG
wait "${pids[0]}"
