//! Analysis of verified records: what the ledger says, beyond whether it is intact.

pub mod audit;
pub mod export;
pub mod health;
pub mod lookup;
pub mod maturity;
pub mod pulses;
pub mod records;
pub mod refs;
pub mod time_forensics;
