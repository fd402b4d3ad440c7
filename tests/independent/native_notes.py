"""Keys, signed notes and checkpoints for the independent native-ledger
verifier (`verify_native.py`): C2SP Ed25519 verifier keys and their ids,
signed notes, tlog-checkpoint texts, witness (cosigner) keys, the witness
policy of FORMAT.md section 7.1 and tlog-cosignature/v1 checks.

Like the whole verifier, written from `docs/FORMAT.md` alone (and the public
specifications it cites, here C2SP signed-note, tlog-checkpoint and
tlog-cosignature), without reading the workstation's code. Standard library
only.
"""

import base64
import binascii

from native_common import DECIMAL, EM_DASH_PREFIX, HEX8, Unusable
from native_ed25519 import ed25519_verify
from native_merkle import sha256


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
