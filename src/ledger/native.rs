//! The native ledger format (`docs/FORMAT.md`): the record line and its
//! hash, the metadata and its genesis binding, the chains, checkpoint
//! histories, keys, verification, the writer, migration and repair. The
//! transparency-log primitives it builds on (RFC 9162 Merkle trees, C2SP
//! signed notes and checkpoints) are in [`crate::tlog`].

pub mod append_pulse;
pub mod bodies;
pub mod chain;
pub mod descriptor_view;
pub mod descriptors;
pub mod history;
pub mod init;
pub mod keyring;
pub mod legacy_starts;
pub mod meta;
pub mod migrate;
pub mod prove;
pub mod pulse;
pub mod record;
pub mod repair;
pub mod secret;
pub mod timestamps;
pub mod unique_ids;
pub mod verify;
pub mod witnessed;
pub mod writer;
