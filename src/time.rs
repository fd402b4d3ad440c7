//! Time, with no knowledge of ledgers: proleptic Gregorian civil dates,
//! ISO 8601 instants with offsets, and the IERS leap-second list (TAI − UTC
//! with its validity).
//!
//! May import: `std`, `hifitime`, `sha1`. Imports nothing of this crate: it
//! is the bottom layer, used by the formats, the analyses and the views.

pub mod civil;
pub mod instant;
pub mod leap_seconds;

pub use instant::Instant;
