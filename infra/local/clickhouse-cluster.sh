#!/usr/bin/env bash
# A local 2-shard ClickHouse cluster `driftwatch` for cluster-mode tests: shard 1 is the ClickHouse
# that services.sh runs (it only gains a config.d/ file with the cluster, re-read without restart),
# shard 2 is a second clickhouse-server (same Debian package) on its own ports with data under
# .local/clickhouse-shard2. Stops only a server it started.
#   clickhouse-cluster.sh up | down | status | env
# `up` prints `started` or `reused` on stdout so a caller knows whether to run `down` afterwards.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOCAL="$ROOT/.local"
RUN="$LOCAL/run"
mkdir -p "$RUN"

SHARD1_HTTP_PORT=${DRIFTWATCH_CLICKHOUSE_PORT:-18123}
SHARD1_TCP_PORT=$((SHARD1_HTTP_PORT + 877))
SHARD2_HTTP_PORT=${DRIFTWATCH_CLICKHOUSE_SHARD2_PORT:-18133}
SHARD2_TCP_PORT=$((SHARD2_HTTP_PORT + 877))
SHARD2_INTERSERVER_PORT=$((SHARD2_HTTP_PORT + 886))
SHARD1_DIR="$LOCAL/clickhouse"
SHARD2_DIR="$LOCAL/clickhouse-shard2"
CLUSTER=driftwatch

log() { printf '[clickhouse-cluster] %s\n' "$*" >&2; }
die() { printf '[clickhouse-cluster] ERROR: %s\n' "$*" >&2; exit 1; }

# shellcheck source=infra/local/cluster-helpers.sh
. "$ROOT/infra/local/cluster-helpers.sh"
shards_seen() { # http port -> number of shards of the cluster the server knows
  curl -sf "http://127.0.0.1:$1/" --data-binary \
    "SELECT count() FROM system.clusters WHERE cluster = '$CLUSTER'" 2>/dev/null || echo 0
}
cluster_config() { # shard number, replica name -> config.d file content
  sed -e "s#@SHARD1_TCP_PORT@#$SHARD1_TCP_PORT#g" -e "s#@SHARD2_TCP_PORT@#$SHARD2_TCP_PORT#g" \
    -e "s#@SHARD@#0$1#g" -e "s#@REPLICA@#$2#g" "$ROOT/infra/local/clickhouse-cluster.xml"
}
knows_cluster() { [ "$(shards_seen "$1")" = 2 ]; }

up() {
  if [ -n "${CLICKHOUSE_URL:-}" ] && [ "${CLICKHOUSE_URL%/}" != "http://127.0.0.1:$SHARD1_HTTP_PORT" ]; then
    die "CLICKHOUSE_URL points at $CLICKHOUSE_URL; the local cluster extends the ClickHouse services.sh runs"
  fi
  ping_http "$SHARD1_HTTP_PORT" || die "no ClickHouse on :$SHARD1_HTTP_PORT: run infra/local/services.sh up first"
  [ -f "$SHARD1_DIR/config.xml" ] || die "$SHARD1_DIR/config.xml is missing: the ClickHouse on :$SHARD1_HTTP_PORT was not started by services.sh"
  mkdir -p "$SHARD1_DIR/config.d"
  local wanted; wanted=$(cluster_config 1 shard1)
  if [ "$(cat "$SHARD1_DIR/config.d/driftwatch-cluster.xml" 2>/dev/null)" != "$wanted" ]; then
    printf '%s\n' "$wanted" >"$SHARD1_DIR/config.d/driftwatch-cluster.xml"
  fi

  local outcome=reused
  if ! ping_http "$SHARD2_HTTP_PORT"; then
    command -v clickhouse-server >/dev/null || bash "$ROOT/infra/local/services.sh" apt clickhouse-server clickhouse-client
    mkdir -p "$SHARD2_DIR/data" "$SHARD2_DIR/log" "$SHARD2_DIR/config.d"
    sed -e "s#@DIR@#$SHARD2_DIR#g" -e "s#@HTTP_PORT@#$SHARD2_HTTP_PORT#g" -e "s#@TCP_PORT@#$SHARD2_TCP_PORT#g" \
      "$ROOT/infra/local/clickhouse-config.xml" >"$SHARD2_DIR/config.xml"
    # 18.16 listens on 9009 for replica fetches by default; keep it off the first server's.
    sed -i "s#</yandex>#  <interserver_http_port>$SHARD2_INTERSERVER_PORT</interserver_http_port>\n</yandex>#" "$SHARD2_DIR/config.xml"
    cluster_config 2 shard2 >"$SHARD2_DIR/config.d/driftwatch-cluster.xml"
    log "starting shard 2 on 127.0.0.1:$SHARD2_HTTP_PORT (native $SHARD2_TCP_PORT, data in $SHARD2_DIR)"
    clickhouse-server --config-file="$SHARD2_DIR/config.xml" --pid-file="$RUN/clickhouse-shard2.pid" --daemon
    touch "$RUN/clickhouse-shard2.started"
    outcome=started
    wait_for "shard 2" 60 ping_http "$SHARD2_HTTP_PORT"
  fi
  # The first server picks up config.d/ within seconds (its config reloader polls the files).
  wait_for "cluster $CLUSTER on shard 1" 30 knows_cluster "$SHARD1_HTTP_PORT"
  wait_for "cluster $CLUSTER on shard 2" 30 knows_cluster "$SHARD2_HTTP_PORT"
  log "cluster $CLUSTER ready: shard 1 :$SHARD1_HTTP_PORT, shard 2 :$SHARD2_HTTP_PORT"
  echo "$outcome"
}

down() {
  stop_started "$RUN/clickhouse-shard2.pid" "$RUN/clickhouse-shard2.started" "shard 2" ||
    log "shard 2 was not started here; left alone"
}

print_env() {
  echo "export CLICKHOUSE_CLUSTER=$CLUSTER"
  echo "export CLICKHOUSE_SHARD_URLS=http://127.0.0.1:$SHARD1_HTTP_PORT,http://127.0.0.1:$SHARD2_HTTP_PORT"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status)
    ping_http "$SHARD2_HTTP_PORT" && echo "shard2: up" || echo "shard2: down"
    echo "cluster $CLUSTER: shard 1 sees $(shards_seen "$SHARD1_HTTP_PORT") shards, shard 2 sees $(shards_seen "$SHARD2_HTTP_PORT")"
    ;;
  env) print_env ;;
  *) echo "usage: $0 up|down|status|env" >&2; exit 2 ;;
esac
