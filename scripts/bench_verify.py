#!/usr/bin/env python3
"""Verification benchmark: `iss verify` against baselines measured in the same run.

Generates (once) a legacy ledger with N descriptors using `iss sample`, then
times, with a warm page cache:
  - the Python baseline (scripts/baseline_verify.py: json.loads + sha256 per line)
    on spice_chain.jsonl;
  - `iss verify` on spice_chain.jsonl alone (the same file, more checks);
  - `openssl dgst -sha256` over the same file (hashing its bytes once);
  - `iss verify` on the whole ledger (chain, manifest, bindings, pulses);
  - `iss report maturity` on the SPICE layer (verification, then the report).
Prints records/s, ratios and peak memory. Not part of CI (minutes, gigabytes).

Usage: scripts/bench_verify.py [--descriptors N] [--runs R] [--dir DIR]
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ISS = os.path.join(ROOT, "target", "release", "iss")


def timed(cmd, runs):
    """Best wall time of `runs` runs, and the command's peak RSS in KiB
    (from /usr/bin/time when present)."""
    best, rss = None, None
    gnu_time = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None
    for _ in range(runs):
        full = [gnu_time, "-f", "%M"] + cmd if gnu_time else cmd
        start = time.perf_counter()
        proc = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
        if proc.returncode not in (0, 1):
            sys.exit(f"{cmd} failed: {proc.stderr.decode()}")
        if gnu_time:
            rss = int(proc.stderr.decode().strip().splitlines()[-1])
        best = elapsed if best is None else min(best, elapsed)
    return best, rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--descriptors", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    n = args.descriptors
    ledger = args.dir or os.path.join(ROOT, "bench-data", f"ledger-{n}")
    chain = os.path.join(ledger, "data", "spice_layer", "spice_chain.jsonl")

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    if not os.path.exists(chain):
        print(f"generating {n} descriptors into {ledger} ...", flush=True)
        subprocess.run([ISS, "sample", ledger, "--descriptors", str(n), "--force"], check=True)
    size = os.path.getsize(chain)
    subprocess.run(["cat", chain], stdout=subprocess.DEVNULL, check=True)  # warm the page cache

    rows = []
    py, _ = timed([sys.executable, os.path.join(ROOT, "scripts", "baseline_verify.py"), chain], 1)
    rows.append(("python json.loads+sha256 (baseline)", py, None))
    iss_chain, rss_chain = timed([ISS, "verify", "--json", chain], args.runs)
    rows.append(("iss verify spice_chain.jsonl", iss_chain, rss_chain))
    if shutil.which("openssl"):
        ossl, _ = timed(["openssl", "dgst", "-sha256", chain], args.runs)
        rows.append(("openssl dgst -sha256 (bytes once)", ossl, None))
    iss_all, rss_all = timed([ISS, "verify", "--json", ledger], 1)
    rows.append(("iss verify whole ledger", iss_all, rss_all))
    spice = os.path.join(ledger, "data", "spice_layer")
    mat, rss_mat = timed([ISS, "report", "maturity", "--json", spice], 1)
    rows.append(("iss report maturity (spice layer)", mat, rss_mat))

    print(f"\n{n} descriptors, spice_chain.jsonl {size / 1e6:.0f} MB, {os.cpu_count()} cores")
    print(f"{'run':40} {'seconds':>8} {'records/s':>12} {'vs python':>10} {'peak RSS':>10}")
    for name, secs, rss in rows:
        rate = n / secs
        ratio = py / secs
        mem = f"{rss / 1024:.0f} MiB" if rss else ""
        print(f"{name:40} {secs:8.2f} {rate:12,.0f} {ratio:9.1f}x {mem:>10}")


if __name__ == "__main__":
    main()
