//! SHA-256 helpers that avoid allocating on the hot path.

use sha2::{Digest, Sha256};

/// 64 lower-case hex characters of a SHA-256 digest, on the stack.
pub type HexDigest = [u8; 64];

/// SHA-256 of the concatenation of `parts`.
pub fn sha256_parts(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// Lower-case hex of a digest.
pub fn to_hex(digest: &[u8; 32]) -> HexDigest {
    let mut out = [0u8; 64];
    // Cannot fail: the output is exactly twice the input length.
    hex::encode_to_slice(digest, &mut out).expect("64-byte buffer for 32 bytes");
    out
}

/// SHA-256 of the concatenation of `parts`, as lower-case hex.
pub fn sha256_hex(parts: &[&[u8]]) -> HexDigest {
    to_hex(&sha256_parts(parts))
}

/// The hex digest as a `&str` (it is always ASCII).
pub fn hex_str(hex: &HexDigest) -> &str {
    std::str::from_utf8(hex).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digest() {
        // SHA-256("abc") from FIPS 180-2.
        let h = sha256_hex(&[b"a", b"bc"]);
        assert_eq!(
            hex_str(&h),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
