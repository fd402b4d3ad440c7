#!/usr/bin/env python3
"""Builds of `iss serve` side by side on the POST rows, interleaved.

Starts every server at once, each on its own copy of the same generated
legacy ledger (scripts/bench_serve.py makes it), and alternates wrk runs
between them (A, B, C, then C, B, A, ...) for the group-commit row (64 connections)
and the one-at-a-time row (1 connection), so all see the same machine
load; prints every run and the medians, the records a batch held (from
/metrics), the load average, and `iss verify` of every ledger afterwards.

Usage: scripts/bench_serve_ab.py A_BIN B_BIN [C_BIN ...] [--rounds N] [--seconds S]
       [--descriptors N] [--dir DIR]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_serve as b  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("builds", nargs="+")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--descriptors", type=int, default=1_000_000)
    ap.add_argument("--dir", default=os.path.join(b.ROOT, "target", "bench-serve"))
    args = ap.parse_args()
    pristine = os.path.join(args.dir, f"legacy-{args.descriptors}")
    b.make_ledger(pristine, args.descriptors)
    tmp = tempfile.mkdtemp()
    token = os.path.join(tmp, "token")
    with open(token, "w") as f:
        f.write(b.TOKEN + "\n")
    os.chmod(token, 0o600)
    lua = os.path.join(tmp, "post.lua")
    with open(lua, "w") as f:
        f.write('wrk.method = "POST"\n')
        f.write(f"wrk.body = [[{json.dumps(b.DESCRIPTOR)}]]\n")
        f.write('wrk.headers["Content-Type"] = "application/json"\n')
        f.write(f'wrk.headers["Authorization"] = "Bearer {b.TOKEN}"\n')
    load_before = b.loadavg()
    servers = {}
    try:
        for name, binary in zip("ABCDEF", args.builds):
            ledger = os.path.join(args.dir, f"ab-{name}")
            shutil.rmtree(ledger, ignore_errors=True)
            shutil.copytree(pristine, ledger)
            proc, base, ready = b.start_server(ledger, token, binary)
            servers[name] = (proc, base, ledger)
            print(f"{name}: {binary} ready in {ready:.0f} s", file=sys.stderr)
        for name, (_, base, _) in servers.items():
            # The first write opens the writer's session (a full verification).
            subprocess.run(["curl", "-s", "-o", "/dev/null", "--max-time", "600", "-X", "POST",
                            "-H", "Content-Type: application/json",
                            "-H", f"Authorization: Bearer {b.TOKEN}",
                            "--data", json.dumps(b.DESCRIPTOR), f"{base}/spice/descriptor"], check=True)
            b.wrk(f"{base}/health", 8, 1)
        runs = {(n, c): [] for n in servers for c in (64, 1)}
        for r in range(args.rounds):
            for conns in (64, 1):
                names = list(servers)
                for name in (names if r % 2 == 0 else names[::-1]):
                    base = servers[name][1]
                    b0, r0 = b.metric(base, "iss_commit_batches"), b.metric(base, "iss_commit_records")
                    res = b.wrk(f"{base}/spice/descriptor", conns, args.seconds, lua)
                    b1, r1 = b.metric(base, "iss_commit_batches"), b.metric(base, "iss_commit_records")
                    res["per_batch"] = (r1 - r0) / (b1 - b0) if b1 > b0 else 0.0
                    res["load"] = b.loadavg().split()[0]
                    runs[(name, conns)].append(res)
                    print(f"round {r + 1} {name} c={conns}: {res['rps']:,.0f} rec/s p50 {res['p50']:.2f} "
                          f"p99 {res['p99']:.2f} ms, {res['per_batch']:.1f}/batch, non-2xx {res['non2xx']}, "
                          f"load {res['load']}", flush=True)
    finally:
        for proc, _, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=120)
    load_after = b.loadavg()
    print()
    print("\n".join(f"{n} = {x}" for n, x in zip("ABCDEF", args.builds)))
    print(f"{args.rounds} rounds of {args.seconds} s, interleaved; "
          f"load average before {load_before}, after {load_after}")
    print("| Build | Connections | Records/s (median) | p50 (ms) | p99 (ms) | Records per batch | runs |")
    print("|---|---:|---:|---:|---:|---:|---|")
    med = {}
    for (name, conns), rs in runs.items():
        m = {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50", "p99", "per_batch")}
        med[(name, conns)] = m
        print(f"| {name} | {conns} | {m['rps']:,.0f} | {m['p50']:.2f} | {m['p99']:.2f} | {m['per_batch']:.1f} | "
              + ", ".join(f"{r['rps']:,.0f}" for r in rs) + " |")
    for name in list(servers)[1:]:
        for conns in (64, 1):
            print(f"{name} / A, {conns} connection(s): x{med[(name, conns)]['rps'] / med[('A', conns)]['rps']:.2f}")
    for name, (_, _, ledger) in servers.items():
        v = subprocess.run([args.builds[-1], "verify", ledger], capture_output=True, text=True)
        print(f"iss verify {name}'s ledger after the run: exit {v.returncode}")
        shutil.rmtree(ledger, ignore_errors=True)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
