//! C2SP signed notes (<https://c2sp.org/signed-note>) with Ed25519 keys.
//!
//! A signed note is a UTF-8 text ending in `\n`, a blank line, and one or more
//! signature lines `— <key name> <base64(key id || signature)>\n`. The format is
//! the one `golang.org/x/mod/sumdb/note` reads and writes, so auditors can check
//! our checkpoints with standard tools.
//!
//! Supported signature types:
//! - `0x01`, plain Ed25519 over the note text (sign and verify);
//! - `0x04`, C2SP tlog-cosignature v1 timestamped Ed25519 witness cosignatures
//!   (verify, and produce with a [`Cosigner`]), see
//!   <https://c2sp.org/tlog-cosignature>.
//!
//! Signatures by keys the caller does not know are ignored (and reported), as
//! the spec requires for key rotation and cosigning to work; a signature by a
//! known key that fails to verify rejects the whole note.

mod cosigner;
mod error;
mod keys;
mod signed;

#[cfg(test)]
pub(crate) mod test_vectors;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod vector_tests;

pub use cosigner::Cosigner;
pub use error::NoteError;
pub use keys::{KeyKind, Signer, Verifier, key_id, validate_key_name};
pub use signed::{Opened, UnknownSignature, VerifiedSignature, open, sign};

/// Result type of this module.
pub type Result<T> = std::result::Result<T, NoteError>;

/// Most signature lines `open` accepts in one note. The spec asks verifiers to
/// cap the work spent on a note and to accept at least 16; Go uses 100.
pub const MAX_SIGNATURES: usize = 100;
