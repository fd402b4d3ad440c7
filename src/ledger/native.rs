//! The native ledger format's building blocks (`docs/FORMAT.md`): the
//! record line and its hash, the RFC 9162 Merkle tree, C2SP signed notes
//! and tlog checkpoints. The chains, the ledger directory and `iss verify`
//! for the format are still to come.

pub mod append_pulse;
pub mod bodies;
pub mod chain;
pub mod checkpoint;
pub mod descriptor_view;
pub mod descriptors;
pub mod history;
pub mod init;
pub mod keyring;
pub mod legacy_starts;
pub mod merkle;
pub mod meta;
pub mod migrate;
pub mod note;
pub mod prove;
pub mod pulse;
pub mod record;
pub mod repair;
pub mod secret;
pub mod unique_ids;
pub mod verify;
pub mod writer;
