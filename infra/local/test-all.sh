#!/usr/bin/env bash
# `npm test`: installs what is missing, starts the services the suite needs, runs lint, typecheck,
# build and every jest project (unit, integration, e2e), stops what it started, and ends with one
# line `N passed, N failed`. Exits non-zero on any failure.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
mkdir -p .local

passed=0
failed=0
failures=()
check() { # name, command...
  local name=$1; shift
  echo "=== $name" >&2
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$name"); fi
}

bash infra/local/ensure-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

before=$(bash infra/local/services.sh started)
if ! bash infra/local/services.sh up; then
  echo "services failed to start" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
after=$(bash infra/local/services.sh started)
started_now=$(comm -13 <(echo "$before" | sort) <(echo "$after" | sort) | tr '\n' ' ')
tryton_before=$([ -f .local/run/tryton.started ] && echo yes || echo no)
cleanup() {
  # The connector tests start a real trytond; stop it if this run started it.
  [ "$tryton_before" = no ] && bash infra/local/tryton.sh down
  # The cluster specs stop the keeper cluster they start; this catches one a crashed spec left.
  bash infra/local/clickhouse-keeper-cluster.sh down
  [ -n "${started_now// /}" ] && bash infra/local/services.sh down $started_now
  return 0
}
trap cleanup EXIT

set -a
# shellcheck disable=SC1091
. .local/services.env
set +a

# Browser tests drive Debian's chromium (playwright cannot download its own browser here).
bash infra/local/services.sh apt chromium || { echo "0 passed, 1 failed"; exit 1; }
# The keeper cluster spec's ZooKeeper (Debian's libzookeeper-java on a JRE): installed here, not inside a test's timeout.
bash infra/local/clickhouse-keeper-cluster.sh install || { echo "0 passed, 1 failed"; exit 1; }

check lint npm run -s lint
check typecheck npm run -s typecheck
check build npm run -s build

echo "=== jest" >&2
results=.local/jest-results.json
rm -f "$results"
npx jest --runInBand --forceExit --json --outputFile="$results"
jest_exit=$?
if [ -f "$results" ]; then
  read -r jp jf je < <(node -e '
    const r = require(process.argv[1]);
    const broken = r.testResults.filter((t) => t.status === "failed" && t.assertionResults.length === 0).length;
    console.log(r.numPassedTests, r.numFailedTests, broken);' "$ROOT/$results")
  passed=$((passed + jp))
  failed=$((failed + jf + je))
  [ "$jf" -gt 0 ] || [ "$je" -gt 0 ] && failures+=("jest: $jf failed tests, $je suites that failed to run")
  [ "$jf" -eq 0 ] && [ "$je" -eq 0 ] && [ "$jest_exit" -ne 0 ] && { failed=$((failed + 1)); failures+=("jest exited $jest_exit"); }
else
  failed=$((failed + 1)); failures+=("jest wrote no results (exit $jest_exit)")
fi

[ ${#failures[@]} -gt 0 ] && printf 'FAILED: %s\n' "${failures[@]}" >&2
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
