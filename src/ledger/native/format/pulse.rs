//! The body of a native time pulse (`docs/FORMAT.md` §10).
//!
//! A pulse states one instant on every time scale a reviewer compares (TAI,
//! UTC, TT, TDB, Julian dates), together with what is needed to judge it
//! later: the writer's monotonic clock and boot id (so a clock step between
//! two pulses of one boot can be told from a reboot) and the leap-second
//! list that gave ΔAT, with its expiry (so an instant past the list's
//! validity says that its ΔAT was assumed, not known).
//!
//! The clock is read once, into a [`ClockReading`], and everything is
//! derived from it: [`PulseBody::new`] is a pure function, so tests pin
//! every field. TAI is exact integer arithmetic on the UTC reading and the
//! list's ΔAT; TT, TDB and JD(TT) come from hifitime, which is given the TAI
//! instant (TAI → TT/TDB involves no leap seconds, the conversion hifitime
//! gets right; its own ΔAT, which never expires, is not used).

pub mod clock;

pub use clock::{BootId, ClockReading};

use crate::time::civil::civil_from_days;
use crate::time::leap_seconds::{LeapSecondList, NTP_TO_UNIX_S, date_of_unix};
use hifitime::{Duration, Epoch};
use serde::{Deserialize, Serialize};

const NS_PER_S: i64 = 1_000_000_000;

/// Why a pulse body could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PulseError {
    /// The instant lies before 1972, where UTC had no whole-second ΔAT.
    #[error(
        "the clock reads {utc}, before the leap-second list begins (1972-01-01): is the system clock set?"
    )]
    BeforeLeapTable {
        /// The UTC reading.
        utc: String,
    },
    /// The instant does not fit TAI nanoseconds in 64 bits (after 2192).
    #[error("the clock reads {utc}, beyond the range of 64-bit TAI nanoseconds")]
    OutOfRange {
        /// The UTC reading.
        utc: String,
    },
}

/// The leap-second list a pulse used, and what it said about the pulse's instant.
///
/// Read back (the pulse analyses), only `delta_at_s`, `delta_at_known` and
/// `expires` are required: the list's provenance is kept for a reader, not
/// computed with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeapSecondsUsed {
    /// Where the list came from (the embedded asset, or a path).
    #[serde(default)]
    pub source: String,
    /// The list's SHA-1 (hex), as stated in it and recomputed.
    #[serde(default)]
    pub sha1: String,
    /// Date of the list's last update, `YYYY-MM-DD`.
    #[serde(default)]
    pub updated: String,
    /// Date of the list's last entry (the latest leap second), `YYYY-MM-DD`.
    #[serde(default)]
    pub last_entry: String,
    /// Date from which the list is no longer valid, `YYYY-MM-DD`.
    pub expires: String,
    /// The ΔAT = TAI − UTC used, in whole seconds.
    pub delta_at_s: i32,
    /// True when the instant is before the list's expiry, so ΔAT is known;
    /// false when the list had expired and ΔAT is assumed unchanged.
    pub delta_at_known: bool,
}

/// The body of a native pulse record, fields in the order they are written:
/// the one type for a pulse body, written by the appender and read back by
/// the pulse analyses.
///
/// Written compactly by `serde_json`: integers as integers, floats as the
/// shortest decimal that reads back to the same `f64`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PulseBody {
    /// TAI nanoseconds since 1900-01-01T00:00:00 TAI: exact.
    pub tai_ns: i64,
    /// UTC, ISO 8601 with nine fraction digits and `Z`.
    pub utc: String,
    /// TT seconds past J2000 (2000-01-01T12:00:00 TT).
    pub tt_s: f64,
    /// TDB (SPICE ET) seconds past J2000, hifitime's TDB model.
    pub tdb_s: f64,
    /// Julian date in UTC: `2440587.5 + unix / 86400`.
    pub jd_utc: f64,
    /// Julian date in TT.
    pub jd_tt: f64,
    /// The writer's `CLOCK_MONOTONIC`, nanoseconds (counts from boot,
    /// comparable only between pulses with the same `boot_id`).
    pub mono_ns: u64,
    /// The kernel's boot id, or `null` when it could not be read.
    pub boot_id: Option<String>,
    /// Why `boot_id` is `null` (only then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boot_id_unavailable: Option<String>,
    /// The leap-second list used.
    pub leap_seconds: LeapSecondsUsed,
}

impl PulseBody {
    /// The body for one clock reading, with ΔAT from `leaps`.
    pub fn new(reading: &ClockReading, leaps: &LeapSecondList) -> Result<PulseBody, PulseError> {
        let unix_ns = reading.utc_unix_ns;
        let whole_s = unix_ns.div_euclid(NS_PER_S);
        let utc = utc_iso_nanos(unix_ns);
        let Some(lookup) = leaps.lookup(whole_s) else {
            return Err(PulseError::BeforeLeapTable { utc });
        };
        // TAI calendar = UTC calendar + ΔAT, and TAI has no leap seconds, so
        // TAI seconds since 1900 = Unix seconds + the 1900..1970 span + ΔAT.
        let tai_ns = (NTP_TO_UNIX_S + i64::from(lookup.delta_at))
            .checked_mul(NS_PER_S)
            .and_then(|offset| unix_ns.checked_add(offset))
            .ok_or_else(|| PulseError::OutOfRange { utc: utc.clone() })?;
        let tai = Epoch::from_tai_duration(Duration::from_total_nanoseconds(i128::from(tai_ns)));
        let (boot_id, boot_id_unavailable) = match &reading.boot_id {
            BootId::Known(id) => (Some(id.clone()), None),
            BootId::Unavailable(why) => (None, Some(why.clone())),
        };
        Ok(PulseBody {
            tai_ns,
            utc,
            tt_s: tai.to_tt_since_j2k().to_seconds(),
            tdb_s: tai.to_tdb_seconds(),
            jd_utc: 2_440_587.5 + unix_ns as f64 / 86_400e9,
            jd_tt: tai.to_jde_tt_days(),
            mono_ns: reading.mono_ns,
            boot_id,
            boot_id_unavailable,
            leap_seconds: LeapSecondsUsed {
                source: leaps.source.clone(),
                sha1: leaps.sha1_hex(),
                updated: date_of_unix(leaps.updated_unix),
                last_entry: date_of_unix(leaps.last_entry().unix),
                expires: date_of_unix(leaps.expires_unix),
                delta_at_s: lookup.delta_at,
                delta_at_known: lookup.known,
            },
        })
    }

    /// The compact JSON text of the body, as it goes into a record's `BODY`.
    pub fn to_json(&self) -> String {
        // Serialising plain strings, numbers and a struct cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` for Unix nanoseconds (nine fraction
/// digits always, so the text has one fixed width and sorts as time does).
pub fn utc_iso_nanos(unix_ns: i64) -> String {
    let secs = unix_ns.div_euclid(NS_PER_S);
    let nanos = unix_ns.rem_euclid(NS_PER_S);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

#[cfg(test)]
mod tests;
