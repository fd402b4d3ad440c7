#!/usr/bin/env python3
"""`iss publish` benchmark (docs/TILES.md): a native ledger of N descriptors
(default 1,000,000) published to a directory, then 1,000 more records
published onto it. Reports, from the same run:

  - the first publish: wall time, records/s, max RSS, bytes and files
    written against the ledger's size; `iss verify` of the same ledger
    beside it (publishing verifies first: the ratio says what the tiles cost);
  - 1,000 more records published onto a copy of that log with `--full`
    (the whole ledger verified and streamed again) and, in the same run,
    incrementally (the default: from the destination's checkpoint): wall
    time, max RSS, the tiles and entry bundles written, and whether both
    destinations end byte-identical;
  - a publish with nothing new: what it writes (nothing).

The ledger is made by `iss init`, then its descriptor lines are written by
this script exactly as docs/FORMAT.md §4 says (hash chain) and signed by
`iss checkpoint`, which verifies them first.

Usage: scripts/bench_publish.py [--records N] [--iss PATH]
(build first: cargo build --release)
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def append_descriptors(ledger, start, count):
    path = os.path.join(ledger, "descriptors.jsonl")
    prev = "0" * 64
    seq = 0
    if os.path.getsize(path) > 0:
        with open(path, "rb") as f:
            f.seek(max(0, os.path.getsize(path) - 65536))
            last = f.read().rstrip(b"\n").split(b"\n")[-1]
        rec = json.loads(last)
        prev, seq = rec["hash"], rec["seq"] + 1
    out = []
    for i in range(start, start + count):
        body = '{"descriptor_id":"%016x","process_name":"ENG.%d","outcome":"bench record %d"}' % (i, i % 97, i)
        msg = "iss-native-v1/record\ndescriptors\n%d\n%s\n%s" % (seq, prev, body)
        h = hashlib.sha256(msg.encode()).hexdigest()
        out.append('{"seq":%d,"prev":"%s","body":%s,"hash":"%s"}\n' % (seq, prev, body, h))
        prev = h
        seq += 1
    with open(path, "a") as f:
        f.write("".join(out))
        f.flush()
        os.fsync(f.fileno())


def timed(cmd):
    """Run cmd under /usr/bin/time; return (seconds, max RSS KiB, stdout)."""
    secs, rss, _, stdout = timed_with_cpu(cmd)
    return secs, rss, stdout


def timed_with_cpu(cmd):
    """Run cmd under /usr/bin/time; return (seconds, max RSS KiB, CPU
    seconds (user + system), stdout)."""
    start = time.monotonic()
    r = subprocess.run(["/usr/bin/time", "-f", "%M %U %S"] + cmd, capture_output=True, text=True)
    secs = time.monotonic() - start
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr}")
    rss, user, system = r.stderr.strip().splitlines()[-1].split()
    return secs, int(rss), float(user) + float(system), r.stdout


def tree_bytes(path):
    total = files = 0
    for d, _, fs in os.walk(path):
        for f in fs:
            total += os.path.getsize(os.path.join(d, f))
            files += 1
    return total, files


def snapshot(path):
    """Every file's relative path, size and SHA-256."""
    out = {}
    for d, _, fs in os.walk(path):
        for f in fs:
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, path)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--iss", default=os.path.join(ROOT, "target", "release", "iss"))
    args = ap.parse_args()
    iss = args.iss
    work = tempfile.mkdtemp(prefix="bench-publish-")
    # `iss verify` remembers the checkpoints it trusted, per origin: a
    # state of its own, so that an earlier run's ledger is not this one's.
    os.environ["XDG_STATE_HOME"] = os.path.join(work, "state")
    try:
        ledger, key, dest = (os.path.join(work, n) for n in ("ledger", "ledger.key", "published"))
        subprocess.run([iss, "init", ledger, "--origin", "bench.example/publish", "--key", key],
                       check=True, stdout=subprocess.DEVNULL)
        t = time.monotonic()
        append_descriptors(ledger, 0, args.records)
        subprocess.run([iss, "checkpoint", ledger, "--key", key], check=True, stdout=subprocess.DEVNULL)
        print(f"ledger of {args.records} descriptors made in {time.monotonic() - t:.1f} s", flush=True)
        ledger_bytes, _ = tree_bytes(ledger)

        v_secs, v_rss, _ = timed([iss, "verify", ledger])
        p_secs, p_rss, out = timed([iss, "publish", ledger, dest, "--json"])
        pub = json.loads(out)
        written, files = tree_bytes(dest)
        n = sum(c["size"] for c in pub["chains"])
        print()
        print("| measure | value |")
        print("|---|---|")
        print(f"| records published (all chains) | {n:,} |")
        print(f"| `iss verify` of the ledger | {v_secs:.2f} s, max RSS {v_rss / 1024:.0f} MiB |")
        print(f"| `iss publish` to an empty directory | {p_secs:.2f} s ({n / p_secs:,.0f} records/s), max RSS {p_rss / 1024:.0f} MiB |")
        print(f"| publish / verify time | {p_secs / v_secs:.2f}x |")
        print(f"| bytes written / ledger bytes | {written:,} / {ledger_bytes:,} = {written / ledger_bytes:.2f}x ({files:,} files) |")

        # The same 1,000 new records published two ways onto two copies of
        # the published log: `--full` (verify the whole ledger, stream every
        # chain: the behaviour before the incremental publish) and the
        # default (from the destination's checkpoint).
        dest_full = os.path.join(work, "published-full")
        shutil.copytree(dest, dest_full)
        append_descriptors(ledger, args.records, 1000)
        subprocess.run([iss, "checkpoint", ledger, "--key", key], check=True, stdout=subprocess.DEVNULL)
        f_secs, f_rss, out = timed([iss, "publish", ledger, dest_full, "--json", "--full"])
        fd = next(c for c in json.loads(out)["chains"] if c["chain"] == "descriptors")
        i_secs, i_rss, out = timed([iss, "publish", ledger, dest, "--json"])
        d = next(c for c in json.loads(out)["chains"] if c["chain"] == "descriptors")
        same = snapshot(dest) == snapshot(dest_full)
        print(f"| 1,000 more records, `--full` (whole verification, every line streamed) | {f_secs:.2f} s, max RSS {f_rss / 1024:.0f} MiB; "
              f"{fd['tiles_written']} hash tiles + {fd['bundles_written']} entry bundles written |")
        print(f"| 1,000 more records, incremental (default) | {i_secs:.3f} s, max RSS {i_rss / 1024:.0f} MiB; "
              f"{d['tiles_written']} hash tiles + {d['bundles_written']} entry bundles written "
              f"({d['previous']:,} → {d['size']:,}), {d['bytes_written']:,} bytes |")
        print(f"| incremental vs `--full`; vs `iss verify` | {f_secs / i_secs:.1f}x faster; {i_secs / v_secs:.3f}x verify's time |")
        print(f"| both destinations identical afterwards | {'yes' if same else 'NO'} |")
        s_secs, _, out = timed([iss, "publish", ledger, dest, "--json"])
        again = sum(c["bytes_written"] for c in json.loads(out)["chains"])
        sf_secs, _, _ = timed([iss, "publish", ledger, dest_full, "--json", "--full"])
        print(f"| publish again, nothing new | incremental {s_secs:.3f} s, `--full` {sf_secs:.2f} s; {again} bytes written |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
