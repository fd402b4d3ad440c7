//! Time forensics over a pulse chain: each pulse with its stored times, the
//! same instant recomputed on the scales a reviewer compares (TAI, TT,
//! TDB/ET, Julian dates), its interval, and its verdict; and a summary of
//! the whole chain for `iss report time`.

use crate::analysis::records::Exclusions;
use crate::analysis::time_forensics::{TimeCheckConfig, TimeScales, time_scales};
use crate::ledger::reader::{Content, LineReader};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io;
use std::path::Path;

/// The fields of a legacy pulse that the history shows.
#[derive(Debug, Deserialize)]
struct PulseFields {
    tai_ns: i64,
    utc_iso: String,
    et_s: f64,
    utc_unix: f64,
    epoch_days: f64,
    julian_date: f64,
    pulse_id: String,
}

/// The times a legacy pulse stores (as the writer computed them).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StoredTimes {
    /// `et_s`: the writer's TT past J2000 with ΔAT fixed at 37 s.
    pub et_s: f64,
    /// `epoch_days`.
    pub epoch_days: f64,
    /// `julian_date` (UTC-based).
    pub julian_date: f64,
}

/// One pulse as the history shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PulseRow {
    /// 1-based line.
    pub line: u64,
    /// `pulse_id`.
    pub pulse_id: String,
    /// `verified`, or `excluded` with the reason.
    pub status: &'static str,
    /// Why the pulse is excluded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `utc_iso` as stored.
    pub utc: String,
    /// `utc_unix` as stored.
    pub utc_unix: f64,
    /// Legacy `tai_ns`: the writer's monotonic clock, not TAI.
    pub monotonic_ns: i64,
    /// Wall-clock seconds since the previous pulse in the file.
    pub interval_s: Option<f64>,
    /// What the pulse stores.
    pub stored: StoredTimes,
    /// The same instant recomputed from `utc_unix` (absent outside 1972..2200).
    pub computed: Option<TimeScales>,
    /// Stored `et_s` minus the recomputed TDB: within ±1.7 ms of
    /// `37 − ΔAT` for a genuine legacy pulse.
    pub et_minus_tdb_s: Option<f64>,
}

/// Read the pulse file at `path` once and hand each pulse to `f` in file
/// order; return the number of pulses read. Lines that do not parse as a
/// pulse are skipped here (verification reported them).
pub fn for_each_pulse(
    path: &Path,
    exclusions: &Exclusions,
    config: &TimeCheckConfig,
    max_line: usize,
    mut f: impl FnMut(PulseRow),
) -> io::Result<u64> {
    let mut reader = LineReader::with_limit(File::open(path)?, max_line);
    let mut previous: Option<f64> = None;
    let mut count = 0;
    while let Some(line) = reader.next_line()? {
        let Content::Bytes(bytes) = line.content else {
            continue;
        };
        let Ok(p) = serde_json::from_slice::<PulseFields>(bytes) else {
            continue;
        };
        count += 1;
        let computed = time_scales(p.utc_unix, config);
        let (status, reason) = match exclusions.status(line.number) {
            crate::analysis::maturity::RecordStatus::Verified => ("verified", None),
            crate::analysis::maturity::RecordStatus::Excluded { reason } => {
                ("excluded", Some(reason))
            }
        };
        f(PulseRow {
            line: line.number,
            pulse_id: p.pulse_id,
            status,
            reason,
            utc: p.utc_iso,
            utc_unix: p.utc_unix,
            monotonic_ns: p.tai_ns,
            interval_s: previous.map(|u| p.utc_unix - u),
            stored: StoredTimes {
                et_s: p.et_s,
                epoch_days: p.epoch_days,
                julian_date: p.julian_date,
            },
            et_minus_tdb_s: computed.map(|c| p.et_s - c.tdb_past_j2000_s),
            computed,
        });
        previous = Some(p.utc_unix);
    }
    Ok(count)
}

/// Running statistics of a quantity, in bounded memory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Values seen.
    pub count: u64,
    /// Smallest value.
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Arithmetic mean.
    pub mean: Option<f64>,
}

impl Stats {
    /// Add a finite value (others are not statistics).
    pub fn add(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        self.count += 1;
        self.min = Some(self.min.map_or(x, |m| m.min(x)));
        self.max = Some(self.max.map_or(x, |m| m.max(x)));
        let mean = self.mean.unwrap_or(0.0);
        self.mean = Some(mean + (x - mean) / self.count as f64);
    }
}

/// What `iss report time` says about a pulse chain beyond its findings.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TimeSummary {
    /// Pulses read.
    pub pulses: u64,
    /// Pulses that verified.
    pub verified: u64,
    /// First and last stored `utc_iso`.
    pub first_utc: Option<String>,
    /// Last stored `utc_iso`.
    pub last_utc: Option<String>,
    /// Wall-clock intervals between consecutive pulses, seconds.
    pub intervals_s: Stats,
    /// Stored `et_s` minus the recomputed TDB, seconds.
    pub et_minus_tdb_s: Stats,
    /// Stored `julian_date` minus the recomputed JD(TT), days: the legacy
    /// value is JD(UTC), about 8.0e-4 d early.
    pub julian_date_minus_jd_tt_d: Stats,
    /// Pulses whose ΔAT had to be assumed (past the leap-second table).
    pub delta_at_assumed: u64,
}

impl TimeSummary {
    /// Take one pulse into the summary.
    pub fn add(&mut self, row: &PulseRow) {
        self.pulses += 1;
        if row.status == "verified" {
            self.verified += 1;
        }
        if self.first_utc.is_none() {
            self.first_utc = Some(row.utc.clone());
        }
        self.last_utc = Some(row.utc.clone());
        if let Some(i) = row.interval_s {
            self.intervals_s.add(i);
        }
        if let Some(d) = row.et_minus_tdb_s {
            self.et_minus_tdb_s.add(d);
        }
        if let Some(c) = row.computed {
            self.julian_date_minus_jd_tt_d
                .add(row.stored.julian_date - c.jd_tt);
            if !c.delta_at_known {
                self.delta_at_assumed += 1;
            }
        }
    }
}
