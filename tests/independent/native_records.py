"""The record checks of the independent native-ledger verifier
(`verify_native.py`): the metadata file (FORMAT.md section 3), each chain's
records, hashes and MACs (sections 4 and 5), the genesis binding, a migrated
start log (section 10.2) and key rotations (section 8).

They are methods of `RecordChecks`, which `verify_native.Verifier` inherits:
they read and fill in the verifier's state (`self.chains`, `self.keys`, ...)
and report through its `add` and `read`.

Like the whole verifier, written from `docs/FORMAT.md` alone, without
reading the workstation's code. Standard library only.
"""

import hashlib
import hmac
import os

from native_common import CHAINS, HEX8, MAX_LINE_BYTES, Unusable
from native_ed25519 import ed25519_verify
from native_json import member_spans, parse_json
from native_merkle import Merkle, sha256, split_lines
from native_notes import b64decode_strict, parse_vkey


class RecordChecks:
    """Sections 3, 4, 5, 8 and 10.2, mixed into `verify_native.Verifier`."""

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
