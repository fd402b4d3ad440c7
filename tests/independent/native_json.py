"""JSON for the independent native-ledger verifier (`verify_native.py`):
FORMAT.md's compact JSON (to rebuild a line byte for byte), an RFC 8259
parser that notices repeated member names, and the raw byte spans of an
object's members (a record's hash covers its body's bytes as stored).

Like the whole verifier, written from `docs/FORMAT.md` alone, without
reading the workstation's code. Standard library only.
"""

import json


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
