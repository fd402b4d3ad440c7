#!/usr/bin/env python3
"""`iss verify LEDGER` with several builds of iss, interleaved in one run:
CPU (user + system), wall time and peak RSS of each whole process
(/usr/bin/time), a warm-up round first, the order alternating round by
round; medians, and CPU and wall ratios to the first binary taken round by
round (the machine is shared: read the ratios).

Build each commit first, e.g. `git archive C | tar -x -C DIR`, `touch` its
sources (archives keep the commit's times, and cargo would take an older
build for fresh), then `CARGO_TARGET_DIR=... cargo build --release` and copy
target/release/iss aside. docs/BENCHMARKS.md ("Redesign, before and after").

Usage: scripts/bench_verify_ab.py LEDGER RUNS ISS_BASE ISS_OTHER...
"""
import statistics, subprocess, sys
ledger, runs, bins = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
res = {b: [] for b in bins}
for r in range(runs + 1):  # round 0 is the warm-up
    order = bins if r % 2 == 0 else list(reversed(bins))
    for b in order:
        p = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", b, "verify", ledger],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        e, u, s, m = p.stderr.strip().splitlines()[-1].split()
        row = (float(u) + float(s), float(e), int(m) / 1024, p.returncode)
        print(f"round {r} {b.split('/')[-1]}: cpu {row[0]:.2f} s wall {row[1]:.2f} s rss {row[2]:.0f} MiB exit {row[3]}", flush=True)
        if r > 0:
            res[b].append(row)
base = bins[0]
print(f"\nmedians of {runs} runs (after a warm-up round), ratios per round to {base.split('/')[-1]}:")
for b in bins:
    cpu = [x[0] for x in res[b]]; wall = [x[1] for x in res[b]]; rss = [x[2] for x in res[b]]
    rc = statistics.median([x[0] / y[0] for x, y in zip(res[b], res[base])])
    rw = statistics.median([x[1] / y[1] for x, y in zip(res[b], res[base])])
    print(f"  {b.split('/')[-1]:<16} cpu {statistics.median(cpu):6.2f} s (x{rc:.2f})  wall {statistics.median(wall):6.2f} s (x{rw:.2f})  max rss {max(rss):5.0f} MiB (median {statistics.median(rss):.0f})  exits {sorted(set(x[3] for x in res[b]))}")
