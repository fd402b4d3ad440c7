//! The native ledger format (`docs/FORMAT.md`): the record line and its
//! hash, the metadata and its genesis binding, the bodies, checkpoint and
//! token files (`format`); verification (`verify`); the writer, creation,
//! migration and repair (`write`); keys (`secret`, `keyring`) and proofs
//! (`prove`). The transparency-log primitives it builds on (RFC 9162 Merkle
//! trees, C2SP signed notes and checkpoints) are in [`crate::tlog`].

pub mod format;
pub mod keyring;
pub mod prove;
pub mod secret;
pub mod verify;
pub mod write;
