//! Analysis of verified records: what the ledger says, beyond whether it is
//! intact. Every analysis takes the verifier's verdicts ([`records`]) and
//! counts only what verified, saying what it left out and why.
//!
//! May import: `time`, `tlog`, `ledger`. It is not verification (it takes
//! the verdicts `ledger` gives) and draws nothing: the workstation, the
//! command line and the server show what it computes.

pub mod audit;
pub mod bounds;
pub mod export;
pub mod health;
pub mod lookup;
pub mod maturity;
pub mod native_pulses;
pub mod pulses;
pub mod records;
pub mod refs;
