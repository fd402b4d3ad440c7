#!/usr/bin/env bash
# Throughput of `iss witness serve` under wrk (docs/WITNESS.md,
# "Performance"): N logs, one wrk thread and connection per log, each
# sending valid add-checkpoint requests that grow its log by one record
# (consistency proof included); every request is verified, cosigned and
# its state fsynced before the answer.
# Usage: scripts/bench_witness_wrk.sh [LOGS] [SECONDS] [DIR]
# (DIR: where the witness keeps its state; a tmpfs folder shows the cost
# without the disk). Needs: cargo build --release; wrk (apt-get install wrk).
set -euo pipefail
ROOT=$(realpath "$(dirname "$0")/..")
ISS=${ISS:-$ROOT/target/release/iss}
LOGS=${1:-8}
SECS=${2:-10}
T=$(mktemp -d "${3:-${TMPDIR:-/tmp}}/bench-wrk.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
# Enough bodies for 1,000 requests/s per log: one connection per log has
# served ~550/s here (the lua script warns if a thread runs out).
PER_LOG=$(( SECS * 1000 + 500 ))  # the generator is quadratic in it
(cd "$ROOT" && cargo run --quiet --release --example witness_load -- --emit "$T/bodies" "$LOGS" "$PER_LOG")
"$ISS" witness key "$T/w.key" --name bench.example/witness >/dev/null
ARGS=()
while read -r l; do ARGS+=(--log "$l"); done < "$T/bodies/logs.txt"
"$ISS" witness serve --listen 127.0.0.1:0 --key "$T/w.key" --state "$T/state" "${ARGS[@]}" > "$T/w.out" &
until grep -q listening "$T/w.out"; do sleep 0.05; done
URL="http://$(sed -n 's/listening on //p' "$T/w.out")"
WITNESS_BODIES="$T/bodies" wrk -t "$LOGS" -c "$LOGS" -d "${SECS}s" --latency \
  -s "$ROOT/scripts/witness_wrk.lua" "$URL"
