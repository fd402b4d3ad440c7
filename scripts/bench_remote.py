#!/usr/bin/env python3
"""Remote review benchmark (docs/REMOTE.md): a native ledger of N
descriptors (default 1,000,000) published to a directory, served by
`python3 -m http.server` on 127.0.0.1 (a free port), then, in the same run:

  - `iss verify LEDGER` (local), wall time and max RSS;
  - `iss verify http://127.0.0.1:PORT` (remote, over loopback HTTP), wall
    time, max RSS, and the HTTP requests the server answered;
  - `iss verify PUBLISHED_DIR` (a directory of tiles), wall time.

The ledger is made, published and served by scripts/bench_site.py
(shared with scripts/bench_tui_remote.py).

With `--before PATH` (another build of `iss`, e.g. of the commit before a
change), the three timings are taken for it too, on the same ledger and the
same server, in the same run.

The timings are taken `--rounds` times (default 3), interleaved (local,
remote, directory, then the next round), and reported as medians, with the
remote/local ratio of each round and their median: the machine is shared
and noisy, so only ratios measured side by side mean anything. The load
average before and after is printed with them.

With `--keep DIR`, the ledger and its publication are made in DIR (if not
there already) and kept, for profiling the same input again.

Usage: scripts/bench_remote.py [--records N] [--iss PATH] [--before PATH]
                               [--rounds R] [--keep DIR]
(build first: cargo build --release)
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_publish import ROOT, tree_bytes, timed_with_cpu  # noqa: E402
from bench_site import PublishedSite  # noqa: E402


def cpu_of(pid):
    """CPU seconds (user + system) process pid has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--iss", default=os.path.join(ROOT, "target", "release", "iss"))
    ap.add_argument("--before", help="another iss binary, measured in the same run")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians reported)")
    ap.add_argument("--keep", help="make (or reuse) the ledger and its publication in this directory")
    ap.add_argument("--protocol", default="HTTP/1.0",
                    help="the server's HTTP version (HTTP/1.1: kept-alive connections; default: "
                         "http.server's own HTTP/1.0, one connection per request), or nginx "
                         "(nginx instead of http.server)")
    args = ap.parse_args()
    iss = args.iss
    with PublishedSite(iss, args.records, "bench-remote-", keep=args.keep,
                       protocol=args.protocol) as site_:
        ledger, site, url, server = site_.ledger, site_.site, site_.url, site_.server
        site_bytes, site_files = tree_bytes(site)
        gets = site_.gets

        builds = [("", iss)] + ([("before: ", args.before)] if args.before else [])

        runs = {label: [] for label, _ in builds}
        print(f"server: {'nginx' if args.protocol == 'nginx' else 'python3 -m http.server --protocol ' + args.protocol}; "
              f"load average before: {open('/proc/loadavg').read().strip()}", flush=True)
        for r in range(args.rounds):
            for label, binary in builds:
                seen = gets()
                l_secs, l_rss, l_cpu = timed_with_cpu([binary, "verify", ledger])[:3]
                server_cpu = cpu_of(server.pid)
                r_secs, r_rss, r_cpu = timed_with_cpu([binary, "verify", url])[:3]
                server_cpu = cpu_of(server.pid) - server_cpu
                requests = gets() - seen
                d_secs, d_rss, d_cpu = timed_with_cpu([binary, "verify", site])[:3]
                runs[label].append((l_secs, l_rss, r_secs, r_rss, requests, d_secs, d_rss,
                                    l_cpu, r_cpu, server_cpu, d_cpu))
                print(f"round {r + 1} {label or 'this build: '}local {l_secs:.2f} s ({l_cpu:.2f} s CPU), "
                      f"remote {r_secs:.2f} s ({r_secs / l_secs:.2f}x; {r_cpu:.2f} s CPU, server {server_cpu:.2f} s CPU), "
                      f"directory {d_secs:.2f} s ({d_secs / l_secs:.2f}x; {d_cpu:.2f} s CPU)", flush=True)
        print(f"load average after: {open('/proc/loadavg').read().strip()}")
        med = statistics.median
        print()
        print(f"| measure (median of {args.rounds} interleaved rounds) | value |")
        print("|---|---|")
        print(f"| records (all chains) | {args.records + 1:,} (published: {site_bytes:,} bytes, {site_files:,} files) |")
        for label, _ in builds:
            rs = runs[label]
            l_secs, r_secs, d_secs = (med([x[i] for x in rs]) for i in (0, 2, 5))
            l_rss, r_rss, d_rss = (max(x[i] for x in rs) for i in (1, 3, 6))
            l_cpu, r_cpu, s_cpu, d_cpu = (med([x[i] for x in rs]) for i in (7, 8, 9, 10))
            ratios = [x[2] / x[0] for x in rs]
            d_ratios = [x[5] / x[0] for x in rs]
            print(f"| {label}local `iss verify LEDGER` | {l_secs:.2f} s, max RSS {l_rss / 1024:.0f} MiB; {l_cpu:.2f} s CPU |")
            print(f"| {label}remote `iss verify http://127.0.0.1:PORT/` | {r_secs:.2f} s, max RSS {r_rss / 1024:.0f} MiB, {rs[-1][4]:,} HTTP GETs; "
                  f"{r_cpu:.2f} s CPU, and the server {s_cpu:.2f} s CPU |")
            print(f"| {label}remote / local time | {med(ratios):.2f}x (rounds: {', '.join(f'{x:.2f}' for x in ratios)}) |")
            print(f"| {label}`iss verify PUBLISHED_DIR` (directory of tiles) | {d_secs:.2f} s, max RSS {d_rss / 1024:.0f} MiB ({med(d_ratios):.2f}x); {d_cpu:.2f} s CPU |")


if __name__ == "__main__":
    main()
