"""Lines and hashes for the independent native-ledger verifier
(`verify_native.py`): a file's complete lines and torn tail, SHA-256, and
RFC 9162 Merkle tree roots of a chain's prefixes.

Like the whole verifier, written from `docs/FORMAT.md` alone (and the public
specifications it cites, here RFC 9162), without reading the workstation's
code. Standard library only.
"""

import hashlib


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
