//! Leap seconds, TDB and UTC formatting, built on hifitime.
//!
//! hifitime 4.3 is used only where it is right (see `TIME_AND_MATURITY.md` §2):
//! UTC -> TAI/TDB conversions and its leap-second list. ΔAT is looked up
//! here, in the Unix (UTC) domain, because `Epoch::leap_seconds` on a UTC
//! epoch compares the epoch's *TAI* seconds with the table's UTC-based
//! timestamps and so already returns the new ΔAT in the ~37 s before a leap
//! second (2016-12-31T23:59:30Z gives 37 instead of 36).

use hifitime::Epoch;
use hifitime::leap_seconds::LatestLeapSeconds;

/// Seconds from 1900-01-01 (the NTP origin of the leap-second list) to the
/// Unix epoch.
const NTP_TO_UNIX_S: f64 = 2_208_988_800.0;

/// Unix time of 1972-01-01T00:00:00Z, when UTC took whole-second steps.
const UNIX_1972: f64 = 63_072_000.0;

/// Unix time of 2200-01-01T00:00:00Z; later (or non-finite) values are not
/// handed to hifitime, which panics on non-finite input and silently
/// saturates on huge values.
const UNIX_2200: f64 = 7_258_118_400.0;

/// One whole-second step of UTC: from `unix` on, TAI − UTC is `delta_at`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct LeapStep {
    /// Unix time of the UTC midnight that ends the leap second.
    pub unix: f64,
    /// TAI − UTC from that instant on, in seconds.
    pub delta_at: f64,
}

/// hifitime's built-in IERS leap seconds, as Unix times, in order.
#[derive(Debug, Clone)]
pub(super) struct LeapTable {
    steps: Vec<LeapStep>,
}

impl LeapTable {
    /// The IERS-announced entries of hifitime's built-in table (the pre-1972
    /// SOFA rate steps are left out: they were not leap seconds).
    pub fn from_hifitime() -> Self {
        // hifitime names the field `timestamp_tai_s`, but the values are the
        // NTP seconds of the UTC midnight, as in IERS `leap-seconds.list`
        // (1972-01-01 is 2_272_060_800 = 26_297 days exactly).
        let steps = LatestLeapSeconds::default()
            .filter(|l| l.announced_by_iers)
            .map(|l| LeapStep {
                unix: l.timestamp_tai_s - NTP_TO_UNIX_S,
                delta_at: l.delta_at,
            })
            .collect();
        LeapTable { steps }
    }

    /// The last step in the table: after it, hifitime assumes its ΔAT forever.
    pub fn last(&self) -> Option<LeapStep> {
        self.steps.last().copied()
    }

    /// TAI − UTC at Unix time `u`, or `None` before 1972 (or for NaN).
    pub fn delta_at(&self, u: f64) -> Option<f64> {
        let after = self.steps.partition_point(|s| s.unix <= u);
        after
            .checked_sub(1)
            .and_then(|i| self.steps.get(i))
            .map(|s| s.delta_at)
    }

    /// The leap second within `window_s` of `u`, if any.
    pub fn near(&self, u: f64, window_s: f64) -> Option<LeapStep> {
        self.steps
            .iter()
            .find(|s| (u - s.unix).abs() <= window_s)
            .copied()
    }
}

/// True TDB seconds past J2000 at Unix time `u` (UTC -> TAI -> TDB, the
/// direction hifitime gets right), or `None` outside 1972..2200.
pub(super) fn tdb_seconds(u: f64) -> Option<f64> {
    in_range(u).then(|| Epoch::from_unix_seconds(u).to_tdb_seconds())
}

/// `u` as Python's `datetime.isoformat()` writes it in UTC: microseconds,
/// rounded, and no fraction when they are zero. `None` outside 1972..2200.
pub(super) fn format_unix_iso(u: f64) -> Option<String> {
    if !in_range(u) {
        return None;
    }
    // Round to whole microseconds first, so that .369992 never prints as
    // .369991 through a nanosecond-truncated Duration.
    let micros = (u * 1e6).round() as i64;
    let (secs, us) = (micros.div_euclid(1_000_000), micros.rem_euclid(1_000_000));
    // A whole number of seconds is exact in f64 here, and the epoch is built
    // and read back in UTC, so no TAI -> UTC conversion (hifitime#417) runs.
    let (year, month, day, hour, minute, second, _) =
        Epoch::from_unix_seconds(secs as f64).to_gregorian_utc();
    let fraction = if us == 0 {
        String::new()
    } else {
        format!(".{us:06}")
    };
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}+00:00"
    ))
}

/// Whether hifitime can be trusted with Unix time `u`.
fn in_range(u: f64) -> bool {
    (UNIX_1972..=UNIX_2200).contains(&u)
}
