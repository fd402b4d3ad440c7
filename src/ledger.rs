//! Ledger formats, reading and verification.
//!
//! Reading is streaming and read-only: a file is opened for reading, walked
//! line by line with byte offsets, and never modified. Verification reports
//! [`model::finding::Finding`]s instead of stopping at the first problem, so one
//! broken line never hides the lines after it.
//!
//! May import: `time`, `tlog` (`tests/layers.rs` fails otherwise). It is
//! not analysis (what the records say beyond whether they are intact), not
//! a user interface (no terminal, no command line, no HTTP) and not a
//! reader of published locations: those are the layers above, and they ask
//! a [`open::Ledger`] rather than decide the format themselves.

pub mod append;
pub mod clock;
pub mod discover;
pub mod fleet;
pub mod hash;
pub mod id_set;
pub mod input;
pub mod io;
pub mod json;
pub mod legacy;
pub mod model;
pub mod native;
pub mod open;
pub mod protect;
pub mod py_float;
pub mod trust;
pub mod verify;
pub mod watch;
pub mod write_error;

#[cfg(test)]
mod read_error_tests;
