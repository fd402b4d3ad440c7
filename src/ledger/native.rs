//! The native ledger format's building blocks: C2SP signed notes and
//! tlog checkpoints (and, as they land, the Merkle tree and the chains).

pub mod checkpoint;
pub mod note;
