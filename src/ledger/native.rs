//! The native ledger format's building blocks: the RFC 9162 Merkle tree,
//! C2SP signed notes and tlog checkpoints (the chains themselves are the
//! append issue's).

pub mod checkpoint;
pub mod merkle;
pub mod note;
