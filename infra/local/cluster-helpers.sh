# Helpers shared by clickhouse-cluster.sh and clickhouse-keeper-cluster.sh (sourced, not run).
# The sourcing script sets LOCAL (logs folder named in errors) and defines log and die.

ping_http() { curl -sf "http://127.0.0.1:$1/ping" >/dev/null 2>&1; }

wait_for() { # what, seconds, command...
  local what=$1 seconds=$2; shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  die "$what not ready within ${seconds}s (logs under $LOCAL)"
}

stop_started() { # pid file, started marker, name: stops the process only when this tooling started it
  [ -f "$2" ] || return 1
  local pid; pid=$(cat "$1" 2>/dev/null || true)
  if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$2"
  log "$3 stopped"
}
