#!/usr/bin/env bash
# What `iss checkpoint --witness` adds with 3 witnesses on loopback
# (docs/WITNESS.md, "Performance"). Usage: scripts/bench_witness.sh [ROUNDS] [DIR]
# DIR (default: a new temporary folder) holds the ledger and the witnesses'
# state: give a folder on tmpfs to see the cost without the disk's fsyncs.
# Needs a release build: cargo build --release
#
# Two measures, each against a baseline taken in the same rounds (the
# order alternates from round to round), medians:
# - new tree: records appended without a checkpoint (the key kept away from
#   the append), then `iss checkpoint` signs the new tree, with or without
#   --witness. Both write one history entry and the latest file.
# - after a signed append: `iss append` already signed the new tree, then
#   `iss checkpoint` has nothing to write, while `--witness` writes a second
#   entry (the same tree, with the cosignatures).
set -euo pipefail
ISS=$(realpath "${ISS:-$(dirname "$0")/../target/release/iss}")
ROUNDS=${1:-21}
T=$(mktemp -d "${2:-${TMPDIR:-/tmp}}/bench-witness.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
cd "$T"
"$ISS" init L --origin bench.example/L >/dev/null
# Appends find no key beside the ledger: they write records only.
mv L.key k.key
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
us() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000 )); }
append() { echo "$D" | "$ISS" append descriptor L "$@" >/dev/null 2>&1; }
plain() { us "$ISS" checkpoint L --key k.key; }
witnessed() { us "$ISS" checkpoint L --key k.key "${SPECS[@]}"; }
# Every chain cosigned once: later rounds ask the witnesses about the
# chain that grew (descriptors) only.
append
"$ISS" checkpoint L --key k.key "${SPECS[@]}" >/dev/null
NP=(); NW=(); SP=(); SW=()
for r in $(seq "$ROUNDS"); do
  for arm in $( ((r % 2)) && echo "p w" || echo "w p"); do
    append
    if [ "$arm" = p ]; then NP+=("$(plain)"); else NW+=("$(witnessed)"); fi
    append --key k.key
    if [ "$arm" = p ]; then SP+=("$(plain)"); else SW+=("$(witnessed)"); fi
  done
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
report() {
  local p w
  p=$(median "${@:2:$ROUNDS}")
  w=$(median "${@:$((ROUNDS + 2))}")
  awk -v what="$1" -v p="$p" -v w="$w" -v n="$ROUNDS" 'BEGIN {
    printf "%-22s median of %d: without witnesses %.1f ms, with 3 witnesses %.1f ms: +%.1f ms (x%.2f)\n",
      what, n, p / 1000, w / 1000, (w - p) / 1000, w / p }'
}
report "new tree:" "${NP[@]}" "${NW[@]}"
report "after a signed append:" "${SP[@]}" "${SW[@]}"
echo "(3 witnesses x 1 grown chain = 3 add-checkpoint requests, sent at once; state in $T)"
