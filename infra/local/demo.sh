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
# Stops one child and waits for it, at most `seconds` (then kills it).
stop_child() { # pid, seconds
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 $(($2 * 5))); do kill -0 "$1" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
# Ctrl-C is a clean stop (0); a failure stops what was started and keeps its status.
stop_all() { # exit status
  local status=$1
  trap - INT TERM EXIT
  echo "[demo] stopping" >&2
  # Newest first: Driftwatch finishes a snapshot in flight while the estate it reads still answers.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_child "${pids[$i]}" 60; done
  if [ -n "${started_now// /}" ]; then bash infra/local/services.sh down $started_now; fi
  exit "$status"
}
trap 'stop_all 0' INT TERM
trap 'stop_all $?' EXIT
# Children in process groups of their own: Ctrl-C reaches this script alone, which stops them in order.
set -m

set -a
# shellcheck disable=SC1091
. .local/services.env
set +a

echo "[demo] building" >&2
npm run -s build >/dev/null

# The estate below is generated afresh, so Driftwatch starts on empty stores of the demo's own
# (database and queue prefix driftwatch_demo; see backend/src/cli/reset-demo-stores.ts).
demo_env=$(node backend/dist/cli/reset-demo-stores.js) || exit 1
eval "$demo_env"

# Demo estate: simulated CRM/ERP/WMS/support on ports ESTATE_PORT_BASE+1..4, seeded, drifting, alive.
ESTATE_PORT_BASE=${ESTATE_PORT_BASE:-4100}
ESTATE_DIR="$ROOT/.local/demo-estate"
# The WMS signs its shipment webhooks to Driftwatch with this (the connector verifies them).
export WMS_WEBHOOK_SECRET=${WMS_WEBHOOK_SECRET:-wms-demo-webhook-secret}
# Alerts go to the estate's Slack workspace (port base + 5) unless a real workspace is configured; its
# buttons post to Driftwatch signed with this secret, as Slack's do.
DEMO_SLACK=false
if [ -z "${SLACK_BOT_TOKEN:-}${SLACK_WEBHOOK_URLS:-}" ]; then
  DEMO_SLACK=true
  export SLACK_SIGNING_SECRET=demo-slack-signing-secret
fi
# Links in alert messages lead to this dashboard.
export DASHBOARD_PUBLIC_URL=${DASHBOARD_PUBLIC_URL:-http://127.0.0.1:$PORT}
echo "[demo] starting the demo estate (${DEMO_CUSTOMERS:-20000} customers)" >&2
# The estate writes endpoints.json once it serves: a previous run's file must not pass for this one's
# (Driftwatch would read whatever still holds the ports, and this estate would exit unnoticed).
rm -f "$ESTATE_DIR/endpoints.json"
node --max-old-space-size=16384 --import tsx infra/demo-estate/src/cli/estate.cli.ts serve \
  --customers "${DEMO_CUSTOMERS:-20000}" --scenario default --continuous --fresh \
  --data "$ESTATE_DIR" --port-base "$ESTATE_PORT_BASE" \
  --webhook "http://127.0.0.1:$PORT/api/v1/connectors/wms/events" --webhook-secret "$WMS_WEBHOOK_SECRET" \
  $([ "$DEMO_SLACK" = true ] && echo --slack --slack-interactivity "http://127.0.0.1:$PORT/api/v1/slack/interactivity" \
    --slack-signing-secret "$SLACK_SIGNING_SECRET") >/dev/null &
estate_pid=$!
pids+=("$estate_pid")
for _ in $(seq 1 600); do
  [ -f "$ESTATE_DIR/endpoints.json" ] && break
  kill -0 "$estate_pid" 2>/dev/null || { echo "[demo] demo estate exited; see the messages above" >&2; exit 1; }
  sleep 0.2
done
[ -f "$ESTATE_DIR/endpoints.json" ] || { echo "[demo] demo estate did not start within 120 s" >&2; exit 1; }
export ESTATE_CRM_URL="http://127.0.0.1:$((ESTATE_PORT_BASE + 1))" ESTATE_ERP_URL="http://127.0.0.1:$((ESTATE_PORT_BASE + 2))"
export ESTATE_WMS_URL="http://127.0.0.1:$((ESTATE_PORT_BASE + 3))" ESTATE_SUPPORT_URL="http://127.0.0.1:$((ESTATE_PORT_BASE + 4))"
SLACK_LINE="Slack      your workspace (SLACK_BOT_TOKEN / SLACK_WEBHOOK_URLS)"
if [ "$DEMO_SLACK" = true ]; then
  export SLACK_BOT_TOKEN=xoxb-demo-bot-token SLACK_API_URL="http://127.0.0.1:$((ESTATE_PORT_BASE + 5))/api/"
  SLACK_LINE="Slack      http://127.0.0.1:$((ESTATE_PORT_BASE + 5))/  (the estate's stand-in workspace: alert messages, working buttons)"
fi

# The backend reads the estate through its connectors (demo credentials of the estate).
export DRIFTWATCH_CONNECTORS_FILE="$ROOT/infra/local/demo-connectors.yaml"
export CRM_CLIENT_SECRET=crm-demo-secret ERP_CLIENT_SECRET=erp-demo-secret
export WMS_API_KEY=wms-demo-api-key SUPPORT_API_TOKEN=support-demo-token
DEMO_SNAPSHOTS="crm:customer crm:credit_profile crm:contact crm:order crm:shipment erp:customer erp:credit_profile erp:contact erp:order wms:shipment support:customer support:ticket"
if [ -z "${SNAPSHOT_SCHEDULES:-}" ]; then
  SNAPSHOT_SCHEDULES=""
  for s in $DEMO_SNAPSHOTS; do
    SNAPSHOT_SCHEDULES+="$s:incremental=*/5 * * * *;$s:full=0 */6 * * *;"
  done
  export SNAPSHOT_SCHEDULES="${SNAPSHOT_SCHEDULES%;}"
fi
export RECONCILIATION_AFTER_SNAPSHOT_DELAY_MS=${RECONCILIATION_AFTER_SNAPSHOT_DELAY_MS:-20000}
# The CRM's changes are pushed too: the scheduler subscribes to its Change Data Capture stream.
export SNAPSHOT_CHANGE_STREAMS=${SNAPSHOT_CHANGE_STREAMS-crm}

# The backend logs every request (the WMS alone posts webhooks several times a second): to a file, so
# the terminal keeps the admin key and URLs printed below instead of scrolling them away.
BACKEND_LOG="$ROOT/.local/demo-backend.log"
: >"$BACKEND_LOG"
backend_failed() {
  echo "[demo] backend exited; its last log lines ($BACKEND_LOG):" >&2
  tail -n 30 "$BACKEND_LOG" >&2
  exit 1
}
DASHBOARD_DIR="$ROOT/frontend/dist" PORT=$PORT DRIFTWATCH_ROLE=all node backend/dist/main.js >>"$BACKEND_LOG" 2>&1 &
backend_pid=$!
pids+=("$backend_pid")

for _ in $(seq 1 150); do
  if curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1; then break; fi
  kill -0 "$backend_pid" 2>/dev/null || backend_failed
  sleep 0.2
done

# A first admin key so the API and dashboard can be used at once. Only its hash is stored: shown here once.
ADMIN_KEY=$(RUN_MIGRATIONS=false node backend/dist/cli/create-admin-key.js --name "demo-admin-$(date +%Y%m%d-%H%M%S)" \
  2>"$ROOT/.local/create-admin-key.log") || { cat "$ROOT/.local/create-admin-key.log" >&2; exit 1; }

# A first full snapshot of every system now, so findings appear within a minute or two.
for s in $DEMO_SNAPSHOTS; do
  curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/snapshots" -H "x-api-key: $ADMIN_KEY" \
    -H 'content-type: application/json' \
    -d "{\"connectorId\":\"${s%%:*}\",\"entity\":\"${s#*:}\",\"mode\":\"full\"}" >/dev/null ||
    echo "[demo] could not enqueue the first $s snapshot" >&2
done

cat <<MSG

  Driftwatch is running.
    Dashboard  http://127.0.0.1:$PORT/
    API docs   http://127.0.0.1:$PORT/api/docs
    Health     http://127.0.0.1:$PORT/health/ready
    Admin key  $ADMIN_KEY
               (shown once: sign in to the dashboard with it, or send it as X-API-Key; more keys on the API keys page)
    $SLACK_LINE
    Estate     CRM $ESTATE_CRM_URL  ERP $ESTATE_ERP_URL  WMS $ESTATE_WMS_URL  support $ESTATE_SUPPORT_URL
               (credentials: .local/demo-estate/endpoints.json, drift log: .local/demo-estate/ground-truth.jsonl)
    Logs       .local/demo-backend.log (JSON lines; follow with: tail -f .local/demo-backend.log)
  Press Ctrl-C to stop everything this command started.

MSG
wait "$backend_pid" || backend_failed
