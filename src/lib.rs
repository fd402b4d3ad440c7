//! ISS Workstation: open, verify, analyse and extend tamper-evident ledgers.
//!
//! All logic lives in this library; the `iss` binary and its terminal UI are
//! thin layers over it.
//!
//! - [`ledger`]: the ledger formats, the streaming reader, discovery,
//!   verification, and the one append module every write goes through.
//! - [`analysis`]: what the verified records mean: maturity reports, time
//!   forensics, audit trails, lookups, references, health, evidence bundles.
//! - [`publish`]: `iss publish`, a native ledger as static C2SP tlog-tiles
//!   logs in a directory or an S3-compatible bucket.
//! - [`remote`]: `iss verify URL`, `iss watch URL`: a published ledger
//!   read back from a web server, a bucket or a directory of tiles.
//! - [`server`]: `iss serve`, the legacy HTTP API over a verified ledger.
//! - [`cli`]: the scriptable command line.
//! - [`tui`]: the terminal workstation.
//! - [`witness`]: a tlog witness server, and the client that asks witnesses
//!   to cosign checkpoints.

pub mod analysis;
pub mod cli;
pub mod ledger;
pub mod publish;
pub mod remote;
pub mod server;
pub mod time;
pub mod tlog;
pub mod tui;
pub mod witness;
