//! Witnesses (c2sp.org/tlog-witness): `iss witness serve`, a witness server
//! cosigning other logs' checkpoints, and the HTTP client with which
//! `iss checkpoint --witness` asks witnesses to cosign ours.
//!
//! A face beside `cli` and `tui`: it may import `time`, `tlog` and
//! `ledger`; the protocol itself (request format, checks, status codes) is
//! pure and lives in [`crate::tlog::witness`].

pub mod client;
pub mod server;
pub mod state;
