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

Usage: scripts/bench_remote.py [--records N] [--iss PATH] [--before PATH]
(build first: cargo build --release)
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_publish import ROOT, timed, tree_bytes  # noqa: E402
from bench_site import PublishedSite  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--iss", default=os.path.join(ROOT, "target", "release", "iss"))
    ap.add_argument("--before", help="another iss binary, measured in the same run")
    args = ap.parse_args()
    with PublishedSite(args.iss, args.records, "bench-remote-") as s:
        ledger, site, url = s.ledger, s.site, s.url
        site_bytes, site_files = tree_bytes(site)
        builds = [("", args.iss)] + ([("before: ", args.before)] if args.before else [])
        print()
        print("| measure | value |")
        print("|---|---|")
        print(f"| records (all chains) | {args.records + 1:,} (published: {site_bytes:,} bytes, {site_files:,} files) |")
        for label, binary in builds:
            seen = s.gets()
            l_secs, l_rss, _ = timed([binary, "verify", ledger])
            r_secs, r_rss, _ = timed([binary, "verify", url])
            d_secs, d_rss, _ = timed([binary, "verify", site])
            requests = s.gets() - seen
            print(f"| {label}local `iss verify LEDGER` | {l_secs:.2f} s, max RSS {l_rss / 1024:.0f} MiB |")
            print(f"| {label}remote `iss verify http://127.0.0.1:PORT/` | {r_secs:.2f} s, max RSS {r_rss / 1024:.0f} MiB, {requests:,} HTTP GETs |")
            print(f"| {label}remote / local time | {r_secs / l_secs:.2f}x |")
            print(f"| {label}`iss verify PUBLISHED_DIR` (directory of tiles) | {d_secs:.2f} s, max RSS {d_rss / 1024:.0f} MiB ({d_secs / l_secs:.2f}x) |")


if __name__ == "__main__":
    main()
