#!/usr/bin/env bash
# Run the clock-sensitive tests as on a machine booted a minute ago.
#
# A test that reads this machine's CLOCK_MONOTONIC instead of an injected
# clock passes on a machine that has been up for a while and fails on one
# booted minutes ago (a pulse "from now" then looks like a counter reset).
# This runs those tests in a Linux time namespace (unshare -T) whose
# monotonic and boot-time clocks are moved back so that the uptime reads
# about 60 s; the system clock is not namespaced and stays as it is.
#
# Usage: scripts/low_uptime_tests.sh [UPTIME_S]   (default 60; needs root
# or CAP_SYS_ADMIN, util-linux >= 2.36 and a kernel with CONFIG_TIME_NS).
# Exit status: cargo test's; 0 with a printed reason when time namespaces
# are not available here.
set -euo pipefail
cd "$(dirname "$0")/.."

target_uptime="${1:-60}"

if ! unshare --help 2>&1 | grep -q -- '--monotonic'; then
  echo "skipped: this unshare has no time namespaces (-T/--monotonic need util-linux >= 2.36)"
  exit 0
fi
if [ ! -e /proc/self/ns/time ]; then
  echo "skipped: this kernel has no time namespaces (CONFIG_TIME_NS, Linux >= 5.6)"
  exit 0
fi
if ! probe=$(unshare -T --monotonic=-1 --boottime=-1 true 2>&1); then
  echo "skipped: cannot create a time namespace here (needs root or CAP_SYS_ADMIN): $probe"
  exit 0
fi

uptime_s=$(cut -d. -f1 /proc/uptime)
shift_s=$(( uptime_s > target_uptime ? uptime_s - target_uptime : 0 ))

# The tests that append pulses (from the CLI, the workstation's P, the
# form) or read pulses' monotonic clocks; each injects its clock.
integration=(
  --test migrated_segments
  --test append_pulse_legacy
  --test native_time
  --test native_ledger
  --test time_commands
  --test tui_tmux
)

run_low() {
  unshare -T --monotonic=-"$shift_s" --boottime=-"$shift_s" \
    sh -c 'echo "uptime in the time namespace: $(cut -d" " -f1 /proc/uptime) s"; exec "$@"' sh "$@"
}

echo "== clock-sensitive tests at an uptime of about ${target_uptime} s (machine: ${uptime_s} s)"
run_low cargo test --locked "${integration[@]}"
run_low cargo test --locked --lib tui::tests
