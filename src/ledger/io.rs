//! Reading ledger files: the streaming line reader with byte offsets, the
//! parallel line scanner, the line index for positional reads, the progress
//! counters verification feeds, the tap that lets a second reader share
//! verification's single pass over a file, and the reader of a file that
//! is still being written (a remote copy verified as it is fetched).
//!
//! Everything here reads and never writes; it knows lines and bytes, not
//! formats (the formats are in [`super::legacy`] and [`super::native`]).

pub mod growing;
pub mod line_index;
pub mod par_lines;
pub mod progress;
pub mod reader;
pub mod scan;
pub mod tap;
