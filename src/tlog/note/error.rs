//! Errors of the signed-note module.

/// Why a key, a text or a note was rejected.
///
/// Messages never include secret key material, and quote untrusted input only
/// through `{:?}` so control characters cannot forge log lines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The text given to `sign` cannot be represented in a signed note.
    #[error("text cannot be signed: {0}")]
    InvalidText(&'static str),

    /// The note as a whole is not a signed note (encoding, blank-line split,
    /// signature block framing).
    #[error("malformed note: {0}")]
    MalformedNote(&'static str),

    /// A line of the signature block is not `— <name> <base64>`.
    #[error("malformed signature line {line}: {reason}")]
    BadSignatureLine {
        /// 1-based line number within the signature block.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// More signature lines than [`super::MAX_SIGNATURES`].
    #[error("note has more than {limit} signatures")]
    TooManySignatures {
        /// The limit that was exceeded.
        limit: usize,
    },

    /// A key name is empty, or contains whitespace, '+' or control characters.
    #[error("invalid key name {name:?}: {reason}")]
    InvalidKeyName {
        /// The rejected name.
        name: String,
        /// Which rule it breaks.
        reason: &'static str,
    },

    /// A verifier key string (`<name>+<hex id>+<base64>`) is malformed or
    /// inconsistent.
    #[error("invalid verifier key: {0}")]
    InvalidVerifierKey(&'static str),

    /// A signer key string (`PRIVATE+KEY+...`) is malformed or inconsistent.
    #[error("invalid signer key: {0}")]
    InvalidSignerKey(&'static str),

    /// `sign` was called without any signer.
    #[error("no signers given")]
    NoSigners,

    /// No signature in the note is by a key the caller knows and verifies.
    #[error(
        "note has no verified signature from a known key (unknown signers: {unknown_signers:?})"
    )]
    Unverified {
        /// Names on the signature lines that matched no known key.
        unknown_signers: Vec<String>,
    },

    /// A signature by a known key does not verify: the note is forged or
    /// corrupted, and is rejected as a whole.
    #[error("signature by known key {name}+{key_id:08x} does not verify")]
    BadSignature {
        /// Name of the known key.
        name: String,
        /// Key id of the known key.
        key_id: u32,
    },

    /// The operating system's random number generator failed.
    #[error("OS random number generator failed: {0}")]
    Rng(String),

    /// The Ed25519 implementation refused to sign.
    #[error("signing failed: {0}")]
    Signing(String),
}
