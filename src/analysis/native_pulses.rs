//! Time forensics on a native ledger's `pulses` chain (`docs/FORMAT.md`
//! §10.1).
//!
//! A native pulse states one instant on every scale (TAI, UTC, TT, TDB,
//! Julian dates) with the writer's monotonic clock, its boot id and the
//! leap-second list it used. Each pulse is set beside the same instant
//! recomputed from its stored `utc` with the workstation's current list
//! (exactly the writer's derivation, [`PulseBody::new`]), and along the
//! chain: a change of `boot_id` starts a run segment (a reboot); within one
//! boot, `Δmono_ns` and `Δtai_ns` must agree (`CLOCK_STEP` otherwise) and the
//! monotonic clock must not go back (`RUN_RESTART`); TAI must not go back at
//! all (`TIME_BACKWARDS`); a ΔAT that was assumed (`DELTA_AT_ASSUMED`) or
//! that the current list contradicts (`DELTA_AT_MISMATCH`) is named.
//!
//! Pulses copied from a legacy ledger (`{"legacy_pulse": {...}}`) are
//! analysed as what they are, legacy pulses, by the legacy checks
//! ([`crate::analysis::pulses`]); the first native pulse after them starts
//! a run ([`SegmentStart::AfterMigration`]).

use crate::ledger::legacy::verify::time_checks::TimeCheckConfig;
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::ledger::model::segments::{RunSegment, SegmentStart};
use crate::ledger::native::format::pulse::{BootId, ClockReading, PulseBody};
use crate::time::civil::days_from_civil;
use crate::time::leap_seconds::{LeapSecondList, NTP_TO_UNIX_S};
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

const NS_PER_S: i64 = 1_000_000_000;

/// The instant recomputed from the stored `utc` with the current list.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Recomputed {
    /// ΔAT the current list gives for the instant.
    pub delta_at_s: i32,
    /// Whether the current list still covers the instant.
    pub delta_at_known: bool,
    /// TAI nanoseconds since 1900.
    pub tai_ns: i64,
    /// TT seconds past J2000.
    pub tt_s: f64,
    /// TDB seconds past J2000.
    pub tdb_s: f64,
    /// Julian date, UTC.
    pub jd_utc: f64,
    /// Julian date, TT.
    pub jd_tt: f64,
}

/// Stored minus recomputed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Differences {
    /// `tai_ns`, nanoseconds (exact).
    pub tai_ns: i64,
    /// `tt_s`, seconds.
    pub tt_s: f64,
    /// `tdb_s`, seconds.
    pub tdb_s: f64,
    /// `jd_utc`, days.
    pub jd_utc_d: f64,
    /// `jd_tt`, days.
    pub jd_tt_d: f64,
}

/// A native pulse's body (the one [`PulseBody`] type the writer wrote),
/// beside what the workstation recomputes and finds along the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct NativePulse {
    /// `seq` of the record.
    pub seq: u64,
    /// The body as stored.
    pub stored: PulseBody,
    /// The instant recomputed from `utc` (absent when `utc` is not the
    /// format's `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, or before 1972).
    pub recomputed: Option<Recomputed>,
    /// Stored minus recomputed.
    pub differences: Option<Differences>,
    /// TAI since the previous pulse, nanoseconds.
    pub delta_tai_ns: Option<i64>,
    /// Monotonic clock since the previous pulse, when both have the same
    /// boot id (otherwise the two counters are not comparable).
    pub delta_mono_ns: Option<i64>,
}

/// The `native` object of `iss pulses --json` (docs/JSON.md): the stored
/// fields flat, the writer's ΔAT, whether it was known and the list's
/// expiry (`leap_list_expires`), not the list's provenance; then the
/// recomputation and the deltas.
impl Serialize for NativePulse {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let b = &self.stored;
        let mut o = serializer.serialize_struct("NativePulse", 16)?;
        o.serialize_field("seq", &self.seq)?;
        o.serialize_field("tai_ns", &b.tai_ns)?;
        o.serialize_field("utc", &b.utc)?;
        o.serialize_field("tt_s", &b.tt_s)?;
        o.serialize_field("tdb_s", &b.tdb_s)?;
        o.serialize_field("jd_utc", &b.jd_utc)?;
        o.serialize_field("jd_tt", &b.jd_tt)?;
        o.serialize_field("mono_ns", &b.mono_ns)?;
        o.serialize_field("boot_id", &b.boot_id)?;
        o.serialize_field("delta_at_s", &b.leap_seconds.delta_at_s)?;
        o.serialize_field("delta_at_known", &b.leap_seconds.delta_at_known)?;
        o.serialize_field("leap_list_expires", &b.leap_seconds.expires)?;
        o.serialize_field("recomputed", &self.recomputed)?;
        o.serialize_field("differences", &self.differences)?;
        o.serialize_field("delta_tai_ns", &self.delta_tai_ns)?;
        o.serialize_field("delta_mono_ns", &self.delta_mono_ns)?;
        o.end()
    }
}

/// Unix nanoseconds of a `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` text, exactly.
pub fn utc_text_to_unix_ns(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 30 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || b[19] != b'.' || b[29] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = text.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())
            .flatten()
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let nanos = num(20..29)?;
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400 + hour * 3600 + minute * 60 + second) * NS_PER_S) + nanos)
}

/// The stored pulse beside its recomputation (no neighbour yet).
pub(crate) fn describe(seq: u64, p: PulseBody, leaps: Option<&LeapSecondList>) -> NativePulse {
    let recomputed = leaps.and_then(|l| {
        let unix_ns = utc_text_to_unix_ns(&p.utc)?;
        let reading = ClockReading {
            utc_unix_ns: unix_ns,
            mono_ns: p.mono_ns,
            boot_id: BootId::Unavailable(String::new()),
        };
        let b = PulseBody::new(&reading, l).ok()?;
        Some(Recomputed {
            delta_at_s: b.leap_seconds.delta_at_s,
            delta_at_known: b.leap_seconds.delta_at_known,
            tai_ns: b.tai_ns,
            tt_s: b.tt_s,
            tdb_s: b.tdb_s,
            jd_utc: b.jd_utc,
            jd_tt: b.jd_tt,
        })
    });
    NativePulse {
        seq,
        differences: recomputed.map(|r| Differences {
            tai_ns: p.tai_ns.saturating_sub(r.tai_ns),
            tt_s: p.tt_s - r.tt_s,
            tdb_s: p.tdb_s - r.tdb_s,
            jd_utc_d: p.jd_utc - r.jd_utc,
            jd_tt_d: p.jd_tt - r.jd_tt,
        }),
        stored: p,
        recomputed,
        delta_tai_ns: None,
        delta_mono_ns: None,
    }
}

/// Unix seconds of a stored pulse: from `tai_ns` and the ΔAT it states.
pub(crate) fn unix_seconds(p: &PulseBody) -> f64 {
    let offset = (NTP_TO_UNIX_S + i64::from(p.leap_seconds.delta_at_s)) * NS_PER_S;
    (p.tai_ns.saturating_sub(offset)) as f64 / 1e9
}

/// The previous native pulse, for the checks along the chain.
#[derive(Debug, Clone)]
struct Prev {
    line: u64,
    tai_ns: i64,
    mono_ns: u64,
    boot_id: Option<String>,
}

/// The checks along a native pulse chain, fed one pulse at a time.
#[derive(Debug, Clone)]
pub(crate) struct NativeTimeChecks {
    config: TimeCheckConfig,
    prev: Option<Prev>,
    segments: Vec<RunSegment>,
    assumed_from: Option<u64>,
    /// The line and `utc_unix` of the copied legacy pulse just before, when
    /// the next native pulse follows one.
    after_legacy: Option<(u64, f64)>,
}

impl NativeTimeChecks {
    pub(crate) fn new(config: TimeCheckConfig) -> Self {
        NativeTimeChecks {
            config,
            prev: None,
            segments: Vec::new(),
            assumed_from: None,
            after_legacy: None,
        }
    }

    /// The run segments seen, by boot id.
    pub(crate) fn into_segments(self) -> Vec<RunSegment> {
        self.segments
    }

    /// A pulse copied from a legacy ledger stood at `line` (its `utc_unix`
    /// given): the next native pulse starts a run
    /// ([`SegmentStart::AfterMigration`]) and is compared with it on the
    /// wall clock only.
    pub(crate) fn after_legacy(&mut self, line: u64, utc_unix: f64) {
        self.prev = None;
        self.after_legacy = Some((line, utc_unix));
    }

    /// Check one pulse at `line` (byte `offset`), fill its deltas, and push
    /// its findings to `out`.
    pub(crate) fn check(
        &mut self,
        line: u64,
        offset: u64,
        record: &str,
        view: &mut NativePulse,
        out: &mut Vec<Finding>,
    ) {
        let p = &view.stored;
        let at = |kind, detail: String| {
            Finding::new(kind, detail)
                .at(line, offset)
                .record(record.to_owned())
        };
        self.check_fields(view, &at, out);
        let unix = unix_seconds(p);
        let now = Prev {
            line,
            tai_ns: p.tai_ns,
            mono_ns: p.mono_ns,
            boot_id: p.boot_id.clone(),
        };
        let Some(prev) = self.prev.replace(now) else {
            self.start_run(line, unix, &at, out);
            return;
        };
        let d_tai = p.tai_ns.saturating_sub(prev.tai_ns);
        view.delta_tai_ns = Some(d_tai);
        if d_tai < 0 {
            out.push(
                at(
                    FindingKind::TimeBackwards,
                    format!(
                        "TAI goes back {:.9} s from line {}: pulses reordered, or the clock was set back",
                        -d_tai as f64 / 1e9,
                        prev.line
                    ),
                )
                .expected_found(
                    format!("tai_ns >= {}", prev.tai_ns),
                    p.tai_ns.to_string(),
                ),
            );
        }
        let same_boot = prev.boot_id.is_some() && prev.boot_id == p.boot_id;
        if !same_boot {
            // A new boot (or an unknown one): the monotonic clocks are not
            // comparable, and a new run starts here.
            self.start(SegmentStart::Reboot, line, unix);
            return;
        }
        self.extend(line, unix);
        let d_mono = i64::try_from(p.mono_ns).unwrap_or(i64::MAX)
            - i64::try_from(prev.mono_ns).unwrap_or(i64::MAX);
        view.delta_mono_ns = Some(d_mono);
        if d_mono < 0 {
            out.push(
                at(
                    FindingKind::RunRestart,
                    format!(
                        "the monotonic clock goes back {} ns from line {} within one boot ({}): \
                         it cannot, so the pulses were reordered or edited",
                        -d_mono,
                        prev.line,
                        p.boot_id.as_deref().unwrap_or("")
                    ),
                )
                .expected_found(
                    format!("mono_ns >= {}", prev.mono_ns),
                    p.mono_ns.to_string(),
                ),
            );
            return;
        }
        let allowed_s = self
            .config
            .clock_step_floor_s
            .max(self.config.clock_step_ppm * 1e-6 * d_mono as f64 / 1e9);
        let step_s = (d_tai - d_mono) as f64 / 1e9;
        if step_s.abs() > allowed_s {
            out.push(
                at(
                    FindingKind::ClockStep,
                    format!(
                        "within boot {} the wall clock moved {:.9} s but the monotonic clock {:.9} s since line {}: \
                         a clock step of {step_s:+.9} s (allowed ±{allowed_s:.6} s)",
                        p.boot_id.as_deref().unwrap_or(""),
                        d_tai as f64 / 1e9,
                        d_mono as f64 / 1e9,
                        prev.line
                    ),
                )
                .expected_found(format!("Δtai_ns ≈ Δmono_ns = {d_mono}"), format!("Δtai_ns = {d_tai}")),
            );
        }
    }

    /// The checks of one pulse against its own recomputation.
    fn check_fields(
        &mut self,
        view: &NativePulse,
        at: &dyn Fn(FindingKind, String) -> Finding,
        out: &mut Vec<Finding>,
    ) {
        let p = &view.stored;
        if !p.leap_seconds.delta_at_known && self.assumed_from.is_none() {
            self.assumed_from = Some(view.seq);
            out.push(
                at(
                    FindingKind::DeltaAtAssumed,
                    format!(
                        "the writer's leap-second list expired on {}: ΔAT = {} s was assumed unchanged \
                         from this pulse on, so tai_ns, tt_s, tdb_s and jd_tt may be off by whole seconds",
                        p.leap_seconds.expires, p.leap_seconds.delta_at_s
                    ),
                )
                .expected_found("delta_at_known: true", "false"),
            );
        }
        let Some(unix_ns) = utc_text_to_unix_ns(&p.utc) else {
            out.push(
                at(
                    FindingKind::IsoUnixMismatch,
                    "utc is not YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ (or lies before 1972): nothing can be recomputed from it".into(),
                )
                .expected_found("YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ", p.utc.clone()),
            );
            return;
        };
        let stated = unix_ns + (NTP_TO_UNIX_S + i64::from(p.leap_seconds.delta_at_s)) * NS_PER_S;
        if stated != p.tai_ns {
            out.push(
                at(
                    FindingKind::IsoUnixMismatch,
                    format!(
                        "tai_ns does not follow from utc and the ΔAT the pulse states ({} s)",
                        p.leap_seconds.delta_at_s
                    ),
                )
                .expected_found(stated.to_string(), p.tai_ns.to_string()),
            );
        }
        let (Some(r), Some(d)) = (view.recomputed, view.differences) else {
            return;
        };
        if r.delta_at_s != p.leap_seconds.delta_at_s && r.delta_at_known {
            out.push(
                at(
                    FindingKind::DeltaAtMismatch,
                    format!(
                        "the current leap-second list gives ΔAT = {} s at {}, the pulse used {} s",
                        r.delta_at_s, p.utc, p.leap_seconds.delta_at_s
                    ),
                )
                .expected_found(
                    r.delta_at_s.to_string(),
                    p.leap_seconds.delta_at_s.to_string(),
                ),
            );
        }
        check_derived(&self.config, p, r, d, at, out);
    }

    /// The first pulse of a run with no native pulse before it: the first
    /// of the chain, or the first after migrated legacy pulses, whose wall
    /// clock it must not precede.
    fn start_run(
        &mut self,
        line: u64,
        unix: f64,
        at: &dyn Fn(FindingKind, String) -> Finding,
        out: &mut Vec<Finding>,
    ) {
        let Some((legacy_line, legacy_unix)) = self.after_legacy.take() else {
            self.start(SegmentStart::FirstPulse, line, unix);
            return;
        };
        if unix < legacy_unix {
            out.push(
                at(
                    FindingKind::TimeBackwards,
                    format!(
                        "the wall clock runs {:.6} s backwards from the migrated legacy pulse at line \
                         {legacy_line}: the native writer's clock was behind, or pulses were reordered",
                        legacy_unix - unix
                    ),
                )
                .expected_found(
                    format!("UTC ≥ {legacy_unix} (line {legacy_line})"),
                    format!("{unix} ({:+.6} s)", unix - legacy_unix),
                ),
            );
        }
        self.start(SegmentStart::AfterMigration, line, unix);
    }

    fn start(&mut self, start: SegmentStart, line: u64, unix: f64) {
        self.segments.push(RunSegment {
            start,
            first_line: line,
            last_line: line,
            first_utc: unix,
            last_utc: unix,
            pulses: 1,
        });
    }

    fn extend(&mut self, line: u64, unix: f64) {
        if let Some(s) = self.segments.last_mut() {
            s.last_line = line;
            s.last_utc = unix;
            s.pulses += 1;
        }
    }
}

/// `ET_MISMATCH` and `JD_MISMATCH`: the derived fields against the
/// recomputation `r` (differences `d`).
fn check_derived(
    config: &TimeCheckConfig,
    p: &PulseBody,
    r: Recomputed,
    d: Differences,
    at: &dyn Fn(FindingKind, String) -> Finding,
    out: &mut Vec<Finding>,
) {
    // Derived fields are judged against the pulse's own ΔAT: a ΔAT
    // change is reported once, above, not as four mismatches.
    let shift_s = f64::from(p.leap_seconds.delta_at_s - r.delta_at_s);
    let et_tol = config.et_tolerance_s;
    let off: Vec<String> = [("tt_s", d.tt_s), ("tdb_s", d.tdb_s)]
        .into_iter()
        .filter(|(_, x)| (x - shift_s).abs() > et_tol)
        .map(|(n, x)| format!("{n} off by {:+.9} s", x - shift_s))
        .collect();
    if !off.is_empty() {
        out.push(
            at(
                FindingKind::EtMismatch,
                format!(
                    "TT/TDB do not follow from utc and the pulse's ΔAT (tolerance {et_tol} s): {}",
                    off.join(", ")
                ),
            )
            .expected_found(
                format!("tt_s {}, tdb_s {}", r.tt_s + shift_s, r.tdb_s + shift_s),
                format!("tt_s {}, tdb_s {}", p.tt_s, p.tdb_s),
            ),
        );
    }
    let jd_tol = config.jd_tolerance_days;
    let off: Vec<String> = [
        ("jd_utc", d.jd_utc_d, 0.0),
        ("jd_tt", d.jd_tt_d, shift_s / 86_400.0),
    ]
    .into_iter()
    .filter(|(_, x, s)| (x - s).abs() > jd_tol)
    .map(|(n, x, s)| format!("{n} off by {:+.3e} d", x - s))
    .collect();
    if !off.is_empty() {
        out.push(
            at(
                FindingKind::JdMismatch,
                format!(
                    "Julian dates do not follow from utc / tai_ns (tolerance {jd_tol} d): {}",
                    off.join(", ")
                ),
            )
            .expected_found(
                format!(
                    "jd_utc {}, jd_tt {}",
                    r.jd_utc,
                    r.jd_tt + shift_s / 86_400.0
                ),
                format!("jd_utc {}, jd_tt {}", p.jd_utc, p.jd_tt),
            ),
        );
    }
}

#[cfg(test)]
mod tests;
