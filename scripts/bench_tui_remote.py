#!/usr/bin/env python3
"""The workstation on a published ledger (issue 14, docs/REMOTE.md): `iss
tui http://127.0.0.1:PORT/` against `iss tui LEDGER` on the same ledger,
in the same run. Not part of CI.

A native ledger of N descriptors (default 1,000,000) is published to a
directory and served by `python3 -m http.server` on 127.0.0.1 (a free
port), by scripts/bench_site.py (shared with scripts/bench_remote.py). Then, R times each
(default 3; medians quoted), in a 120x40 tmux session:

  - local:        `iss tui LEDGER`
  - remote, cold: `iss tui URL` with an empty disk cache (XDG_CACHE_HOME)
  - remote, warm: `iss tui URL` again, the cache filled by the cold run

measuring the time from starting the session to the first screen of
records (the first descriptor's row, `ENG.0 `, shown) and to the verdict
(`CLEAN:`), and the GETs the server answered (its log). Baseline for what
tmux and the polling cost: a `printf` of a marker. The screen is polled
every few milliseconds: times are upper bounds by about one interval.

Usage: scripts/bench_tui_remote.py [--records N] [--runs R] [--iss PATH]
(build first: cargo build --release)
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_publish import ROOT  # noqa: E402
from bench_site import PublishedSite  # noqa: E402

POLL_S = 0.005
FIRST = "ENG.0 "
VERDICT = "CLEAN:"


def tmux(*args):
    return subprocess.run(["tmux", *args], capture_output=True, text=True)


def run(name, command, until, timeout=1800):
    """Start `command` in tmux; return the seconds until each text of
    `until` showed (in order), then quit it."""
    tmux("kill-session", "-t", name)
    start = time.perf_counter()
    r = tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", f"exec {command}")
    if r.returncode != 0:
        sys.exit(f"tmux: {r.stderr}")
    times = []
    try:
        for text in until:
            while True:
                screen = tmux("capture-pane", "-p", "-t", name).stdout
                if text in screen:
                    times.append(time.perf_counter() - start)
                    break
                if time.perf_counter() - start > timeout:
                    sys.exit(f"{text!r} never showed; screen:\n{screen}")
                time.sleep(POLL_S)
        tmux("send-keys", "-t", name, "q")
        t0 = time.perf_counter()
        while tmux("has-session", "-t", name).returncode == 0 and time.perf_counter() - t0 < 20:
            time.sleep(0.02)
        return times
    finally:
        tmux("kill-session", "-t", name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--iss", default=os.path.join(ROOT, "target", "release", "iss"))
    args = ap.parse_args()
    iss = args.iss
    with PublishedSite(iss, args.records, "bench-tui-remote-") as s:
        work, ledger, url = s.work, s.ledger, s.url
        env = f"ISS_NO_STATE=1 TMPDIR={work}"
        rows = {k: [] for k in ("printf", "local", "cold", "warm")}
        for i in range(args.runs):
            cache = os.path.join(work, f"cache-{i}")
            rows["printf"].append(run("btr", "sh -c 'printf \"ENG.0 CLEAN:\"; sleep 30'", [FIRST, VERDICT]) + [0])
            rows["local"].append(run("btr", f"env {env} {iss} tui {ledger}", [FIRST, VERDICT]) + [0])
            for kind in ("cold", "warm"):
                before = s.gets()
                t = run("btr", f"env {env} XDG_CACHE_HOME={cache} {iss} tui {url}", [FIRST, VERDICT])
                time.sleep(0.2)  # the server's log is line-buffered by python: let it land
                rows[kind].append(t + [s.gets() - before])
            shutil.rmtree(cache, ignore_errors=True)
        med = {k: [statistics.median(r[j] for r in v) for j in range(3)] for k, v in rows.items()}
        print()
        print(f"records: {args.records:,} descriptors; runs: {args.runs} (medians); iss: {iss}")
        print()
        print("| open | first screen of records | vs local | verdict | vs local | GETs |")
        print("|---|---:|---:|---:|---:|---:|")
        names = {"printf": "`printf` baseline (tmux + polling)", "local": "`iss tui LEDGER` (local)",
                 "cold": "`iss tui URL`, empty cache", "warm": "`iss tui URL`, cache filled"}
        for k in ("printf", "local", "cold", "warm"):
            f, v, g = med[k]
            print(f"| {names[k]} | {f * 1000:.0f} ms | {f / med['local'][0]:.2f}x | "
                  f"{v:.2f} s | {v / med['local'][1]:.2f}x | {g:.0f} |")
        print()
        print("every run (first screen s, verdict s, GETs):")
        for k, v in rows.items():
            print(f"  {k}: " + "; ".join(f"{a:.3f}, {b:.2f}, {c}" for a, b, c in v))

if __name__ == "__main__":
    main()
