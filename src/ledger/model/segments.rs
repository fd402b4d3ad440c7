//! Run segments of a pulse sequence: the stretches of pulses written by one
//! run of a time keeper, and why each starts where it does. Found by the
//! time checks (`legacy::verify::time_checks`, the native pulse walk) and carried in
//! the verification report.

use serde::Serialize;

/// Why a run segment starts where it does.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SegmentStart {
    /// The first pulse of the file.
    FirstPulse,
    /// A time-keeper start from `forensic_audit.log` lies between this pulse
    /// and the one before it (expected; no finding).
    KnownStart {
        /// Unix time of that start.
        at_unix: f64,
        /// Whether the monotonic counter also went back (a reboot); a
        /// process restart on the same boot keeps counting.
        counter_reset: bool,
    },
    /// The monotonic counter went back with no known start: `RUN_RESTART`.
    CounterReset,
    /// A native pulse whose `boot_id` differs from the pulse before it (or
    /// either is unknown): the machine was rebooted, and the monotonic
    /// clocks of the two pulses are not comparable.
    Reboot,
    /// The first native pulse after pulses a migration copied from a legacy
    /// ledger: another writer with other clocks, so only the wall clock is
    /// compared across it (`TIME_BACKWARDS`).
    AfterMigration,
}

/// A stretch of pulses from one run of the time keeper.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RunSegment {
    /// Why the segment starts here.
    pub start: SegmentStart,
    /// Line of the first pulse.
    pub first_line: u64,
    /// Line of the last pulse seen so far.
    pub last_line: u64,
    /// `utc_unix` of the first pulse.
    pub first_utc: f64,
    /// `utc_unix` of the last pulse seen so far.
    pub last_utc: f64,
    /// Pulses in the segment (verbatim replays are not counted).
    pub pulses: u64,
}
