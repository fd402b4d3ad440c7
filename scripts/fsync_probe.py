#!/usr/bin/env python3
"""The disk's own ceiling for `iss serve`'s group commit, without the server.

One round of the group commit on a legacy ledger appends a batch of chain
lines to one file and the previous batch's manifest lines to another, then
`fdatasync`s both, one after the other. This does exactly that (no HTTP, no
JSON, no verification, no lock) in a loop and prints the round's median,
mean and 99th percentile: the records/s no server can pass on this disk is
`clients / mean round` when every client's record rides in every round
(and half that when the clients split into two alternating batches).

Usage: scripts/fsync_probe.py [--rounds N] [--records R] [--dir DIR]
"""
import argparse
import os
import statistics
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=1000)
    ap.add_argument("--records", type=int, default=64, help="records per round (chain and manifest lines)")
    ap.add_argument("--dir", default=None, help="where to write (default: a temporary folder under target/)")
    ap.add_argument("--files", type=int, default=2, choices=(1, 2))
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    base = args.dir or os.path.join(root, "target")
    os.makedirs(base, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=base) as d:
        chain = os.open(os.path.join(d, "chain.jsonl"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        manifest = os.open(os.path.join(d, "manifest.jsonl"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        record = b"r" * 700 + b"\n"   # about a descriptor line
        witness = b"m" * 250 + b"\n"  # about a manifest line
        rounds = []
        start = time.perf_counter()
        for _ in range(args.rounds):
            t = time.perf_counter()
            os.write(chain, record * args.records)
            if args.files == 2:
                os.write(manifest, witness * args.records)
            os.fdatasync(chain)
            if args.files == 2:
                os.fdatasync(manifest)
            rounds.append((time.perf_counter() - t) * 1000)
        total = time.perf_counter() - start
        os.close(chain)
        os.close(manifest)
    rounds.sort()
    mean = statistics.mean(rounds)
    print(f"{args.rounds} rounds of {args.records} records, {args.files} file(s) synced per round; "
          f"load average {' '.join(open('/proc/loadavg').read().split()[:3])}")
    print(f"round: p50 {rounds[len(rounds) // 2]:.2f} ms, mean {mean:.2f} ms, "
          f"p99 {rounds[int(len(rounds) * 0.99)]:.2f} ms; {args.rounds / total:,.0f} rounds/s")
    print(f"ceiling with {args.records} records a round: {args.records / (mean / 1000):,.0f} records/s")


if __name__ == "__main__":
    main()
