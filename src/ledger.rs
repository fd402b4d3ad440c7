//! Ledger formats, reading and verification.
//!
//! Reading is streaming and read-only: a file is opened for reading, walked
//! line by line with byte offsets, and never modified. Verification reports
//! [`finding::Finding`]s instead of stopping at the first problem, so one
//! broken line never hides the lines after it.

pub mod append;
pub mod clock;
pub mod discover;
pub mod finding;
pub mod hash;
pub mod json;
pub mod leap_seconds;
pub mod legacy;
pub mod line_index;
pub mod native;
pub mod par_lines;
pub mod progress;
pub mod protect;
pub mod reader;
pub mod report;
pub mod tap;
pub mod verify;
pub mod watch;
