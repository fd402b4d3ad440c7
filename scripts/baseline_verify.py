#!/usr/bin/env python3
"""Baseline for the verification benchmark: the legacy SPICE chain check
written the obvious way in Python (json.loads plus sha256 per line, and the
prev link), as a reviewer without ISS Workstation would write it.

Usage: baseline_verify.py SPICE_CHAIN_JSONL
Prints one line: records, broken records, seconds, records/s.
"""
import hashlib
import json
import sys
import time


def verify(path):
    start = time.perf_counter()
    records = broken = 0
    prev = "0" * 64
    with open(path, "rb") as f:
        for line in f:
            d = json.loads(line)
            text = f"{d['descriptor_id']}:{d['process_name']}:{d['assessed_at']}:{d['prev_descriptor_hash']}"
            if hashlib.sha256(text.encode()).hexdigest() != d["descriptor_hash"] or d["prev_descriptor_hash"] != prev:
                broken += 1
            prev = d["descriptor_hash"]
            records += 1
    seconds = time.perf_counter() - start
    return records, broken, seconds


if __name__ == "__main__":
    n, bad, s = verify(sys.argv[1])
    print(f"records={n} broken={bad} seconds={s:.3f} records_per_s={n / s:.0f}")
