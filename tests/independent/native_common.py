"""Shared pieces of the independent native-ledger verifier
(`verify_native.py`): the constants of the format, the finding and the
per-chain state the checks fill in, and the "unusable input" error.

Like the whole verifier, written from `docs/FORMAT.md` alone (and the public
specifications it cites), without reading the workstation's code. Standard
library only.
"""

import re

CHAINS = ("descriptors", "pulses", "events")
WARNINGS = frozenset({"CHECKPOINT_LAG"})
# Section 11: the reader's limit for LINE_TOO_LONG is 16 MiB.
MAX_LINE_BYTES = 16 * 1024 * 1024
HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")
HEX8 = re.compile(r"\A[0-9a-f]{8}\Z")
DECIMAL = re.compile(r"\A(0|[1-9][0-9]*)\Z")
EM_DASH_PREFIX = "\u2014 "


class Finding:
    def __init__(self, file, kind, line=None, expected=None, found=None, detail=None):
        self.file, self.kind, self.line = file, kind, line
        self.expected, self.found, self.detail = expected, found, detail

    def to_json(self):
        d = {"file": self.file, "kind": self.kind, "line": self.line}
        for k in ("expected", "found", "detail"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        return d


class Unusable(Exception):
    """The input cannot be verified at all (exit 2)."""


class ChainState:
    def __init__(self, name):
        self.name = name
        self.lines = []
        self.torn = None
        self.readable = True
        self.too_long_at = None  # 0-based index of the first over-long line
        self.merkle = None
        self.macs_checked = 0
        self.macs_unchecked = 0
        self.records = {}  # 0-based index -> parsed record (dict) with "_body_raw"
        self.checkpoints_verified = 0
        self.signed_size = None
        self.signed_by = []
