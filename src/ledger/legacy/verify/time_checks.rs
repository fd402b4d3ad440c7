//! Forensic time checks on a legacy pulse sequence (`glyph_chain.jsonl`).
//!
//! [`TimeChecker`] is fed one parsed pulse at a time and reports the
//! consistency checks of `TIME_AND_MATURITY.md` §3 as warning [`Finding`]s:
//! per pulse (`utc_iso`, `et_s`, `epoch_days`/`julian_date` against
//! `utc_unix`, leap-second window) and along the sequence (duplicate ids,
//! run segments, wall clock backwards, wall vs monotonic clock, gaps).
//!
//! Memory grows with the number of distinct pulse ids (about 40 bytes each)
//! and is otherwise bounded: a fixed window of recent intervals, and one
//! record per run segment.

mod duplicates;
mod fields;
mod leap;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;

use serde::Serialize;

use crate::ledger::model::finding::{Finding, FindingKind};

use crate::ledger::model::segments::{RunSegment, SegmentStart};
pub use fields::iso_to_unix;

/// Thresholds of the checks. The defaults are those of `TIME_AND_MATURITY.md` §3.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeCheckConfig {
    /// A gap is an interval longer than this many typical intervals (k).
    pub gap_factor: f64,
    /// Intervals shorter than this are never gaps, whatever the typical one.
    pub gap_floor_s: f64,
    /// How many recent intervals of a segment make the typical (median) one.
    pub gap_window: usize,
    /// Largest accepted |Δutc − Δmono| regardless of the interval length.
    pub clock_step_floor_s: f64,
    /// Accepted drift of the wall clock against the monotonic clock, in ppm.
    pub clock_step_ppm: f64,
    /// Largest accepted distance between `utc_iso` and `utc_unix`.
    pub iso_tolerance_s: f64,
    /// Largest accepted distance between `et_s` and the legacy formula.
    pub et_tolerance_s: f64,
    /// Bound on |TDB − TT|, used to tell a true-TDB `et_s` from an edited one.
    pub tdb_minus_tt_max_s: f64,
    /// Largest accepted error of `epoch_days` and `julian_date`.
    pub jd_tolerance_days: f64,
    /// Pulses this close to a leap second are flagged for review.
    pub leap_window_s: f64,
    /// ΔAT is known (not assumed) before this Unix time. The default is the
    /// expiry of the IERS `leap-seconds.list` shipped in `assets/`
    /// (2027-06-28), or the last entry of hifitime's table (2017-01-01), which
    /// has no expiry, should that list not load.
    pub delta_at_known_until_unix: f64,
}

impl Default for TimeCheckConfig {
    fn default() -> Self {
        TimeCheckConfig {
            gap_factor: 3.0,
            gap_floor_s: 1.0,
            gap_window: 64,
            clock_step_floor_s: 2e-3,
            clock_step_ppm: 500.0,
            iso_tolerance_s: 1e-6,
            et_tolerance_s: 2e-6,
            tdb_minus_tt_max_s: 1.7e-3,
            jd_tolerance_days: 1e-9,
            leap_window_s: 2.0,
            delta_at_known_until_unix: crate::time::leap_seconds::LeapSecondList::embedded()
                .map_or_else(
                    |_| {
                        leap::LeapTable::from_hifitime()
                            .last()
                            .map_or(f64::NEG_INFINITY, |s| s.unix)
                    },
                    |l| l.expires_unix as f64,
                ),
        }
    }
}

/// One pulse as parsed by the verifier; numbers are the parsed JSON values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PulseTimes<'a> {
    /// 1-based line number.
    pub line: u64,
    /// Byte offset of the line in the file.
    pub offset: u64,
    /// The pulse id (32 lower-case hex characters when genuine).
    pub pulse_id: &'a str,
    /// Legacy `tai_ns`, which is really Python's `time.monotonic_ns()`.
    pub monotonic_ns: i64,
    /// Legacy `utc_iso`.
    pub utc_iso: &'a str,
    /// Legacy `utc_unix` (POSIX seconds).
    pub utc_unix: f64,
    /// Legacy `et_s`.
    pub et_s: f64,
    /// Legacy `epoch_days`.
    pub epoch_days: f64,
    /// Legacy `julian_date`.
    pub julian_date: f64,
    /// A keyed 64-bit fingerprint of the whole line, to tell a replay from
    /// a reused id (keyed per run, so a crafted line cannot aim at it).
    pub payload_fingerprint: u64,
}

/// One instant, given as Unix time, on the time scales a reviewer compares
/// (computed here, never read from the ledger).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TimeScales {
    /// TAI − UTC at that instant, seconds.
    pub delta_at_s: f64,
    /// False when the instant lies past the end of the leap-second table,
    /// so ΔAT is assumed to have stayed the same, not known.
    pub delta_at_known: bool,
    /// TAI, as seconds on the Unix time line (`utc_unix + ΔAT`).
    pub tai_unix_s: f64,
    /// TT seconds past J2000 (`(u − 946728000) + 32.184 + ΔAT`).
    pub tt_past_j2000_s: f64,
    /// TDB (≈ SPICE ET) seconds past J2000, from hifitime.
    pub tdb_past_j2000_s: f64,
    /// Julian date in UTC (what the legacy `julian_date` holds).
    pub jd_utc: f64,
    /// Julian date in TT.
    pub jd_tt: f64,
}

/// The time scales of Unix time `u`, or `None` outside 1972..2200 (where
/// the leap-second table says nothing, or the value is not a time).
pub fn time_scales(u: f64, config: &TimeCheckConfig) -> Option<TimeScales> {
    thread_local! {
        static LEAPS: leap::LeapTable = leap::LeapTable::from_hifitime();
    }
    let delta_at = LEAPS.with(|t| t.delta_at(u))?;
    let tdb = leap::tdb_seconds(u)?;
    let tt_offset = 32.184 + delta_at;
    Some(TimeScales {
        delta_at_s: delta_at,
        delta_at_known: u < config.delta_at_known_until_unix,
        tai_unix_s: u + delta_at,
        tt_past_j2000_s: (u - 946_728_000.0) + tt_offset,
        tdb_past_j2000_s: tdb,
        jd_utc: 2_440_587.5 + u / 86_400.0,
        jd_tt: 2_440_587.5 + (u + tt_offset) / 86_400.0,
    })
}

/// The per-pulse checks (`utc_iso`, `et_s`, Julian dates, leap-second
/// window): they need no other pulse, so verification runs them on its
/// worker threads.
#[derive(Debug, Clone)]
pub struct FieldChecks {
    config: TimeCheckConfig,
    leaps: leap::LeapTable,
}

impl FieldChecks {
    /// Check one pulse's fields against its `utc_unix`.
    pub fn check(&self, pulse: &PulseTimes<'_>, out: &mut Vec<Finding>) {
        check_fields(&self.config, &self.leaps, pulse, out);
    }
}

fn check_fields(
    config: &TimeCheckConfig,
    leaps: &leap::LeapTable,
    pulse: &PulseTimes<'_>,
    out: &mut Vec<Finding>,
) {
    let second = fields::check_iso(config, pulse, out);
    fields::check_et(config, leaps, pulse, out);
    fields::check_jd(config, pulse, out);
    fields::check_leap_window(config, leaps, pulse, second, out);
}

/// The previous pulse in sequence order.
#[derive(Debug, Clone, Copy)]
struct Prev {
    line: u64,
    utc: f64,
    mono: i64,
}

/// Streaming checker of the §3 time consistency rules; see the module docs.
#[derive(Debug, Clone)]
pub struct TimeChecker {
    config: TimeCheckConfig,
    leaps: leap::LeapTable,
    /// Known time-keeper starts, sorted, finite.
    run_starts: Vec<f64>,
    seen: duplicates::SeenIds,
    prev: Option<Prev>,
    /// The last `gap_window` wall-clock intervals of the current segment.
    intervals: VecDeque<f64>,
    /// Reused buffer for the median.
    scratch: Vec<f64>,
    segments: Vec<RunSegment>,
}

impl TimeChecker {
    /// A checker with no known run starts.
    pub fn new(config: TimeCheckConfig) -> Self {
        TimeChecker {
            config,
            leaps: leap::LeapTable::from_hifitime(),
            run_starts: Vec::new(),
            seen: duplicates::SeenIds::default(),
            prev: None,
            intervals: VecDeque::new(),
            scratch: Vec::new(),
            segments: Vec::new(),
        }
    }

    /// Unix times at which the time keeper (re)started, from
    /// `forensic_audit.log` (see [`iso_to_unix`]); a gap or a counter reset
    /// that spans a known start is expected, not an anomaly. Non-finite
    /// values are dropped.
    #[must_use]
    pub fn with_run_starts(mut self, mut starts: Vec<f64>) -> Self {
        starts.retain(|s| s.is_finite());
        starts.sort_by(f64::total_cmp);
        starts.dedup();
        self.run_starts = starts;
        self
    }

    /// Expect about `pulses` pulses (sizes the duplicate-id set once).
    #[must_use]
    pub fn expect_pulses(mut self, pulses: usize) -> Self {
        self.seen.reserve(pulses);
        self
    }

    /// The run segments seen so far, in file order.
    pub fn segments(&self) -> &[RunSegment] {
        &self.segments
    }

    /// Check one pulse, in file order, appending any findings to `out`.
    pub fn check(&mut self, pulse: &PulseTimes<'_>, out: &mut Vec<Finding>) {
        let from = out.len();
        if self.check_in_order(pulse, out) {
            return;
        }
        // Field findings go before the sequence findings of the same pulse.
        let mut fields = Vec::new();
        check_fields(&self.config, &self.leaps, pulse, &mut fields);
        out.splice(from..from, fields);
    }

    /// The checks of one pulse that need no other pulse, to run on any
    /// thread (see [`FieldChecks`]).
    pub fn field_checks(&self) -> FieldChecks {
        FieldChecks {
            config: self.config.clone(),
            leaps: self.leaps.clone(),
        }
    }

    /// The checks that need the pulses before this one, in file order:
    /// duplicate ids, run segments, order, clock steps and gaps. Returns
    /// whether the pulse is a verbatim replay: everything about it was then
    /// reported at its first line, its field findings are noise, and the
    /// next pulse is compared with the one before it.
    pub fn check_in_order(&mut self, pulse: &PulseTimes<'_>, out: &mut Vec<Finding>) -> bool {
        if duplicates::check(&mut self.seen, pulse, out) {
            return true;
        }
        self.check_sequence(pulse, out);
        false
    }

    /// `RUN_RESTART`, `TIME_BACKWARDS`, `CLOCK_STEP` and `TIME_GAP` against the
    /// previous pulse, and the run segment bookkeeping.
    fn check_sequence(&mut self, p: &PulseTimes<'_>, out: &mut Vec<Finding>) {
        let now = Prev {
            line: p.line,
            utc: p.utc_unix,
            mono: p.monotonic_ns,
        };
        let Some(prev) = self.prev.replace(now) else {
            self.start_segment(p, SegmentStart::FirstPulse);
            return;
        };
        let d_utc = p.utc_unix - prev.utc;
        // Wall time must not run backwards, across restarts included.
        if d_utc < 0.0 {
            out.push(
                finding(
                    p,
                    FindingKind::TimeBackwards,
                    format!(
                        "The wall clock runs {:.6} s backwards from line {}: a clock step back, \
                         reordered pulses, or an edited utc_unix.",
                        -d_utc, prev.line
                    ),
                )
                .expected_found(
                    format!("utc_unix ≥ {} (line {})", prev.utc, prev.line),
                    format!("{} ({d_utc:+.6} s)", p.utc_unix),
                ),
            );
        }
        let d_mono_ns = i128::from(p.monotonic_ns) - i128::from(prev.mono);
        let known_start = self.start_between(prev.utc, p.utc_unix);
        if d_mono_ns < 0 || known_start.is_some() {
            // A new run: intervals are never compared across it.
            let start = if let Some(at_unix) = known_start {
                SegmentStart::KnownStart {
                    at_unix,
                    counter_reset: d_mono_ns < 0,
                }
            } else {
                out.push(restart_finding(p, &prev, d_mono_ns));
                SegmentStart::CounterReset
            };
            self.start_segment(p, start);
            return;
        }
        if let Some(segment) = self.segments.last_mut() {
            segment.last_line = p.line;
            segment.last_utc = p.utc_unix;
            segment.pulses += 1;
        }
        let d_mono = d_mono_ns as f64 / 1e9;
        self.check_clock_step(p, &prev, d_utc, d_mono, out);
        self.check_gap(p, &prev, d_utc, d_mono, out);
        if d_utc.is_finite() && d_utc >= 0.0 {
            if self.intervals.len() >= self.config.gap_window {
                self.intervals.pop_front();
            }
            self.intervals.push_back(d_utc);
        }
    }

    /// `CLOCK_STEP`: wall and monotonic intervals must agree within a run.
    fn check_clock_step(
        &self,
        p: &PulseTimes<'_>,
        prev: &Prev,
        d_utc: f64,
        d_mono: f64,
        out: &mut Vec<Finding>,
    ) {
        let step = d_utc - d_mono;
        let tolerance = self
            .config
            .clock_step_floor_s
            .max(self.config.clock_step_ppm * 1e-6 * d_mono);
        if step.abs() > tolerance {
            out.push(
                finding(
                    p,
                    FindingKind::ClockStep,
                    format!(
                        "Since line {} the wall clock moved {step:+.6} s more than the monotonic \
                         clock: a clock step (NTP or manual), a suspend, or an edited utc_unix.",
                        prev.line
                    ),
                )
                .expected_found(
                    format!("Δutc = Δmonotonic = {d_mono:.6} s (±{tolerance:.6} s)"),
                    format!("Δutc = {d_utc:.6} s ({step:+.6} s)"),
                ),
            );
        }
    }

    /// `TIME_GAP`: an interval far longer than the typical one. Both clocks
    /// must show it; a wall-clock jump alone is a `CLOCK_STEP`, not a gap.
    fn check_gap(
        &mut self,
        p: &PulseTimes<'_>,
        prev: &Prev,
        d_utc: f64,
        d_mono: f64,
        out: &mut Vec<Finding>,
    ) {
        // The floor alone decides most intervals: the median (a selection
        // over the window) is only needed for intervals above it.
        if d_utc.min(d_mono) <= self.config.gap_floor_s {
            return;
        }
        let typical = self.typical_interval();
        let threshold = typical.map_or(self.config.gap_floor_s, |t| {
            self.config.gap_floor_s.max(self.config.gap_factor * t)
        });
        if d_utc.min(d_mono) > threshold {
            let typical = typical.map_or_else(|| "none yet".to_owned(), |t| format!("{t:.6} s"));
            out.push(
                finding(
                    p,
                    FindingKind::TimeGap,
                    format!(
                        "No pulse for {d_utc:.3} s since line {} within one run: the time keeper \
                         stalled or pulses were removed; check the chain around here.",
                        prev.line
                    ),
                )
                .expected_found(
                    format!(
                        "interval ≤ {threshold:.6} s ({} × typical {typical}, at least {} s)",
                        self.config.gap_factor, self.config.gap_floor_s
                    ),
                    format!("{d_utc:.6} s (monotonic {d_mono:.6} s)"),
                ),
            );
        }
    }

    /// Median of the recent intervals of the current segment.
    fn typical_interval(&mut self) -> Option<f64> {
        self.scratch.clear();
        self.scratch.extend(self.intervals.iter().copied());
        let mid = self.scratch.len() / 2;
        if self.scratch.is_empty() {
            return None;
        }
        let (_, median, _) = self.scratch.select_nth_unstable_by(mid, f64::total_cmp);
        Some(*median)
    }

    /// The first known run start `s` with `from < s <= to`.
    fn start_between(&self, from: f64, to: f64) -> Option<f64> {
        let i = self.run_starts.partition_point(|&s| s <= from);
        self.run_starts.get(i).copied().filter(|&s| s <= to)
    }

    fn start_segment(&mut self, p: &PulseTimes<'_>, start: SegmentStart) {
        self.intervals.clear();
        self.segments.push(RunSegment {
            start,
            first_line: p.line,
            last_line: p.line,
            first_utc: p.utc_unix,
            last_utc: p.utc_unix,
            pulses: 1,
        });
    }
}

/// `RUN_RESTART` for a counter that went back with no known start.
fn restart_finding(p: &PulseTimes<'_>, prev: &Prev, d_mono_ns: i128) -> Finding {
    finding(
        p,
        FindingKind::RunRestart,
        format!(
            "The monotonic counter went back with no time-keeper start logged between line {} \
             and this pulse: an unlogged restart or reboot, or reordered pulses; compare with \
             forensic_audit.log.",
            prev.line
        ),
    )
    .expected_found(
        format!(
            "tai_ns > {} (line {}), or a start in forensic_audit.log between the two pulses",
            prev.mono, prev.line
        ),
        format!("{} ({d_mono_ns} ns)", p.monotonic_ns),
    )
}

/// A warning about pulse `p`, located and named.
fn finding(p: &PulseTimes<'_>, kind: FindingKind, detail: impl Into<String>) -> Finding {
    Finding::new(kind, detail)
        .at(p.line, p.offset)
        .record_opt((!p.pulse_id.is_empty()).then(|| shown(p.pulse_id)))
}

/// Text from the file, cut to a readable length for a finding.
fn shown(s: &str) -> String {
    const MAX_CHARS: usize = 80;
    match s.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", s.get(..cut).unwrap_or_default()),
        None => s.to_owned(),
    }
}
