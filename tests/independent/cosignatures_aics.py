#!/usr/bin/env python3
"""Checks checkpoint notes written by `iss checkpoint --witness` with code
that is not ours: the aics-tlog package (PyPI, Apache-2.0; its
aics_tlog.checkpoint.verify_checkpoint parses the signed note, checks the
log's Ed25519 signature and counts valid cosignature/v1 lines against a
k-of-n witness policy). docs/WITNESS.md says why this package.

Usage: cosignatures_aics.py --origin ORIGIN --log-vkey VKEY --quorum K
       --witness VKEY [--witness VKEY ...] NOTE_FILE
Prints one JSON object (ok, log_ok, witnesses, timestamps, error); exits 0
when the note meets the policy, 1 when it does not, 3 when aics-tlog (or the
cryptography package it needs) cannot be imported, saying so.
"""

import argparse
import json
import sys

try:
    from aics_tlog.checkpoint import WitnessPolicy, verify_checkpoint
    from aics_tlog.note import parse_note, parse_vkey
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"aics-tlog cannot be imported ({e}); .ci/run installs it into target/pydeps")
    sys.exit(3)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--origin", required=True)
    p.add_argument("--log-vkey", required=True)
    p.add_argument("--quorum", type=int, required=True)
    p.add_argument("--witness", action="append", required=True)
    p.add_argument("note")
    a = p.parse_args()
    with open(a.note, encoding="utf-8") as f:
        text = f.read()
    try:
        note = parse_note(text)
        policy = WitnessPolicy(
            quorum=a.quorum, witnesses=tuple(parse_vkey(w) for w in a.witness)
        )
        r = verify_checkpoint(
            note, parse_vkey(a.log_vkey), policy=policy, expected_origin=a.origin
        )
        out = {
            "ok": r.ok,
            "log_ok": r.log_ok,
            "witnesses": sorted(r.witnesses),
            "timestamps": r.timestamps,
            "error": r.error,
        }
    except ValueError as e:
        out = {"ok": False, "log_ok": False, "witnesses": [], "timestamps": {}, "error": str(e)}
    print(json.dumps(out))
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
