#!/usr/bin/env bash
# `make run`: a pinned nats-server with JetStream in a temporary store, and the router on examples/msp.
# No cluster needed. Ctrl-C stops both.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

NATS_PORT=${NATS_PORT:-4222}
HTTP_PORT=${HTTP_PORT:-8080}
CONFIG=${CONFIG:-examples/msp}
export SWITCHBOARD_ADMIN_TOKEN=${SWITCHBOARD_ADMIN_TOKEN:-dev-admin-token}
export SWITCHBOARD_SIGNING_KEY=${SWITCHBOARD_SIGNING_KEY:-dev-signing-key-not-for-production}
export SWITCHBOARD_PUBLIC_URL=${SWITCHBOARD_PUBLIC_URL:-http://127.0.0.1:$HTTP_PORT}
store=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-nats.XXXXXX")

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if port_busy "$NATS_PORT"; then echo "run: port $NATS_PORT is in use; set NATS_PORT=... to use another" >&2; exit 1; fi
if port_busy "$HTTP_PORT"; then echo "run: port $HTTP_PORT is in use; set HTTP_PORT=... to use another" >&2; exit 1; fi

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$store"
}
trap cleanup EXIT INT TERM

.tools/bin/nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$store" >"$store/nats.log" 2>&1 &
pids+=($!)

# On jemalloc, as the container image runs the router (Dockerfile).
LD_PRELOAD="$root/.tools/lib/libjemalloc.so.2" MALLOC_CONF=background_thread:true \
  node bin/switchboard.js router --config "$CONFIG" --nats "nats://127.0.0.1:$NATS_PORT" --listen "127.0.0.1:$HTTP_PORT" &
pids+=($!)

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null || { echo "run: the router did not become ready" >&2; exit 1; }

token=$(sed -n 's/^ *ingest-token: *//p' "$CONFIG/secrets.yaml" 2>/dev/null | head -1)
cat <<MSG

Switchboard is running on $CONFIG (NATS store: $store).
  API        http://127.0.0.1:$HTTP_PORT/api/v1/incidents   (admin token: $SWITCHBOARD_ADMIN_TOKEN)
  Metrics    http://127.0.0.1:$HTTP_PORT/metrics
  Readiness  http://127.0.0.1:$HTTP_PORT/readyz
  NATS       nats://127.0.0.1:$NATS_PORT

Fire a test alert for tenant acme:
  curl -sS -X POST http://127.0.0.1:$HTTP_PORT/api/v1/alerts \\
    -H 'Authorization: Bearer ${token:-<acme ingest token>}' -H 'Content-Type: application/json' \\
    -d '{"summary":"Disk almost full on db01","severity":"critical","labels":{"alertname":"DiskFull","instance":"db01"}}'
Then list incidents:
  curl -sS -H 'Authorization: Bearer $SWITCHBOARD_ADMIN_TOKEN' http://127.0.0.1:$HTTP_PORT/api/v1/incidents

Ctrl-C stops the router and NATS.
MSG
wait -n "${pids[@]}"
