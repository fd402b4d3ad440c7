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
"""

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import stat
import sys

CHAINS = ("descriptors", "pulses", "events")
WARNINGS = frozenset({"CHECKPOINT_LAG"})
# Section 11: the reader's limit for LINE_TOO_LONG is 16 MiB.
MAX_LINE_BYTES = 16 * 1024 * 1024
HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")
HEX8 = re.compile(r"\A[0-9a-f]{8}\Z")
DECIMAL = re.compile(r"\A(0|[1-9][0-9]*)\Z")
EM_DASH_PREFIX = "\u2014 "


# --- Ed25519 signature verification, RFC 8032 section 5.1 -------------------

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _point_add(a, b):
    # Extended homogeneous coordinates (X, Y, Z, T), RFC 8032 section 5.1.4.
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    pa = (y1 - x1) * (y2 - x2) % _P
    pb = (y1 + x1) * (y2 + x2) % _P
    pc = 2 * t1 * t2 * _D % _P
    pd = 2 * z1 * z2 % _P
    e, f, g, h = pb - pa, pd - pc, pd + pc, pb + pa
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _point_mul(s, pt):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _point_add(q, pt)
        pt = _point_add(pt, pt)
        s >>= 1
    return q


def _point_equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def _recover_x(y, sign):
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _decode_point(raw):
    """RFC 8032 section 5.1.3; None when the bytes are not a point."""
    if len(raw) != 32:
        return None
    y = int.from_bytes(raw, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0)
_BASE = (_GX, _GY, 1, _GX * _GY % _P)


def ed25519_verify(public, message, signature):
    """RFC 8032 section 5.1.7, with the cofactored equation [8][S]B = [8]R + [8][k]A."""
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decode_point(public)
    r = _decode_point(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _L:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % _L
    left = _point_mul(8 * s, _BASE)
    right = _point_mul(8, _point_add(r, _point_mul(k, a)))
    return _point_equal(left, right)


# --- compact JSON, FORMAT.md "Conventions" ----------------------------------

_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def compact_string(s):
    out = ['"']
    for ch in s:
        if ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif ord(ch) < 0x20:
            # AMBIGUITY: "control characters" is read as U+0000-U+001F (the
            # ones RFC 8259 requires escaped); U+007F is written as itself.
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def compact(value):
    """Compact JSON of strings, lists, objects and integers (all the
    metadata and history lines hold)."""
    if isinstance(value, str):
        return compact_string(value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ",".join(compact(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(compact_string(k) + ":" + compact(v) for k, v in value.items()) + "}"
    raise ValueError("no compact form for %r" % (value,))


class _Obj(dict):
    """A JSON object that remembers whether a member name was repeated."""

    duplicated = False


def _pairs(pairs):
    obj = _Obj()
    for k, v in pairs:
        if k in obj:
            obj.duplicated = True
        obj[k] = v
    return obj


def _no_constant(name):
    raise ValueError("%s is not RFC 8259 JSON" % name)


def parse_json(text):
    """RFC 8259 JSON (no NaN/Infinity); objects keep their member order."""
    return json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)


# --- raw member spans of a JSON object ----------------------------------------

_WS = b" \t\r\n"


def _skip_ws(b, i):
    while i < len(b) and b[i] in _WS:
        i += 1
    return i


def _skip_string(b, i):
    i += 1
    while b[i] != 0x22:
        i += 2 if b[i] == 0x5C else 1
    return i + 1


def _skip_value(b, i):
    c = b[i]
    if c == 0x22:
        return _skip_string(b, i)
    if c in b"{[":
        depth = 0
        while True:
            c = b[i]
            if c == 0x22:
                i = _skip_string(b, i)
                continue
            if c in b"{[":
                depth += 1
            elif c in b"}]":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
    while i < len(b) and b[i] not in b",}] \t\r\n":
        i += 1
    return i


def member_spans(b):
    """Byte spans of the values of a top-level object's members. `b` must
    already be known to be valid JSON holding one object."""
    spans = {}
    i = _skip_ws(b, 0) + 1
    while True:
        i = _skip_ws(b, i)
        if b[i] == 0x7D:
            return spans
        end = _skip_string(b, i)
        name = json.loads(b[i:end].decode("utf-8"))
        i = _skip_ws(b, end) + 1  # past ':'
        i = _skip_ws(b, i)
        vend = _skip_value(b, i)
        spans[name] = (i, vend)
        i = _skip_ws(b, vend)
        if b[i] == 0x2C:
            i += 1


# --- files and lines -----------------------------------------------------------


def split_lines(data):
    """(complete lines without their '\\n', torn tail bytes or None)."""
    parts = data.split(b"\n")
    torn = parts.pop()
    return parts, (torn if torn else None)


def sha256(b):
    return hashlib.sha256(b).digest()


class Merkle:
    """RFC 9162 section 2.1 tree hashes over a list of leaves, with the
    perfect subtrees cached so that the roots of many prefixes are cheap."""

    def __init__(self, leaves):
        self.leaf_hashes = [sha256(b"\x00" + leaf) for leaf in leaves]
        self.cache = {}

    def root(self, n, start=0):
        if n == 0:
            return sha256(b"")
        if n == 1:
            return self.leaf_hashes[start]
        perfect = n & (n - 1) == 0
        if perfect and (start, n) in self.cache:
            return self.cache[(start, n)]
        k = 1 << ((n - 1).bit_length() - 1)  # largest power of two < n
        h = sha256(b"\x01" + self.root(k, start) + self.root(n - k, start + k))
        if perfect:
            self.cache[(start, n)] = h
        return h


# --- keys and notes ------------------------------------------------------------


def key_id(name, public):
    return sha256(name.encode("utf-8") + b"\n\x01" + public)[:4]


def b64decode_strict(s):
    try:
        return base64.b64decode(s.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


def cosigner_key_id(name, public):
    # C2SP tlog-cosignature: the key id is computed over signature type 0x04.
    return sha256(name.encode("utf-8") + b"\n\x04" + public)[:4]


def parse_cosigner_vkey(text):
    """A witness's vkey `<name>+<id hex>+<base64(0x04 || key)>`: (name, id
    hex, public key), or None."""
    parts = text.split("+", 2)
    if len(parts) != 3:
        return None
    name, id_hex, b64 = parts
    raw = b64decode_strict(b64)
    if not name or not HEX8.match(id_hex) or raw is None or len(raw) != 33 or raw[0] != 4:
        return None
    if cosigner_key_id(name, raw[1:]).hex() != id_hex:
        return None
    return name, id_hex, raw[1:]


def parse_policy(text):
    """Section 7.1: `witness <vkey>` lines and an optional `quorum <k>`
    (default: all); ([(name, id hex, public)], k)."""
    witnesses, quorum = [], None
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word == "witness" and parse_cosigner_vkey(rest.strip()):
            witnesses.append(parse_cosigner_vkey(rest.strip()))
        elif word == "quorum" and quorum is None and DECIMAL.match(rest.strip()):
            quorum = int(rest.strip())
        else:
            raise Unusable("policy line %d: %r" % (n, line))
    if quorum is None:
        quorum = len(witnesses)
    if not witnesses or not 1 <= quorum <= len(witnesses):
        raise Unusable("policy: quorum %d of %d witnesses" % (quorum, len(witnesses)))
    return witnesses, quorum


def cosignature_time(witness, text, sigs):
    """The timestamp of `witness`'s valid cosignature among `sigs` over
    the checkpoint `text`, else None."""
    name, id_hex, public = witness
    for sig_name, sig_id, sig in sigs:
        if sig_name != name or sig_id != id_hex or len(sig) != 72:
            continue
        ts = int.from_bytes(sig[:8], "big")
        message = ("cosignature/v1\ntime %d\n" % ts + text).encode("utf-8")
        if ts < 2**63 and ed25519_verify(public, message, sig[8:]):
            return ts
    return None


def parse_vkey(text):
    """A C2SP Ed25519 verifier key `<name>+<id hex>+<base64(0x01 || key)>`:
    (name, id hex, public key), or None when malformed or when the id is
    not the key's."""
    if not isinstance(text, str):
        return None
    parts = text.split("+", 2)
    if len(parts) != 3:
        return None
    name, id_hex, b64 = parts
    raw = b64decode_strict(b64)
    if not name or not HEX8.match(id_hex) or raw is None or len(raw) != 33 or raw[0] != 1:
        return None
    public = raw[1:]
    if key_id(name, public).hex() != id_hex:
        return None
    return name, id_hex, public


def parse_note(note):
    """A C2SP signed note: (text, [(name, key id hex, signature bytes)]), or
    None when it is not one."""
    if not note.endswith("\n"):
        return None
    cut = note.rfind("\n\n")
    if cut < 0:
        return None
    text, block = note[: cut + 1], note[cut + 2 :]
    sigs = []
    for line in block.split("\n")[:-1]:
        if not line.startswith(EM_DASH_PREFIX):
            return None
        fields = line[len(EM_DASH_PREFIX) :].split(" ")
        if len(fields) != 2 or not fields[0]:
            return None
        raw = b64decode_strict(fields[1])
        if raw is None or len(raw) < 5:
            return None
        sigs.append((fields[0], raw[:4].hex(), raw[4:]))
    if not sigs:
        return None
    return text, sigs


def parse_checkpoint(text):
    """C2SP tlog-checkpoint text: (origin, size, root bytes) or None."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        return None
    origin, size, root_b64 = lines[0], lines[1], lines[2]
    if not origin or any(not ext for ext in lines[3:-1]):
        return None
    if not DECIMAL.match(size):
        return None
    root = b64decode_strict(root_b64)
    if root is None or len(root) != 32:
        return None
    return origin, int(size), root


# --- the verifier ---------------------------------------------------------------


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


class Verifier:
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

    # -- section 3 --
    def check_metadata(self):
        data = self.read("iss-ledger.json")
        if data is None:
            raise Unusable("iss-ledger.json cannot be read: not a native ledger")
        self.meta_sha256 = sha256(data).hex()
        problem = self._metadata_problem(data)
        if problem:
            # AMBIGUITY: section 3 says that after a METADATA_MISMATCH on the
            # metadata file "nothing that needs a key can be checked" without
            # saying what still is. Read here as: no signature, rotation or
            # MAC check at all (MAC_MISSING needs `mac_key_id`, which comes
            # from the refused file); chains, Merkle roots and the
            # checkpoints' sizes and roots are still checked, but no
            # checkpoint counts as verified.
            self.add("native_metadata", "METADATA_MISMATCH", detail=problem)
            self.meta = None
            return
        self.origin = self.meta["origin"]
        self.mac_required = self.meta.get("mac_key_id")
        for text in self.meta["verifier_keys"]:
            _, id_hex, public = parse_vkey(text)
            if id_hex not in self.keys:
                self.key_order.append(id_hex)
            self.keys[id_hex] = {"public": public, "limit": None}
            self.key_in_use = id_hex

    def _metadata_problem(self, data):
        try:
            text = data.decode("utf-8")
            meta = parse_json(text)
        except (UnicodeDecodeError, ValueError) as e:
            return "not JSON: %s" % e
        if not isinstance(meta, dict):
            return "not a JSON object"
        if meta.duplicated:
            return "a field is repeated"
        allowed = {"format", "origin", "created", "chains", "verifier_keys", "mac_key_id"}
        extra = set(meta) - allowed
        if extra:
            return "fields not allowed: %s" % sorted(extra)
        missing = allowed - {"mac_key_id"} - set(meta)
        if missing:
            return "fields missing: %s" % sorted(missing)
        if meta["format"] != "iss-native-v1":
            return "format is not iss-native-v1"
        origin = meta["origin"]
        if not isinstance(origin, str) or not origin or "+" in origin or any(c.isspace() for c in origin):
            return "origin must be non-empty, without whitespace or '+'"
        if not isinstance(meta["created"], str):
            return "created is not a string"
        if meta["chains"] != list(CHAINS):
            return "chains is not [descriptors, pulses, events]"
        vkeys = meta["verifier_keys"]
        # AMBIGUITY: section 3 does not say whether `verifier_keys` may be
        # empty; "the last of which is the key in use" (section 8) is read as
        # requiring at least one.
        if not isinstance(vkeys, list) or not vkeys:
            return "verifier_keys must be a non-empty list"
        for v in vkeys:
            parsed = parse_vkey(v)
            if parsed is None:
                return "verifier key %r is not a C2SP Ed25519 verifier key" % (v,)
            if parsed[0] != origin:
                return "verifier key %r is not named by the origin" % (v,)
        if "mac_key_id" in meta and (not isinstance(meta["mac_key_id"], str) or not HEX8.match(meta["mac_key_id"])):
            return "mac_key_id is not 8 hex characters"
        # Section 3: the fields are checked; the exact bytes are bound by the
        # genesis event, so their layout is not a rule of its own.
        self.meta = meta
        return None

    # -- section 4 and 5 --
    def check_chain(self, chain):
        st = self.chains[chain]
        if not os.path.lexists(os.path.join(self.dir, chain + ".jsonl")):
            # Section 11: the metadata names every chain; a missing one is
            # MISSING_FILE (no line), its root unknown.
            self.add(chain, "MISSING_FILE", detail="the chain file is missing")
            st.readable = False
            st.merkle = Merkle([])
            return
        data = self.read(chain + ".jsonl")
        if data is None:
            st.readable = False
            st.merkle = Merkle([])
            return
        st.lines, st.torn = split_lines(data)
        if st.torn is not None:
            # AMBIGUITY: the line of a TORN_TAIL is not given; it is the line
            # the torn bytes would have been (complete lines + 1).
            self.add(chain, "TORN_TAIL", len(st.lines) + 1, detail="%d byte(s) without a final newline" % len(st.torn))
        st.merkle = Merkle(st.lines)
        expected_seq = 0
        expected_prev = "0" * 64  # None: unknown (after an unparseable line)
        first_line_of_id = {}  # section 4.3 rule 5, descriptors only
        for index, line in enumerate(st.lines):
            lineno = index + 1
            if len(line) > MAX_LINE_BYTES:
                self.add(chain, "LINE_TOO_LONG", lineno, detail="over %d bytes" % MAX_LINE_BYTES)
                if st.too_long_at is None:
                    st.too_long_at = index
                expected_seq += 1
                expected_prev = None
                continue
            rec = self._parse_record(chain, lineno, line)
            if rec is None:
                # Section 4.3 rule 1: the line keeps its place in the chain.
                # AMBIGUITY: what PREV the next record must carry after an
                # unparseable line is not said (there is no stored HASH to
                # re-anchor on); the next record's PREV is not checked.
                expected_seq += 1
                expected_prev = None
                continue
            st.records[index] = rec
            seq, prev, stored_hash = rec["seq"], rec["prev"], rec["hash"]
            # AMBIGUITY: a record that breaks both rule 2 (SEQ) and rule 3
            # (PREV) is reported as two CHAIN_BREAK findings on its line, one
            # per rule, each with its own expected and found values.
            if seq != expected_seq:
                self.add(chain, "CHAIN_BREAK", lineno, expected="seq %d" % expected_seq, found="seq %d" % seq)
            if expected_prev is not None and prev != expected_prev:
                self.add(chain, "CHAIN_BREAK", lineno, expected="prev " + expected_prev, found="prev " + prev)
            message = (
                b"iss-native-v1/record\n"
                + chain.encode()
                + b"\n"
                + str(seq).encode()
                + b"\n"
                + prev.encode("utf-8", "surrogatepass")
                + b"\n"
                + rec["_body_raw"]
            )
            computed = hashlib.sha256(message).hexdigest()
            if stored_hash != computed:
                self.add(chain, "HASH_MISMATCH", lineno, expected=computed, found=stored_hash)
            self._check_mac(st, lineno, rec, message)
            if chain == "descriptors":
                # Rule 5: the body's descriptor_id (a string member; the
                # last one when the name is repeated, as parse_json keeps
                # it) is not that of an earlier record.
                ident = rec["body"].get("descriptor_id")
                if isinstance(ident, str):
                    if ident in first_line_of_id:
                        first = first_line_of_id[ident]
                        self.add(chain, "DUPLICATE_ID", lineno, expected="an id no earlier record has",
                                 found="%s (first at line %d)" % (ident, first))
                    else:
                        first_line_of_id[ident] = lineno
            expected_seq = seq + 1
            expected_prev = stored_hash

    def _parse_record(self, chain, lineno, line):
        core = line
        if core.startswith(b"\xef\xbb\xbf"):
            core = core[3:]
        if core.endswith(b"\r"):
            core = core[:-1]
        try:
            obj = parse_json(core.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            self.add(chain, "PARSE_ERROR", lineno, detail="not UTF-8 JSON: %s" % e)
            return None
        problem = None
        if not isinstance(obj, dict):
            problem = "not a JSON object"
        elif obj.duplicated:
            # AMBIGUITY: a repeated member name is not mentioned; it is read
            # as "has another field" (PARSE_ERROR).
            problem = "a field is repeated"
        else:
            keys = set(obj)
            if keys not in ({"seq", "prev", "body", "hash"}, {"seq", "prev", "body", "mac", "hash"}):
                problem = "fields are %s, expected seq, prev, body, [mac,] hash" % sorted(keys)
            elif not isinstance(obj["seq"], int) or isinstance(obj["seq"], bool):
                problem = "seq is not an integer"
            elif not isinstance(obj["prev"], str) or not isinstance(obj["hash"], str):
                problem = "prev or hash is not a string"
            elif not isinstance(obj["body"], dict):
                problem = "body is not an object"
            elif "mac" in obj and not isinstance(obj["mac"], str):
                problem = "mac is not a string"
        if problem:
            self.add(chain, "PARSE_ERROR", lineno, detail=problem)
            return None
        start, end = member_spans(core)["body"]
        obj["_body_raw"] = core[start:end]
        rebuilt = (
            b'{"seq":'
            + str(obj["seq"]).encode()
            + b',"prev":"'
            + obj["prev"].encode("utf-8", "surrogatepass")
            + b'","body":'
            + obj["_body_raw"]
            + ((b',"mac":"' + obj["mac"].encode("utf-8", "surrogatepass") + b'"') if "mac" in obj else b"")
            + b',"hash":"'
            + obj["hash"].encode("utf-8", "surrogatepass")
            + b'"}'
        )
        if rebuilt != line:
            self.add(chain, "NON_CANONICAL", lineno, detail="the line is not its reconstruction byte for byte")
        return obj

    def _check_mac(self, st, lineno, rec, message):
        mac = rec.get("mac")
        key_id_part = mac.split(":", 1)[0] if mac is not None else None
        if self.meta is None:
            if mac is not None:
                st.macs_unchecked += 1
            return
        if self.mac_required is not None and (mac is None or key_id_part != self.mac_required):
            self.add(
                st.name,
                "MAC_MISSING",
                lineno,
                expected="a MAC under key " + self.mac_required,
                found=("key " + key_id_part) if mac is not None else "no MAC",
            )
        if mac is None:
            return
        # AMBIGUITY: section 5 says a verifier with the key checks "every MAC
        # of its KEYID", also (read here) in a ledger whose metadata has no
        # `mac_key_id`; a MAC under another key id is counted as present but
        # not checked.
        if self.mac_key is not None and key_id_part == self.mac_key_hex_id:
            st.macs_checked += 1
            expected = self.mac_key_hex_id + ":" + hmac.new(self.mac_key, message, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(mac.encode("utf-8", "surrogatepass"), expected.encode()):
                self.add(st.name, "MAC_MISMATCH", lineno, expected=expected, found=mac)
        else:
            st.macs_unchecked += 1

    # -- section 3, genesis binding --
    def check_genesis(self):
        st = self.chains["events"]
        if not st.readable:
            return
        if not st.lines:
            self.add("events", "METADATA_MISMATCH", detail="the events chain has no record: no genesis event")
            return
        # AMBIGUITY: when line 1 of events cannot be parsed, only its
        # PARSE_ERROR is reported (no METADATA_MISMATCH on top of it).
        for index, rec in sorted(st.records.items()):
            body = rec["body"]
            kind = body.get("type")
            if index == 0:
                if kind != "genesis":
                    self.add("events", "METADATA_MISMATCH", 1, expected="type genesis", found="type %r" % (kind,))
                elif body.get("metadata_sha256") != self.meta_sha256:
                    self.add(
                        "events",
                        "METADATA_MISMATCH",
                        1,
                        expected=self.meta_sha256,
                        found=str(body.get("metadata_sha256")),
                        detail="SHA-256 of iss-ledger.json",
                    )
            elif kind == "genesis":
                self.add("events", "METADATA_MISMATCH", index + 1, detail="a second genesis event")
        self.check_start_log()

    # -- section 10.2, a migrated start log --
    def check_start_log(self):
        st = self.chains["events"]
        expected = None
        genesis = st.records.get(0)
        if genesis is not None and genesis["body"].get("type") == "genesis":
            origin = genesis["body"].get("migrated_from")
            files = origin.get("files") if isinstance(origin, dict) else None
            for f in files if isinstance(files, list) else []:
                if isinstance(f, dict) and f.get("name") == "forensic_audit":
                    expected = (f.get("records"), f.get("bytes"), f.get("sha256"))
        count, size, digest = 0, 0, hashlib.sha256()
        for index, rec in sorted(st.records.items()):
            body = rec["body"]
            if body.get("type") != "legacy_time_keeper_start":
                continue
            count += 1
            text = body.get("legacy_text")
            data = (text if isinstance(text, str) else "").encode("utf-8", "surrogatepass") + b"\n"
            digest.update(data)
            size += len(data)
            if index != count or body.get("legacy_line") != count:
                self.add("events", "METADATA_MISMATCH", index + 1,
                         expected="events line %d, legacy_line %d" % (count + 1, count),
                         found="events line %d, legacy_line %r" % (index + 1, body.get("legacy_line")))
        found = (count, size, digest.hexdigest())
        if (expected is None and count == 0) or expected == found:
            return
        self.add("events", "METADATA_MISMATCH", expected=str(expected), found=str(found),
                 detail="the start records are not the start log the genesis recorded")

    # -- section 8 --
    def check_rotations(self):
        if self.meta is None:
            return
        for index, rec in sorted(self.chains["events"].records.items()):
            body = rec["body"]
            if body.get("type") != "key_rotation":
                continue
            problem = self._rotation_problem(body)
            if problem:
                self.add("events", "ROTATION_INVALID", index + 1, detail=problem)
                continue
            new = parse_vkey(body["new_vkey"])
            self.keys[self.key_in_use]["limit"] = {c: body["sizes"][c] for c in CHAINS}
            self.rotations.append((index + 1, self.key_in_use, {c: body["sizes"][c] for c in CHAINS}))
            self.keys[new[1]] = {"public": new[2], "limit": None}
            self.key_order.append(new[1])
            self.key_in_use = new[1]

    def _rotation_problem(self, body):
        # AMBIGUITY: only the three conditions of section 8 are checked (old
        # key id, new key's name, signature). Whether `sizes.events` must
        # equal the record's position, and whether `sizes` may exceed the
        # chains, is not said; neither is checked.
        old = body.get("old_key_id")
        if old != self.key_in_use:
            return "old_key_id %r is not the key in use %s" % (old, self.key_in_use)
        new = parse_vkey(body.get("new_vkey"))
        if new is None or new[0] != self.origin:
            return "new_vkey is not a verifier key named %s" % self.origin
        if new[1] in self.keys:
            return "the new key %s is already trusted" % new[1]
        sizes = body.get("sizes")
        if not isinstance(sizes, dict) or any(
            not isinstance(sizes.get(c), int) or isinstance(sizes.get(c), bool) or sizes.get(c) < 0 for c in CHAINS
        ):
            return "sizes does not give a size for each chain"
        sig = body.get("signature")
        raw = b64decode_strict(sig) if isinstance(sig, str) else None
        if raw is None:
            return "signature is not base64"
        text = "iss-native-v1/key-rotation\n%s\n%s\ndescriptors %d\npulses %d\nevents %d\n" % (
            self.origin,
            body["new_vkey"],
            sizes["descriptors"],
            sizes["pulses"],
            sizes["events"],
        )
        if not ed25519_verify(self.keys[self.key_in_use]["public"], text.encode("utf-8"), raw):
            return "the signature by the old key does not verify"
        return None

    # -- section 7 --
    def check_checkpoints(self, chain):
        st = self.chains[chain]
        report = chain + "_checkpoints"
        data = self.read(chain + ".jsonl.checkpoints", required=False)
        entries = []  # (lineno, note str or None)
        if data is not None:
            lines, torn = split_lines(data)
            if torn is not None:
                self.add(report, "TORN_TAIL", len(lines) + 1, detail="%d byte(s) without a final newline" % len(torn))
            n_lines = len(st.lines) if st.too_long_at is None else st.too_long_at
            truncated_by = None
            previous_size = None
            top_rank = None  # the highest rank among the signers of verified entries
            newest_line = None  # history line of the newest verified entry
            for index, line in enumerate(lines):
                lineno = index + 1
                note = self._history_entry(report, lineno, line)
                entries.append((lineno, note[1] if note else None))
                if note is None:
                    continue
                entry_size, note_text = note
                # Section 7 runs the rules in order; an entry that fails one
                # is reported once and not checked further.
                # Rule 6 (order), on every entry, by the entries' sizes.
                if previous_size is not None and entry_size < previous_size:
                    self.add(
                        report,
                        "CHECKPOINT_MISMATCH",
                        lineno,
                        expected="size >= %d" % previous_size,
                        found="size %d" % entry_size,
                    )
                    previous_size = entry_size
                    continue
                previous_size = entry_size
                if self.meta is None:
                    continue  # no trusted key: nothing more can be checked
                opened = parse_note(note_text)
                cp = parse_checkpoint(opened[0]) if opened else None
                # Rule 1: a note that is not a well-formed signed checkpoint,
                # with another origin, or that no trusted key verifies.
                if cp is None:
                    self.add(report, "SIGNATURE_INVALID", lineno, detail="not a signed checkpoint note")
                    continue
                origin, size, root = cp
                if origin != self.origin + "/" + chain:
                    self.add(report, "SIGNATURE_INVALID", lineno, expected=self.origin + "/" + chain, found=origin)
                    continue
                signers, bad = self._signers(opened)
                if not signers or bad:
                    self.add(
                        report,
                        "SIGNATURE_INVALID",
                        lineno,
                        detail="a trusted key's signature does not verify" if bad else "no trusted key's signature verifies",
                    )
                    continue
                # Rule 2.
                if entry_size != size:
                    self.add(report, "CHECKPOINT_MISMATCH", lineno, expected="size %d" % size, found="size %d" % entry_size)
                    continue
                # Rule 3.
                trusted = [k for k in signers if self._trusted_for(k, chain, size)]
                if not trusted:
                    self.add(report, "SIGNATURE_INVALID", lineno, detail="signed only by a key retired below size %d" % size)
                    continue
                # Rule 3b: only retired keys, after a verified entry signed
                # by a key ranked above them all.
                if top_rank is not None and all(
                    self.keys[k]["limit"] is not None and self.key_order.index(k) < top_rank for k in trusted
                ):
                    self.add(report, "RETIRED_KEY", lineno, found=",".join(trusted),
                             detail="a retired key signed after its successor")
                    continue
                # Rule 4.
                if size > n_lines:
                    if truncated_by is None or size > truncated_by[0]:
                        truncated_by = (size, lineno)
                    continue
                # Rule 5.
                recomputed = st.merkle.root(size)
                if recomputed != root:
                    self.add(report, "CHECKPOINT_MISMATCH", lineno, expected=root.hex(), found=recomputed.hex())
                    continue
                st.checkpoints_verified += 1
                st.latest = (lineno, note_text)
                # The newest signed size: the last verified entry in history order.
                st.signed_size = size
                st.signed_by = sorted(trusted)
                newest_line = lineno
                rank = max(self.key_order.index(k) for k in trusted)
                top_rank = rank if top_rank is None else max(top_rank, rank)
            # Section 11: no TRUNCATED for a chain that is missing or could
            # not be read (nothing is concluded from bytes not read).
            if truncated_by is not None and st.readable:
                self.add(
                    chain,
                    "TRUNCATED",
                    expected="at least %d complete line(s) (checkpoint at history line %d)" % truncated_by,
                    found="%d" % n_lines,
                )
        else:
            newest_line = None
        self._check_rotation_cover(chain, report, newest_line)
        self._check_latest(chain, report, entries)

    def _check_rotation_cover(self, chain, report, newest_line):
        """Section 7, after the history: after a rotation, the newest
        verified entry is signed by the key in use and signs at least the
        largest size a rotation retired a key at."""
        st = self.chains[chain]
        if self.meta is None or not self.rotations:
            return
        if not st.readable or st.too_long_at is not None:
            return  # a line was not read: no verdict on what is missing
        floor = max(sizes[chain] for _, _, sizes in self.rotations)
        if st.signed_size is not None and self.key_in_use in st.signed_by and st.signed_size >= floor:
            return
        self.add(report, "RETIRED_KEY", newest_line,
                 expected="a newest checkpoint signed by %s of at least %d records" % (self.key_in_use, floor),
                 found="none verified" if st.signed_size is None else "size %d signed by %s" % (st.signed_size, ",".join(st.signed_by)))

    def _history_entry(self, report, lineno, line):
        """Rule: `{"size":N,"note":"..."}` exactly; (size, note) or None."""
        try:
            obj = parse_json(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            self.add(report, "PARSE_ERROR", lineno, detail="not UTF-8 JSON: %s" % e)
            return None
        if (
            not isinstance(obj, dict)
            or list(obj) != ["size", "note"]
            or not isinstance(obj["size"], int)
            or isinstance(obj["size"], bool)
            or not isinstance(obj["note"], str)
            or compact(obj).encode("utf-8", "surrogatepass") != line
        ):
            self.add(report, "PARSE_ERROR", lineno, detail='not the compact JSON {"size":N,"note":"..."}')
            return None
        return obj["size"], obj["note"]

    def _signers(self, opened):
        """Ids of the trusted keys whose signature verifies, and whether a
        trusted key's signature failed."""
        text, sigs = opened
        good, bad = [], False
        for name, id_hex, sig in sigs:
            key = self.keys.get(id_hex)
            if name != self.origin or key is None:
                continue  # C2SP: signatures by unknown keys are ignored
            if ed25519_verify(key["public"], text.encode("utf-8"), sig):
                if id_hex not in good:
                    good.append(id_hex)
            else:
                # AMBIGUITY: C2SP's "must verify a known one" is read as Go's
                # note.Open does: a known key's failing signature rejects the
                # note even if another known key's verifies.
                bad = True
        return good, bad

    def _trusted_for(self, id_hex, chain, size):
        # AMBIGUITY: metadata keys other than the last are never retired by a
        # rotation (only "the key in use" is), so they stay trusted for any
        # size.
        limit = self.keys[id_hex]["limit"]
        return limit is None or size <= limit[chain]

    def _check_latest(self, chain, report, entries):
        st = self.chains[chain]
        latest = self.read(chain + ".jsonl.checkpoint", required=False)
        # AMBIGUITY: findings about the latest file, and about a missing
        # history, are reported on `<chain>_checkpoints` with no line: the
        # latest file has no report of its own in section 11.
        entries = [(n, note) for n, note in entries if note is not None]
        if not entries:
            # Section 7: every native ledger signs each chain at creation, so
            # a chain without a (parseable) history entry lost its signatures.
            self.add(report, "CHECKPOINT_MISMATCH", detail="no checkpoint history")
            return
        if latest is None:
            self.add(report, "CHECKPOINT_LAG", detail="the latest checkpoint file is missing")
            return
        notes = [n.encode("utf-8", "surrogatepass") for _, n in entries]
        if latest == notes[-1]:
            return
        if latest in notes[:-1]:
            line = entries[notes.index(latest)][0]
            self.add(report, "CHECKPOINT_LAG", detail="the latest file holds history line %d, not the last" % line)
        else:
            self.add(report, "CHECKPOINT_MISMATCH", detail="the latest file is not a checkpoint of the history")

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

    def check_policy(self, chain):
        """Section 7.1: the newest verified checkpoint of the chain must be
        cosigned by the policy's quorum of witnesses."""
        witnesses, quorum = self.policy
        latest = getattr(self.chains[chain], "latest", None)
        report = chain + "_checkpoints"
        if latest is None:
            self.add(report, "WITNESS_POLICY", found="no verified checkpoint")
            return
        lineno, note = latest
        text, sigs = parse_note(note)
        signed = [w[0] for w in witnesses if cosignature_time(w, text, sigs) is not None]
        if len(signed) < quorum:
            self.add(report, "WITNESS_POLICY", lineno, expected="%d of %d witnesses" % (quorum, len(witnesses)), found=", ".join(signed) or "none")

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
