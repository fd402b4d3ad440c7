#!/usr/bin/env python3
"""An independent verifier of ISS native ledgers (`iss-native-v1`).

Written from `docs/FORMAT.md` alone, plus the public specifications it
cites (RFC 9162 Merkle trees, C2SP signed-note and tlog-checkpoint, RFC 8032
Ed25519, RFC 2104 HMAC), without reading the workstation's code. Its job is
to show that the document is enough: `tests/independent_verifier/` runs it
beside `iss verify` on clean and tampered ledgers and asserts they agree.

Where FORMAT.md leaves a question open, the reading chosen is written down
in a comment marked `AMBIGUITY:` (these are questions for the document, not
for the code).

Usage: python3 verify_native.py LEDGER_DIR [--mac-key FILE] [--policy FILE]

With --policy (section 7.1), each chain's newest verified checkpoint must
carry valid C2SP tlog-cosignature/v1 cosignatures from the policy's quorum of
witnesses, else WITNESS_POLICY.

Prints one JSON object:
  {"status": "clean"|"violated"|"incomplete",
   "findings": [{"file", "kind", "line", "expected", "found", "detail"}],
   "chains": {"descriptors": {"tree_size", "merkle_root", "checkpoints_verified",
              "signed_size", "signed_by", "unsigned_records", "macs_checked",
              "macs_unchecked"}, "pulses": ..., "events": ...},
   "caveats": [...], "unreadable": [...]}
Exit status: 0 clean, 1 violated, 2 unusable input (incomplete).

Standard library only. Ed25519 verification is pure Python (RFC 8032
section 5.1.7): slow, and meant for small ledgers.

This file is the entry point and the `Verifier` that runs the checks in
order and builds the result; the rest sits beside it in the same folder:
  native_common.py       constants, findings, per-chain state
  native_ed25519.py      Ed25519 verification (RFC 8032)
  native_json.py         compact JSON, strict parsing, raw member spans
  native_merkle.py       lines, SHA-256, RFC 9162 Merkle roots
  native_notes.py        keys, signed notes, checkpoints, witness policy
  native_records.py      sections 3, 4, 5, 8, 10.2 (metadata, records, rotations)
  native_checkpoints.py  sections 7 and 7.1 (checkpoints, cosignatures)
"""

import json
import os
import stat
import sys

# The sibling modules are imported by name. Python puts this file's folder
# on sys.path when it runs the script, but not under -I or -P
# (PYTHONSAFEPATH), so put it there. No bytecode is written: running the
# verifier leaves no __pycache__ in the source tree.
sys.dont_write_bytecode = True
_HERE = os.path.dirname(os.path.realpath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from native_checkpoints import CheckpointChecks  # noqa: E402
from native_common import CHAINS, WARNINGS, ChainState, Finding, Unusable  # noqa: E402
from native_merkle import sha256  # noqa: E402
from native_notes import parse_policy  # noqa: E402
from native_records import RecordChecks  # noqa: E402


# --- the verifier ---------------------------------------------------------------


class Verifier(RecordChecks, CheckpointChecks):
    """One ledger's verification: runs the checks in FORMAT.md's order
    (the record checks, then the checkpoint checks) and builds the result."""

    def __init__(self, ledger, mac_key=None):
        self.dir = ledger
        self.mac_key = mac_key
        self.policy = None  # ([(name, id hex, public)], quorum) with --policy
        self.mac_key_hex_id = (
            sha256(b"iss-native-v1/hmac-key-id\n" + mac_key).hex()[:8] if mac_key is not None else None
        )
        self.findings = []
        self.unreadable = []
        self.caveats = []
        self.meta = None  # the metadata object when every rule of section 3 holds
        self.origin = None
        self.mac_required = None
        # key id hex -> {"public": bytes, "limit": None (any size) or {chain: max size}}
        self.keys = {}
        self.key_in_use = None
        # Section 8: the order keys were trusted in (metadata, then each
        # valid rotation's new key): a key's rank is its index here.
        self.key_order = []
        # Valid rotations: (events line, retired key id, sizes).
        self.rotations = []
        self.chains = {c: ChainState(c) for c in CHAINS}

    # -- helpers --
    def add(self, *args, **kwargs):
        self.findings.append(Finding(*args, **kwargs))

    def read(self, name, required=True):
        path = os.path.join(self.dir, name)
        try:
            with open(path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            if required:
                self.unreadable.append({"file": name, "error": "missing"})
            return None
        except OSError as e:
            self.unreadable.append({"file": name, "error": str(e)})
            return None

    # -- all --
    def run(self):
        if not os.path.isdir(self.dir):
            raise Unusable("%s is not a directory" % self.dir)
        self.check_metadata()
        for chain in CHAINS:
            self.check_chain(chain)
        self.check_genesis()
        self.check_rotations()
        for chain in CHAINS:
            self.check_checkpoints(chain)
        if self.policy is not None:
            for chain in CHAINS:
                self.check_policy(chain)
        return self.result()

    def result(self):
        chains = {}
        for chain in CHAINS:
            st = self.chains[chain]
            size = len(st.lines)
            known = st.too_long_at is None and st.readable
            # AMBIGUITY: with no verified checkpoint the "newest signed size"
            # is reported as null and every record counts as unsigned.
            unsigned = size - (st.signed_size or 0)
            chains[chain] = {
                "tree_size": size,
                "merkle_root": st.merkle.root(size).hex() if known else None,
                "checkpoints_verified": st.checkpoints_verified,
                "signed_size": st.signed_size,
                "signed_by": st.signed_by,
                "unsigned_records": unsigned,
                "macs_checked": st.macs_checked,
                "macs_unchecked": st.macs_unchecked,
            }
            if st.macs_unchecked:
                need = self.mac_required or "another"
                self.caveats.append(
                    "%s: %d MAC(s) not checked (they need the HMAC key with id %s)" % (chain, st.macs_unchecked, need)
                )
            if unsigned:
                self.caveats.append("%s: %d record(s) after the newest verified checkpoint are covered by hashes only" % (chain, unsigned))
        # Section 11: violated outranks incomplete.
        if any(f.kind not in WARNINGS for f in self.findings):
            status = "violated"
        elif self.unreadable:
            status = "incomplete"
        else:
            status = "clean"
        findings = sorted(
            (f.to_json() for f in self.findings),
            key=lambda f: (f["file"], f["line"] if f["line"] is not None else -1, f["kind"]),
        )
        return {
            "status": status,
            "findings": findings,
            "chains": chains,
            "caveats": self.caveats,
            "unreadable": self.unreadable,
        }


def read_mac_key(path):
    """Section 5: the key file's bytes, refused when group or others can
    read it or when it holds fewer than 32 bytes."""
    st = os.stat(path)
    if st.st_mode & (stat.S_IRGRP | stat.S_IROTH):
        raise Unusable("%s: group or others can read the key file (chmod 600 it)" % path)
    with open(path, "rb") as f:
        key = f.read()
    if len(key) < 32:
        raise Unusable("%s: an HMAC key has 32 bytes or more, this one %d" % (path, len(key)))
    return key


def main(argv):
    args = list(argv[1:])
    mac_path = None
    policy_path = None
    if "--policy" in args:
        i = args.index("--policy")
        if i + 1 >= len(args):
            print("usage: verify_native.py LEDGER_DIR [--mac-key FILE] [--policy FILE]", file=sys.stderr)
            return 2
        policy_path = args[i + 1]
        del args[i : i + 2]
    if "--mac-key" in args:
        i = args.index("--mac-key")
        if i + 1 >= len(args):
            print("usage: verify_native.py LEDGER_DIR [--mac-key FILE]", file=sys.stderr)
            return 2
        mac_path = args[i + 1]
        del args[i : i + 2]
    if len(args) != 1:
        print("usage: verify_native.py LEDGER_DIR [--mac-key FILE]", file=sys.stderr)
        return 2
    try:
        key = read_mac_key(mac_path) if mac_path else None
        verifier = Verifier(args[0], key)
        if policy_path:
            with open(policy_path, encoding="utf-8") as f:
                verifier.policy = parse_policy(f.read())
        result = verifier.run()
    except (Unusable, OSError) as e:
        print(json.dumps({"status": "incomplete", "error": str(e), "findings": [], "chains": {}}))
        return 2
    print(json.dumps(result, ensure_ascii=False))
    return {"clean": 0, "violated": 1}.get(result["status"], 2)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
