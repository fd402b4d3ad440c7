#!/usr/bin/env bash
# What `iss checkpoint --witness` adds with 3 witnesses on loopback
# (README, "Witnesses"). Usage: scripts/bench_witness.sh [ROUNDS]
# Needs a release build: cargo build --release
set -euo pipefail
ISS=$(realpath "${ISS:-$(dirname "$0")/../target/release/iss}")
ROUNDS=${1:-20}
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
cd "$T"
"$ISS" init L --origin bench.example/L >/dev/null
mapfile -t LOGS < <("$ISS" key verifier L --per-chain)
SPECS=()
for i in 1 2 3; do
  VK=$("$ISS" witness key w$i.key --name w$i.example)
  ARGS=()
  for l in "${LOGS[@]}"; do ARGS+=(--log "$l"); done
  "$ISS" witness serve --listen 127.0.0.1:0 --key w$i.key --state s$i "${ARGS[@]}" > w$i.out &
  until grep -q listening w$i.out; do sleep 0.05; done
  SPECS+=(--witness "http://$(sed -n 's/listening on //p' w$i.out)=$VK")
done
D='{"process_name":"bench","process_version":"1","capability_level":3,"process_outcome":"compliant","compliance_score":0.9,"assessed_by":"b","assessment_method":"t"}'
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000 )); }
plain=0; witnessed=0
for r in $(seq "$ROUNDS"); do
  echo "$D" | "$ISS" append descriptor L >/dev/null
  witnessed=$(( witnessed + $(ms "$ISS" checkpoint L "${SPECS[@]}") ))
  echo "$D" | "$ISS" append descriptor L >/dev/null
  plain=$(( plain + $(ms "$ISS" checkpoint L) ))
done
echo "iss checkpoint, mean of $ROUNDS: without witnesses $(( plain / ROUNDS )) us, with 3 witnesses $(( witnessed / ROUNDS )) us (3 chains x 3 witnesses = 9 add-checkpoint requests)"
