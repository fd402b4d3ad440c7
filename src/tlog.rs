//! Transparency-log primitives, pure and format-agnostic: the RFC 9162
//! Merkle tree (hashes, roots, inclusion and consistency proofs), C2SP
//! signed notes (Ed25519 signers and verifier keys), C2SP tlog
//! checkpoints; the C2SP tlog-cosignature and tlog-witness protocol, k-of-n
//! witness policies; and RFC 3161 timestamp requests and tokens.
//!
//! May import: `std`, `sha2`, `base64`, `ed25519-dalek`; for RFC 3161,
//! `der`, `cms`, `x509-cert`, `p256`, `sha1`, `hex`. Imports nothing of
//! this crate: no ledger, no files, no I/O. It is not a ledger format: the
//! native format (`crate::ledger::native`) decides what is hashed, signed
//! and stored, and uses these pieces to do it.

pub mod checkpoint;
pub mod merkle;
pub mod note;
pub mod policy;
pub mod rfc3161;
pub mod tile;
pub mod witness;
