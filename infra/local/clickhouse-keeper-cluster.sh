#!/usr/bin/env bash
# A local 2-shard ClickHouse cluster `driftwatch` with a keeper, for the ON CLUSTER and Replicated*
# path of cluster mode (CLICKHOUSE_CLUSTER_DDL=on_cluster, CLICKHOUSE_REPLICATED=true): ZooKeeper from
# Debian's libzookeeper-java (standalone, on the JRE) and two clickhouse-servers of their own (the
# suite's ClickHouse is left alone: 18.16 only takes a keeper at boot). Stops only what it started.
#   clickhouse-keeper-cluster.sh install | up | down | env
# `up` prints `started` or `reused` on stdout so a caller knows whether to run `down` afterwards.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOCAL="$ROOT/.local"
RUN="$LOCAL/run"
mkdir -p "$RUN"

ZOOKEEPER_PORT=${DRIFTWATCH_ZOOKEEPER_PORT:-12181}
BASE_HTTP_PORT=${DRIFTWATCH_CLICKHOUSE_KEEPER_PORT:-18143}
ZOOKEEPER_DIR="$LOCAL/zookeeper"
CLUSTER=driftwatch
# ZooKeeperServerMain and what it loads, as Debian installs them under /usr/share/java.
ZOOKEEPER_JARS=(zookeeper zookeeper-jute slf4j-api slf4j-simple commons-cli commons-io metrics-core netty-all snappy-java)

log() { printf '[clickhouse-keeper-cluster] %s\n' "$*" >&2; }
die() { printf '[clickhouse-keeper-cluster] ERROR: %s\n' "$*" >&2; exit 1; }

http_port() { echo $((BASE_HTTP_PORT + 10 * ($1 - 1))); }
tcp_port() { echo $(($(http_port "$1") + 877)); }
shard_dir() { echo "$LOCAL/clickhouse-keeper$1"; }
# shellcheck source=infra/local/cluster-helpers.sh
. "$ROOT/infra/local/cluster-helpers.sh"
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# ZooKeeper listens before it accepts sessions; an 18.16 server that misses it at boot keeps a null
# keeper in its DDL worker and crashes on the first ON CLUSTER query, so shards start only after this.
zookeeper_serving() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf srvr >&3 && timeout 2 cat <&3) 2>/dev/null | grep -q '^Mode: '
}
keeper_seen() { # the server reads the keeper, a DDL worker made its queue, the server knows both shards
  [ "$(curl -sf "http://127.0.0.1:$1/" --data-binary \
    "SELECT (SELECT count() FROM system.zookeeper WHERE path = '/clickhouse/task_queue' AND name = 'ddl') = 1 AND (SELECT count() FROM system.clusters WHERE cluster = '$CLUSTER') = 2" \
    2>/dev/null)" = 1 ]
}

install() {
  command -v java >/dev/null || bash "$ROOT/infra/local/services.sh" apt default-jre-headless
  bash "$ROOT/infra/local/services.sh" apt libzookeeper-java libslf4j-java
  command -v clickhouse-server >/dev/null || bash "$ROOT/infra/local/services.sh" apt clickhouse-server clickhouse-client
}

start_zookeeper() {
  port_open "$ZOOKEEPER_PORT" && return 1
  install
  local classpath="" jar
  for jar in "${ZOOKEEPER_JARS[@]}"; do
    [ -f "/usr/share/java/$jar.jar" ] || die "/usr/share/java/$jar.jar is missing (Debian's libzookeeper-java and its dependencies)"
    classpath="$classpath${classpath:+:}/usr/share/java/$jar.jar"
  done
  rm -rf "$ZOOKEEPER_DIR" && mkdir -p "$ZOOKEEPER_DIR/data"
  log "starting ZooKeeper on 127.0.0.1:$ZOOKEEPER_PORT (data in $ZOOKEEPER_DIR)"
  setsid java -Xmx256m -Dzookeeper.admin.enableServer=false -cp "$classpath" \
    org.apache.zookeeper.server.ZooKeeperServerMain "$ZOOKEEPER_PORT" "$ZOOKEEPER_DIR/data" \
    >"$ZOOKEEPER_DIR/zookeeper.log" 2>&1 </dev/null &
  echo $! >"$RUN/zookeeper.pid"
  wait_for "ZooKeeper" 60 zookeeper_serving "$ZOOKEEPER_PORT"
}

start_shard() { # shard number
  local n=$1 dir http tcp
  dir=$(shard_dir "$n"); http=$(http_port "$n"); tcp=$(tcp_port "$n")
  ping_http "$http" && return 1
  # A fresh keeper holds no replica metadata: the servers' tables from an earlier start would not attach.
  rm -rf "$dir" && mkdir -p "$dir/data" "$dir/log" "$dir/config.d"
  sed -e "s#@DIR@#$dir#g" -e "s#@HTTP_PORT@#$http#g" -e "s#@TCP_PORT@#$tcp#g" \
    "$ROOT/infra/local/clickhouse-config.xml" >"$dir/config.xml"
  sed -e "s#@INTERSERVER_PORT@#$((http + 886))#g" -e "s#@ZOOKEEPER_PORT@#$ZOOKEEPER_PORT#g" \
    -e "s#@SHARD1_TCP_PORT@#$(tcp_port 1)#g" -e "s#@SHARD2_TCP_PORT@#$(tcp_port 2)#g" \
    -e "s#@SHARD@#0$n#g" -e "s#@REPLICA@#keeper$n#g" \
    "$ROOT/infra/local/clickhouse-keeper-cluster.xml" >"$dir/config.d/driftwatch-keeper-cluster.xml"
  log "starting keeper shard $n on 127.0.0.1:$http (native $tcp, data in $dir)"
  clickhouse-server --config-file="$dir/config.xml" --pid-file="$RUN/clickhouse-keeper$n.pid" --daemon
}

up() {
  local outcome=reused
  if start_zookeeper; then touch "$RUN/zookeeper.started"; outcome=started; fi
  for n in 1 2; do
    if start_shard "$n"; then touch "$RUN/clickhouse-keeper$n.started"; outcome=started; fi
  done
  for n in 1 2; do wait_for "keeper shard $n" 60 keeper_seen "$(http_port "$n")"; done
  log "cluster $CLUSTER with keeper ready: shard 1 :$(http_port 1), shard 2 :$(http_port 2), ZooKeeper :$ZOOKEEPER_PORT"
  echo "$outcome"
}

down() {
  for n in 1 2; do stop_started "$RUN/clickhouse-keeper$n.pid" "$RUN/clickhouse-keeper$n.started" "keeper shard $n" || true; done
  stop_started "$RUN/zookeeper.pid" "$RUN/zookeeper.started" "ZooKeeper" || true
}

print_env() {
  echo "export CLICKHOUSE_URL=http://127.0.0.1:$(http_port 1)"
  echo "export CLICKHOUSE_CLUSTER=$CLUSTER"
  echo "export CLICKHOUSE_SHARD_URLS=http://127.0.0.1:$(http_port 1),http://127.0.0.1:$(http_port 2)"
  echo "export CLICKHOUSE_CLUSTER_DDL=on_cluster"
  echo "export CLICKHOUSE_REPLICATED=true"
}

case "${1:-}" in
  install) install ;;
  up) up ;;
  down) down ;;
  env) print_env ;;
  *) echo "usage: $0 install|up|down|env" >&2; exit 2 ;;
esac
