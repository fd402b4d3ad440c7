#!/usr/bin/env python3
"""The workstation's first frame with several builds of iss, interleaved in
one run (issue 11's acceptance: "the workstation's first frame measured
before and after in the same run"; docs/BENCHMARKS.md "Redesign, before and
after").

Each round starts `BIN LEDGER` in a detached tmux session of 120x40 for
every binary (the order alternating round by round) and polls `tmux
capture-pane` every 5 ms until the tab bar (`1 Chains`) shows; it also times
`printf` of a marker the same way (what tmux and the polling cost). Reports
medians, and each binary's ratio to the first one taken round by round (the
machine is shared: read the ratios). Nothing is written to the ledger: the
workstation opens read-only, and every iss runs with ISS_NO_STATE=1.

Usage: scripts/bench_first_frame_ab.py LEDGER ROUNDS ISS_BASE ISS_OTHER...
"""
import os
import shlex
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_tui import TABS, tmux, wait  # noqa: E402

TIMEOUT_S = 30


def first_frame(command, marker):
    """Seconds from starting `command` in tmux until `marker` shows
    (scripts/bench_tui.py's polling)."""
    name = f"ff-{os.getpid()}"
    tmux("kill-session", "-t", name)
    start = time.perf_counter()
    tmux("new-session", "-d", "-x", "120", "-y", "40", "-s", name,
         f"ISS_NO_STATE=1 {command}; sleep 30")
    try:
        return wait(name, lambda screen: marker in screen, start, TIMEOUT_S)[0]
    finally:
        tmux("kill-session", "-t", name)


def main():
    ledger, rounds, bins = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    times = {b: [] for b in bins}
    base_line = []
    print(f"load average before: {open('/proc/loadavg').read().strip()}", flush=True)
    for r in range(rounds + 1):  # round 0 is the warm-up
        order = bins if r % 2 == 0 else list(reversed(bins))
        row = {b: first_frame(f"{shlex.quote(b)} {shlex.quote(ledger)}", TABS) for b in order}
        printf = first_frame("printf 'frame-marker\\n'", "frame-marker")
        if r == 0:
            continue
        for b in bins:
            times[b].append(row[b])
        base_line.append(printf)
        print(f"round {r}: " + ", ".join(f"{os.path.basename(b)} {row[b] * 1000:.1f} ms" for b in bins)
              + f", printf {printf * 1000:.1f} ms", flush=True)
    print(f"load average after: {open('/proc/loadavg').read().strip()}")
    base = bins[0]
    print(f"\nmedians of {rounds} rounds (after a warm-up round); ratios per round to {os.path.basename(base)}:")
    for b in bins:
        ratio = statistics.median([x / y for x, y in zip(times[b], times[base])])
        print(f"  {os.path.basename(b):<16} {statistics.median(times[b]) * 1000:6.1f} ms (x{ratio:.2f}; "
              f"rounds {min(times[b]) * 1000:.1f}-{max(times[b]) * 1000:.1f} ms)")
    print(f"  printf baseline  {statistics.median(base_line) * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
