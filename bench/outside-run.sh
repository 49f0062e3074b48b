#!/usr/bin/env bash
# One outside-harness run against a freshly started Switchboard on a fresh database:
#   bench/outside-run.sh <label> [outside.ts args…]
# SHAPE=start (default): `npm start` (API and worker in one process, as an operator starts it);
# SHAPE=split: `npm run start:api` + `npm run start:worker`, as `npm run bench` runs them.
# LOG_LEVEL is passed through (npm start's default: info). Everything on 127.0.0.1; the database
# switchboard_bench_outside and the Redis prefix sbbench-outside:* are this script's own.
# KEEP_DB=1 keeps the database afterwards. OUTSIDE_DB overrides the database name (two runs on one machine must not share it).
set -euo pipefail
cd "$(dirname "$0")/.."
label=$1
shift
db=${OUTSIDE_DB:-switchboard_bench_outside}
prefix="sbbench-outside:$$"
port=${PORT:-3917}
key=${SWITCHBOARD_ROOT_KEY:-outside-harness-root-key-0123456789abcdef}
logs=${LOGS:-/tmp/outside-logs}
mkdir -p "$logs"
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
export DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$db"
export SWITCHBOARD_ROOT_KEY=$key SWITCHBOARD_REDIS_PREFIX=$prefix SWITCHBOARD_ALLOWED_TARGETS=127.0.0.1/32
export PORT=$port HOST=127.0.0.1
node dist/scripts/migrate.js >/dev/null
npx tsx bench/postgres-besides.ts "$db"
pids=()
stop() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  redis-cli --scan --pattern "$prefix:*" | xargs -r -n 500 redis-cli DEL >/dev/null
  # BullMQ's keys (intake, housekeeping) live under the braced prefix {<prefix>}.
  redis-cli --scan --pattern "{$prefix}:*" | xargs -r -n 500 redis-cli DEL >/dev/null
  # KEEP_DB=1 leaves the database for inspection (the next run drops it).
  [ -n "${KEEP_DB:-}" ] || psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
}
trap stop EXIT
export BATCH_DEBUG=${BATCH_DEBUG:-}
if [ "${SHAPE:-start}" = split ]; then
  node ${NODE_ARGS:-} dist/src/server.js >"$logs/$label.api.log" 2>&1 &
  pids+=($!)
  node ${WORKER_NODE_ARGS:-} dist/workers/delivery-worker.js >"$logs/$label.worker.log" 2>&1 &
  pids+=($!)
else
  node ${NODE_ARGS:-} dist/src/main.js >"$logs/$label.log" 2>&1 &
  pids+=($!)
fi
for _ in $(seq 1 150); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.2
done
npx tsx bench/outside.ts --pids "$(IFS=,; echo "${pids[*]}")" --origin "http://127.0.0.1:$port" --key "$key" --label "$label" "$@"
