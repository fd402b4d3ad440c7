//! Time forensics over a pulse chain: each pulse with its stored times, the
//! same instant recomputed on the scales a reviewer compares (TAI, TT,
//! TDB/ET, Julian dates), its interval, and its verdict; and a summary of
//! the whole chain for `iss report time`. Legacy chains and native ones
//! alike ([`crate::analysis::native_pulses`] for native bodies).

use crate::analysis::maturity::Inclusion;
mod migrated;

use crate::analysis::native_pulses::{NativePulse, NativeTimeChecks, describe, unix_seconds};
use crate::analysis::records::{ChainFile, Exclusions};
use crate::ledger::io::reader::{Content, LineReader};
use crate::ledger::legacy::verify::time_checks::{TimeCheckConfig, TimeScales, time_scales};
use crate::ledger::model::finding::Finding;
use crate::ledger::model::segments::RunSegment;
use crate::ledger::native::format::pulse::PulseBody;
use crate::ledger::native::format::record::parse_fields;
use crate::time::leap_seconds::LeapSecondList;
use migrated::{MigratedChecks, MigratedPulse};
use serde::{Deserialize, Serialize};
use std::hash::{BuildHasher, RandomState};
use std::io;

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
    /// `37 − ΔAT` for a genuine legacy pulse; for a native pulse, its
    /// `tdb_s` minus the TDB recomputed from its `utc` (about 0).
    pub et_minus_tdb_s: Option<f64>,
    /// A native pulse: everything it stores beside the recomputation and
    /// the deltas to the pulse before it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub native: Option<Box<NativePulse>>,
}

/// What a walk over a pulse file found beyond its rows. A legacy chain's
/// run segments and anomalies come from verification (which runs the time
/// checks); a native chain's are found here, since native verification does
/// not read bodies: pulses migrated from a legacy ledger by the legacy
/// checks with the start log the migration copied (so they keep their
/// source's runs), native pulses by `boot_id`.
#[derive(Debug, Clone, Default)]
pub struct PulseWalk {
    /// Pulses read.
    pub total: u64,
    /// Run segments (native chains only).
    pub segments: Vec<RunSegment>,
    /// Anomalies, in file order (native chains only), at most [`MAX_FINDINGS`].
    pub findings: Vec<Finding>,
    /// Anomalies past [`MAX_FINDINGS`], counted, not kept.
    pub findings_dropped: u64,
}

/// Anomalies a walk keeps at most (memory stays bounded on any chain).
pub const MAX_FINDINGS: usize = 10_000;

impl PulseWalk {
    fn push(&mut self, found: Vec<Finding>) {
        for f in found {
            if self.findings.len() < MAX_FINDINGS {
                self.findings.push(f);
            } else {
                self.findings_dropped += 1;
            }
        }
    }
}

/// Read the pulse file once and hand each pulse to `f` in file order.
/// Lines that do not parse as a pulse are skipped here (verification
/// reported them).
pub fn for_each_pulse(
    file: ChainFile<'_>,
    exclusions: &Exclusions,
    config: &TimeCheckConfig,
    max_line: usize,
    mut f: impl FnMut(PulseRow),
) -> io::Result<PulseWalk> {
    let mut reader =
        LineReader::with_limit(crate::ledger::input::open_regular(file.path)?, max_line);
    let mut previous: Option<f64> = None;
    let mut walk = PulseWalk::default();
    let native = file.kind.framed();
    let leaps = LeapSecondList::embedded().ok();
    let mut native_checks = NativeTimeChecks::new(config.clone());
    let mut migrated = MigratedChecks::new(file.path, config, max_line);
    let fingerprint_key = RandomState::new();
    while let Some(line) = reader.next_line()? {
        let Content::Bytes(bytes) = line.content else {
            continue;
        };
        let status = match exclusions.status(line.number) {
            Inclusion::Verified => ("verified", None),
            Inclusion::Excluded { reason } => ("excluded", Some(reason)),
        };
        let mut found = Vec::new();
        let row = if native {
            let Ok(text) = std::str::from_utf8(bytes) else {
                continue;
            };
            let Ok((frame, _)) = parse_fields(text) else {
                continue;
            };
            if let Ok(m) = serde_json::from_str::<MigratedPulse>(frame.body) {
                let Ok(p) = serde_json::from_str::<PulseFields>(m.legacy_pulse.get()) else {
                    continue;
                };
                // A copied legacy pulse is judged by the legacy checks.
                let fingerprint = fingerprint_key.hash_one(m.legacy_pulse.get());
                migrated.check(line.number, line.offset, &p, fingerprint, &mut found)?;
                native_checks.after_legacy(line.number, p.utc_unix);
                legacy_row(line.number, status, p, previous, config)
            } else {
                let Ok(p) = serde_json::from_str::<PulseBody>(frame.body) else {
                    continue;
                };
                let mut view = describe(frame.seq, p, leaps);
                native_checks.check(line.number, line.offset, frame.hash, &mut view, &mut found);
                native_row(line.number, status, frame.hash, view, previous, config)
            }
        } else {
            let Ok(p) = serde_json::from_slice::<PulseFields>(bytes) else {
                continue;
            };
            legacy_row(line.number, status, p, previous, config)
        };
        walk.total += 1;
        walk.push(found);
        previous = Some(row.utc_unix);
        f(row);
    }
    if native {
        walk.segments = migrated.into_segments();
        walk.segments.extend(native_checks.into_segments());
        // Migrated pulses come first as `iss migrate` writes them; should a
        // chain interleave them with native ones, the runs stay in file order.
        walk.segments.sort_by_key(|s| s.first_line);
    }
    Ok(walk)
}

/// The row of a legacy pulse (in a legacy chain, or copied into a native one).
fn legacy_row(
    line: u64,
    (status, reason): (&'static str, Option<String>),
    p: PulseFields,
    previous: Option<f64>,
    config: &TimeCheckConfig,
) -> PulseRow {
    let computed = time_scales(p.utc_unix, config);
    PulseRow {
        line,
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
        native: None,
    }
}

/// The row of a native pulse: the legacy columns filled with their native
/// counterparts (`pulse_id` = the record hash, `monotonic_ns` = `mono_ns`,
/// `stored.et_s` = `tdb_s`, `stored.julian_date` = `jd_utc`), the whole
/// pulse beside its recomputation in `native`.
fn native_row(
    line: u64,
    (status, reason): (&'static str, Option<String>),
    hash: &str,
    view: NativePulse,
    previous: Option<f64>,
    config: &TimeCheckConfig,
) -> PulseRow {
    let p = &view.stored;
    let unix = unix_seconds(p);
    let computed = time_scales(unix, config);
    PulseRow {
        line,
        pulse_id: hash.to_owned(),
        status,
        reason,
        utc: p.utc.clone(),
        utc_unix: unix,
        monotonic_ns: i64::try_from(p.mono_ns).unwrap_or(i64::MAX),
        interval_s: previous.map(|u| unix - u),
        stored: StoredTimes {
            et_s: p.tdb_s,
            epoch_days: p.jd_utc - 2_451_545.0,
            julian_date: p.jd_utc,
        },
        et_minus_tdb_s: view.differences.map(|d| d.tdb_s),
        computed,
        native: Some(Box::new(view)),
    }
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
    /// Pulses whose ΔAT had to be assumed (past the leap-second table; for
    /// a native pulse, past its writer's list, as the pulse says).
    pub delta_at_assumed: u64,
    /// Native pulses among them (the rest are legacy pulses).
    pub native_pulses: u64,
    /// Native pulses: stored `tai_ns` minus the value recomputed from `utc`
    /// with the current leap-second list, nanoseconds (0 unless ΔAT
    /// changed or was edited).
    pub tai_minus_recomputed_ns: Stats,
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
        }
        match &row.native {
            Some(n) => {
                self.native_pulses += 1;
                if !n.stored.leap_seconds.delta_at_known {
                    self.delta_at_assumed += 1;
                }
                if let Some(d) = n.differences {
                    self.tai_minus_recomputed_ns.add(d.tai_ns as f64);
                }
            }
            None => {
                if row.computed.is_some_and(|c| !c.delta_at_known) {
                    self.delta_at_assumed += 1;
                }
            }
        }
    }
}
