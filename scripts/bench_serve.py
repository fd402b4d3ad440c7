#!/usr/bin/env python3
"""`iss serve` under load, with a real load generator (wrk), on loopback.

Generates (once) a legacy ledger with N descriptors (`iss sample`, default
1,000,000), starts `iss serve --write` on it on 127.0.0.1 and a free port
(`--listen 127.0.0.1:0`; the port is read from its first line), and runs:
  - GET /health                       (wrk, 64 connections)
  - GET /spice/descriptor/{id}        (wrk, 64 connections, an id from the middle)
  - POST /spice/descriptor            (wrk, 64 connections: group commit)
  - POST /spice/descriptor            (wrk, 1 connection: one at a time)
  - `iss append descriptor`           (run once per record, server stopped)
Every POST is answered only after its record is durable (the server's
group commit fsyncs before answering). Prints a Markdown table with
requests/s, p50 and p99, the ratios measured in this run, the load
average before and after, and the server's memory (VmRSS after start,
VmHWM at the end). Not part of CI (minutes, a gigabyte of disk).

With `--baseline BIN` the two POST rows are also measured, in the same run,
with another build of `iss` (for instance main's, before a change to the
write path) on its own copy of the same ledger, and each POST row says how
many records a batch (one sync round) held on average (from /metrics).

Usage: scripts/bench_serve.py [--descriptors N] [--seconds S] [--appends K]
       [--dir DIR] [--baseline BIN]
       (needs target/release/iss and wrk: apt-get install wrk)
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ISS = os.environ.get("ISS_BIN", os.path.join(ROOT, "target", "release", "iss"))
TOKEN = "bench-token-0123456789abcdef"

DESCRIPTOR = {
    "process_name": "Bench",
    "process_version": "1.0",
    "capability_level": 3,
    "process_outcome": "compliant",
    "compliance_score": 0.75,
    "apriori_refs": ["apriori:bench"],
    "aposteriori_refs": [],
    "glyph_range_start": "g-start",
    "glyph_range_end": "g-end",
    "glyph_count": 2,
    "evidence_required": ["log"],
    "evidence_provided": ["log"],
    "assessed_by": "bench",
    "assessment_method": "load",
    "active_constraints": [],
}


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def ms(text):
    """wrk's latency ('812.00us', '1.23ms', '2.01s') in milliseconds."""
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def wrk(url, connections, seconds, script=None):
    threads = min(2, connections)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "requests": total,
        "non2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def make_ledger(path, n):
    if os.path.isdir(path):
        return
    print(f"generating {n} descriptors in {path} ...", file=sys.stderr)
    start = time.perf_counter()
    subprocess.run([ISS, "sample", path, "--descriptors", str(n)], check=True, stdout=subprocess.DEVNULL)
    print(f"  {time.perf_counter() - start:.0f} s", file=sys.stderr)


def middle_id(ledger):
    chain = os.path.join(ledger, "data", "spice_layer", "spice_chain.jsonl")
    size = os.path.getsize(chain)
    with open(chain, "rb") as f:
        f.seek(size // 2)
        f.readline()
        return json.loads(f.readline())["descriptor_id"]


def metric(base, name):
    text = subprocess.run(["curl", "-s", f"{base}/metrics"], capture_output=True, text=True).stdout
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.split()[-1])
    return 0.0


def post_rows(base, post_lua, seconds, label=""):
    """The two POST rows, each with the records per batch it got."""
    rows = []
    # The first write opens the writer's session (a full verification under
    # the lock): done before the clock starts, for every build alike.
    subprocess.run(["curl", "-s", "-o", "/dev/null", "--max-time", "600", "-X", "POST",
                    "-H", "Content-Type: application/json",
                    "-H", f"Authorization: Bearer {TOKEN}",
                    "--data", json.dumps(DESCRIPTOR), f"{base}/spice/descriptor"], check=True)
    for name, conns in (("group commit", 64), ("one at a time", 1)):
        b0, r0 = metric(base, "iss_commit_batches"), metric(base, "iss_commit_records")
        v0 = metric(base, "iss_watch_reverifications")
        r = wrk(f"{base}/spice/descriptor", conns, seconds, post_lua)
        b1, r1 = metric(base, "iss_commit_batches"), metric(base, "iss_commit_records")
        r["per_batch"] = (r1 - r0) / (b1 - b0) if b1 > b0 else 0.0
        r["reverified"] = int(metric(base, "iss_watch_reverifications") - v0)
        rows.append((f"POST /spice/descriptor ({name}){label}", conns, r))
    return rows


def start_server(ledger, token_file, iss=None):
    env = dict(os.environ, LOG_LEVEL="WARNING")
    env.pop("PORT", None)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [iss or ISS, "serve", ledger, "--listen", "127.0.0.1:0", "--write", "--token-file", token_file],
        stdout=subprocess.PIPE, env=env, text=True,
    )
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        sys.exit(f"iss serve did not start: {line!r}")
    return proc, "http://" + line.removeprefix("listening on "), time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--descriptors", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--appends", type=int, default=10)
    ap.add_argument("--dir", default=os.path.join(ROOT, "target", "bench-serve"))
    ap.add_argument("--baseline", help="another iss binary whose POST rows to measure too")
    ap.add_argument("--post-only", action="store_true",
                    help="only the POST rows (and the baseline's): no GET rows, no `iss append`")
    args = ap.parse_args()
    if not os.path.exists(ISS):
        sys.exit("build first: cargo build --release")
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    os.makedirs(args.dir, exist_ok=True)
    pristine = os.path.join(args.dir, f"legacy-{args.descriptors}")
    make_ledger(pristine, args.descriptors)
    # Writes go to a copy, so every run starts from the same ledger.
    ledger = os.path.join(args.dir, "run")
    shutil.rmtree(ledger, ignore_errors=True)
    shutil.copytree(pristine, ledger)
    tmp = tempfile.mkdtemp()
    token_file = os.path.join(tmp, "token")
    with open(token_file, "w") as f:
        f.write(TOKEN + "\n")
    os.chmod(token_file, 0o600)
    post_lua = os.path.join(tmp, "post.lua")
    with open(post_lua, "w") as f:
        f.write('wrk.method = "POST"\n')
        f.write(f"wrk.body = [[{json.dumps(DESCRIPTOR)}]]\n")
        f.write('wrk.headers["Content-Type"] = "application/json"\n')
        f.write(f'wrk.headers["Authorization"] = "Bearer {TOKEN}"\n')

    load_before = loadavg()
    server, base, startup = start_server(ledger, token_file)
    rss_start = status_kib(server.pid, "VmRSS")
    ident = middle_id(ledger)
    rows = []
    try:
        # Warm up (connections, page cache).
        wrk(f"{base}/health", 8, 1)
        if not args.post_only:
            rows.append(("GET /health", 64, wrk(f"{base}/health", 64, args.seconds)))
            rows.append((f"GET /spice/descriptor/{{id}}", 64,
                         wrk(f"{base}/spice/descriptor/{ident}", 64, args.seconds)))
        rows += post_rows(base, post_lua, args.seconds)
        metrics = subprocess.run(["curl", "-s", f"{base}/metrics"], capture_output=True, text=True).stdout
    finally:
        hwm = status_kib(server.pid, "VmHWM")
        server.terminate()
        server.wait(timeout=60)

    if args.baseline:
        old = os.path.join(args.dir, "run-baseline")
        shutil.rmtree(old, ignore_errors=True)
        shutil.copytree(pristine, old)
        bserver, bbase, _ = start_server(old, token_file, args.baseline)
        try:
            wrk(f"{bbase}/health", 8, 1)
            rows += post_rows(bbase, post_lua, args.seconds, " — baseline build")
        finally:
            bserver.terminate()
            bserver.wait(timeout=60)
        shutil.rmtree(old, ignore_errors=True)

    # `iss append descriptor`, one process per record (it verifies the
    # ledger under the lock each time, as a one-shot writer must).
    body = json.dumps(DESCRIPTOR)
    start = time.perf_counter()
    appends = 0 if args.post_only else args.appends
    for _ in range(appends):
        subprocess.run([ISS, "append", "descriptor", ledger], input=body, text=True,
                       check=True, stdout=subprocess.DEVNULL)
    per_append = (time.perf_counter() - start) / max(appends, 1)
    load_after = loadavg()
    verify = subprocess.run([ISS, "verify", ledger], capture_output=True, text=True)

    print(f"ledger: {args.descriptors} descriptors (iss sample), {os.cpu_count()} cores; "
          f"load average before {load_before}, after {load_after}")
    print(f"server: ready in {startup:.1f} s (full verification and index); "
          f"VmRSS after start {rss_start / 1024:.0f} MiB, peak (VmHWM) {hwm / 1024:.0f} MiB")
    print()
    print("| Request | Connections | Requests/s | p50 (ms) | p99 (ms) | Requests | Non-2xx "
          "| Records per batch | Full re-verifications |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, conns, r in rows:
        per = f"{r['per_batch']:.1f}" if "per_batch" in r else ""
        rev = str(r["reverified"]) if "reverified" in r else ""
        print(f"| {name} | {conns} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
              f"{r['requests']:,} | {r['non2xx']} | {per} | {rev} |")
    if appends:
        print(f"| `iss append descriptor`, one process per record | 1 | {1 / per_append:,.2f} | "
              f"{per_append * 1000:.0f} (mean) | | {appends} | 0 | 1 | |")
    posts = [r for name, _, r in rows if name.startswith("POST")]
    group, single = posts[0]["rps"], posts[1]["rps"]
    print()
    print(f"group commit / one at a time: {group / single:.1f}x"
          + (f"; group commit / iss append per record: {group * per_append:,.0f}x" if appends else ""))
    if args.baseline and len(posts) == 4:
        print(f"this build / baseline build: group commit {posts[0]['rps'] / posts[2]['rps']:.2f}x, "
              f"one at a time {posts[1]['rps'] / posts[3]['rps']:.2f}x")
    print(f"server metrics: {' '.join(l for l in metrics.splitlines() if 'commit' in l or 'batch' in l)}")
    print(f"iss verify after the run: exit {verify.returncode}")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
