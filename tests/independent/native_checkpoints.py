"""The checkpoint checks of the independent native-ledger verifier
(`verify_native.py`): each chain's checkpoint history and latest checkpoint
file (FORMAT.md section 7), what a key rotation requires of them (section
8), and the witness policy on the newest verified checkpoint (section 7.1).

They are methods of `CheckpointChecks`, which `verify_native.Verifier`
inherits: they read and fill in the verifier's state (`self.chains`,
`self.keys`, ...) and report through its `add` and `read`.

Like the whole verifier, written from `docs/FORMAT.md` alone (and the public
specifications it cites, here C2SP signed-note, tlog-checkpoint and
tlog-cosignature), without reading the workstation's code. Standard library
only.
"""

from native_ed25519 import ed25519_verify
from native_json import compact, parse_json
from native_merkle import split_lines
from native_notes import cosignature_time, parse_checkpoint, parse_note


class CheckpointChecks:
    """Sections 7 and 7.1, mixed into `verify_native.Verifier`."""

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
