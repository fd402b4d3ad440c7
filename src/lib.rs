//! ISS Workstation: open, verify, analyse and extend tamper-evident ledgers.
//!
//! All logic lives in this library; the `iss` binary and its terminal UI are
//! thin layers over it.
//!
//! - [`ledger`]: the ledger formats, the streaming reader, discovery and
//!   verification.
//! - [`analysis`]: what the records mean: time forensics (and, as they land,
//!   maturity reports and audit trails).
//! - [`cli`]: the scriptable command line.
//! - [`tui`]: the terminal workstation.

pub mod analysis;
pub mod cli;
pub mod ledger;
pub mod tui;
