#!/usr/bin/env python3
"""Native verification benchmark: `iss verify` on a native ledger beside
`openssl dgst -sha256` over the same chain files (hashing their bytes once),
measured in the same run, alternating, with a warm page cache.

Generates (once) a legacy ledger with N descriptors (`iss sample`, about 4
pulses per descriptor) and its native copy (`iss migrate`). Times:
  - `iss verify` on the native ledger folder (every chain, every checkpoint);
  - `openssl dgst -sha256` over its three chain files;
  - `iss verify` on descriptors.jsonl alone (records and Merkle root);
  - `openssl dgst -sha256` over descriptors.jsonl.
Reports medians, ratios and peak memory. Not part of CI (minutes, gigabytes).
The goal of the issue: native verification within 2x of hashing the bytes once.

Usage: scripts/bench_native.py [--descriptors N] [--runs R]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ISS = os.path.join(ROOT, "target", "release", "iss")


def run(cmd):
    """Wall time and peak RSS (KiB) of one run."""
    full = ["/usr/bin/time", "-f", "%M"] + cmd
    start = time.perf_counter()
    proc = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{cmd} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return elapsed, int(proc.stderr.decode().strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--descriptors", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    n = args.descriptors
    legacy = os.path.join(ROOT, "bench-data", f"ledger-{n}")
    native = os.path.join(ROOT, "bench-data", f"native-{n}")
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    if not os.path.exists(os.path.join(legacy, "data")):
        print(f"generating {n} legacy descriptors into {legacy} ...", flush=True)
        subprocess.run([ISS, "sample", legacy, "--descriptors", str(n), "--force"], check=True)
    if not os.path.exists(native):
        print(f"migrating into {native} ...", flush=True)
        subprocess.run([ISS, "migrate", legacy, native], check=True, stdout=subprocess.DEVNULL)
    chains = [os.path.join(native, f) for f in ("descriptors.jsonl", "pulses.jsonl", "events.jsonl")]
    size = sum(os.path.getsize(c) for c in chains)
    for c in chains:
        subprocess.run(["cat", c], stdout=subprocess.DEVNULL, check=True)  # warm the cache
    cases = {
        "iss verify (ledger folder)": [ISS, "verify", native],
        "openssl dgst -sha256 (3 chains)": ["openssl", "dgst", "-sha256"] + chains,
        "iss verify descriptors.jsonl": [ISS, "verify", chains[0]],
        "openssl dgst -sha256 descriptors.jsonl": ["openssl", "dgst", "-sha256", chains[0]],
    }
    times = {k: [] for k in cases}
    rss = {}
    for _ in range(args.runs):  # alternate, so drift hits every case alike
        for name, cmd in cases.items():
            t, m = run(cmd)
            times[name].append(t)
            rss[name] = max(rss.get(name, 0), m)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"native ledger: {n} descriptors, {size / 1e9:.2f} GB of chain files; median of {args.runs} runs")
    for name in cases:
        print(f"  {name:<42} {med[name]:7.2f} s  (min {min(times[name]):.2f})  peak {rss[name] / 1024:7.1f} MiB")
    whole = med["iss verify (ledger folder)"] / med["openssl dgst -sha256 (3 chains)"]
    one = med["iss verify descriptors.jsonl"] / med["openssl dgst -sha256 descriptors.jsonl"]
    print(f"  ratio to hashing the bytes once: ledger {whole:.2f}x, descriptors.jsonl {one:.2f}x (goal: <= 2x)")


if __name__ == "__main__":
    main()
