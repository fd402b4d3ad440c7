//! Tests on the reference run and on crafted edits of it.

use std::path::PathBuf;

use hifitime::Epoch;
use proptest::prelude::*;
use sha2::{Digest, Sha256};

use super::duplicates::hex_id;
use super::fields::{iso_to_unix, legacy_epoch_days, legacy_et, legacy_julian_date};
use super::leap::{LeapTable, format_unix_iso};
use super::{PulseTimes, RunSegment, SegmentStart, TimeCheckConfig, TimeChecker};
use crate::ledger::model::finding::{Finding, FindingKind, Severity};

use FindingKind::{
    ClockStep, DuplicatePulse, EtMismatch, IsoUnixMismatch, JdMismatch, LeapSecondWindow,
    RunRestart, TimeBackwards, TimeGap,
};

/// 2017-01-01T00:00:00Z, the end of the last leap second.
const LEAP_2017: f64 = 1_483_228_800.0;

/// An owned pulse, so that tests can edit fields.
#[derive(Debug, Clone)]
struct Pulse {
    id: String,
    mono: i64,
    iso: String,
    utc: f64,
    et: f64,
    days: f64,
    jd: f64,
    sha: [u8; 32],
}

impl Pulse {
    fn from_line(line: &str) -> Pulse {
        let v: serde_json::Value = serde_json::from_str(line).expect("fixture line is JSON");
        let num = |k: &str| v[k].as_f64().expect("number field");
        Pulse {
            id: v["pulse_id"].as_str().expect("pulse_id").to_owned(),
            mono: v["tai_ns"].as_i64().expect("tai_ns"),
            iso: v["utc_iso"].as_str().expect("utc_iso").to_owned(),
            utc: num("utc_unix"),
            et: num("et_s"),
            days: num("epoch_days"),
            jd: num("julian_date"),
            sha: Sha256::digest(line.as_bytes()).into(),
        }
    }

    /// A pulse whose fields all follow from `u` as the legacy writer's do.
    fn synthetic(n: u64, u: f64, mono: i64) -> Pulse {
        let mut p = Pulse {
            id: format!("{n:032x}"),
            mono,
            iso: String::new(),
            utc: u,
            et: 0.0,
            days: 0.0,
            jd: 0.0,
            sha: [0; 32],
        };
        p.set_wall(u);
        p
    }

    /// Move the wall clock of this pulse, keeping all its time fields
    /// consistent (a real clock step, not an edit of one field).
    fn set_wall(&mut self, u: f64) {
        self.utc = u;
        self.iso = format_unix_iso(u).expect("u in range");
        self.et = legacy_et(u);
        self.days = legacy_epoch_days(u);
        self.jd = legacy_julian_date(u);
        self.reseal();
    }

    /// A new payload hash after an edit.
    fn reseal(&mut self) {
        let text = format!("{self:?}");
        self.sha = Sha256::digest(text.as_bytes()).into();
    }

    fn times(&self, line: u64) -> PulseTimes<'_> {
        PulseTimes {
            line,
            offset: (line - 1) * 400,
            pulse_id: &self.id,
            monotonic_ns: self.mono,
            utc_iso: &self.iso,
            utc_unix: self.utc,
            et_s: self.et,
            epoch_days: self.days,
            julian_date: self.jd,
            payload_fingerprint: fingerprint(&self.sha),
        }
    }
}

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/legacy/reference-run/logs/forensic_logs")
}

/// The 420 reference pulses and the three start times, or `None` (with the
/// reason printed) when the shared fixtures are not there.
fn reference() -> Option<(Vec<Pulse>, Vec<f64>)> {
    let dir = fixture_dir();
    let (Ok(chain), Ok(audit)) = (
        std::fs::read_to_string(dir.join("glyph_chain.jsonl")),
        std::fs::read_to_string(dir.join("forensic_audit.log")),
    ) else {
        println!("skipped: reference run not found under {}", dir.display());
        return None;
    };
    let pulses = chain.lines().map(Pulse::from_line).collect();
    let starts = audit
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("audit line is JSON");
            let ts = v["timestamp"].as_str().expect("timestamp");
            iso_to_unix(ts).expect("audit timestamp parses")
        })
        .collect();
    Some((pulses, starts))
}

/// Run `pulses` (lines 1..) through a checker; the findings as (kind, line).
fn run(checker: &mut TimeChecker, pulses: &[Pulse]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (line, p) in (1..).zip(pulses) {
        checker.check(&p.times(line), &mut out);
    }
    out
}

fn kinds(findings: &[Finding]) -> Vec<(FindingKind, u64)> {
    findings
        .iter()
        .map(|f| (f.kind, f.line.unwrap_or(0)))
        .collect()
}

fn checker() -> TimeChecker {
    TimeChecker::new(TimeCheckConfig::default())
}

/// The first 100 reference pulses (all in the first run segment).
fn first_run() -> Option<Vec<Pulse>> {
    reference().map(|(mut p, _)| {
        p.truncate(100);
        p
    })
}

#[test]
fn reference_run_is_clean_and_has_three_segments() {
    let Some((pulses, starts)) = reference() else {
        return;
    };
    assert_eq!((pulses.len(), starts.len()), (420, 3));
    let mut c = checker().with_run_starts(starts.clone());
    let findings = run(&mut c, &pulses);
    assert!(findings.is_empty(), "{findings:#?}");
    let lines: Vec<_> = c
        .segments()
        .iter()
        .map(|s| (s.first_line, s.last_line, s.pulses))
        .collect();
    assert_eq!(lines, [(1, 140, 140), (141, 280, 140), (281, 420, 140)]);
    let expected_starts = [
        SegmentStart::FirstPulse,
        SegmentStart::KnownStart {
            at_unix: starts[1],
            counter_reset: false,
        },
        SegmentStart::KnownStart {
            at_unix: starts[2],
            counter_reset: false,
        },
    ];
    assert_eq!(
        c.segments().iter().map(|s| s.start).collect::<Vec<_>>(),
        expected_starts
    );
}

#[test]
fn reference_run_without_starts_is_one_segment() {
    // The three starts were process restarts on one boot: the monotonic
    // counter never goes back, so nothing marks them without the audit log.
    let Some((pulses, _)) = reference() else {
        return;
    };
    let mut c = checker();
    assert!(run(&mut c, &pulses).is_empty());
    assert_eq!(c.segments().len(), 1);
}

#[test]
fn iso_one_second_off() {
    let Some(mut p) = first_run() else { return };
    p[9].iso = p[9].iso.replacen(":39.", ":40.", 1);
    let f = run(&mut checker(), &p);
    assert_eq!(kinds(&f), [(IsoUnixMismatch, 10)]);
    assert!(
        f[0].found
            .as_deref()
            .is_some_and(|s| s.contains("off by +1.000000 s")),
        "{f:?}"
    );
    assert_eq!(f[0].severity, Severity::Warning);
}

#[test]
fn et_one_second_off_names_the_wrong_era_and_the_assumption() {
    let Some(mut p) = first_run() else { return };
    p[0].et += 1.0;
    let f = run(&mut checker(), &p);
    assert_eq!(kinds(&f), [(EtMismatch, 1)]);
    assert_eq!(
        f[0].expected.as_deref(),
        Some("et_s = 849001548.553992 (±2e-6 s)")
    );
    assert_eq!(
        f[0].found.as_deref(),
        Some("849001549.553992 (off by +1.000000 s)")
    );
    assert!(f[0].detail.contains("ΔAT = 38 s"), "{}", f[0].detail);
    // 2026 lies within the shipped leap-second list (valid to 2027-06-28).
    assert!(!f[0].detail.contains("assumed"), "{}", f[0].detail);
    assert_eq!(
        f[0].record_id.as_deref(),
        Some("f59a40fdd6c99d9f1749bf20cb138204")
    );
    // With a table that ends in 2017 (hifitime's), ΔAT is only assumed.
    let mut old_table = TimeChecker::new(TimeCheckConfig {
        delta_at_known_until_unix: 1_483_228_800.0,
        ..TimeCheckConfig::default()
    });
    let f = run(&mut old_table, &p);
    assert!(
        f[0].detail
            .contains("assumed, not known: the leap-second table is valid until 2017-01-01"),
        "{}",
        f[0].detail
    );
}

#[test]
fn the_default_leap_second_validity_is_the_shipped_lists_expiry() {
    // 2027-06-28T00:00:00Z
    assert!((TimeCheckConfig::default().delta_at_known_until_unix - 1_814_140_800.0).abs() < 0.5);
}

#[test]
fn julian_date_off() {
    let Some(mut p) = first_run() else { return };
    p[9].jd += 1e-6;
    let f = run(&mut checker(), &p);
    assert_eq!(kinds(&f), [(JdMismatch, 10)]);
    assert!(f[0].detail.starts_with("julian_date "), "{}", f[0].detail);
}

#[test]
fn verbatim_replay_is_reported_once_and_skipped() {
    let Some(mut p) = first_run() else { return };
    let copy = p[9].clone();
    p.insert(30, copy); // line 31 repeats line 10
    let f = run(&mut checker(), &p);
    assert_eq!(kinds(&f), [(DuplicatePulse, 31)]);
    assert!(
        f[0].detail.contains("repeats line 10 verbatim"),
        "{}",
        f[0].detail
    );
}

#[test]
fn reused_id_with_other_payload() {
    let Some(mut p) = first_run() else { return };
    let mut forged = p[9].clone();
    forged.reseal(); // same fields, different line bytes
    p.insert(10, forged); // line 11 reuses the id of line 10
    let f = run(&mut checker(), &p);
    assert_eq!(kinds(&f), [(DuplicatePulse, 11)]);
    assert!(f[0].detail.contains("different content"), "{}", f[0].detail);
}

/// Step the wall clock of pulses `from..` by `dt` seconds, consistently.
fn step_wall(p: &mut [Pulse], from: usize, dt: f64) {
    for q in &mut p[from..] {
        q.set_wall(q.utc + dt);
    }
}

#[test]
fn wall_clock_stepped_back_5ms() {
    let Some(mut p) = first_run() else { return };
    step_wall(&mut p, 49, -5e-3);
    assert_eq!(
        kinds(&run(&mut checker(), &p)),
        [(TimeBackwards, 50), (ClockStep, 50)]
    );
}

#[test]
fn wall_clock_jumped_2s_is_a_step_not_a_gap() {
    let Some(mut p) = first_run() else { return };
    step_wall(&mut p, 49, 2.0);
    assert_eq!(kinds(&run(&mut checker(), &p)), [(ClockStep, 50)]);
}

#[test]
fn ten_second_gap_on_both_clocks() {
    let Some(mut p) = first_run() else { return };
    step_wall(&mut p, 49, 10.0);
    for q in &mut p[49..] {
        q.mono += 10_000_000_000;
    }
    let f = run(&mut checker(), &p);
    assert_eq!(kinds(&f), [(TimeGap, 50)]);
}

/// Reset the monotonic counter at pulse index `at` to a small value.
fn reset_counter(p: &mut [Pulse], at: usize) {
    let base = p[at].mono;
    for q in &mut p[at..] {
        q.mono = q.mono - base + 1_000;
    }
}

#[test]
fn counter_reset_without_known_start() {
    let Some(mut p) = first_run() else { return };
    reset_counter(&mut p, 49);
    let mut c = checker();
    assert_eq!(kinds(&run(&mut c, &p)), [(RunRestart, 50)]);
    let starts: Vec<_> = c
        .segments()
        .iter()
        .map(|s| (s.start, s.first_line))
        .collect();
    assert_eq!(
        starts,
        [
            (SegmentStart::FirstPulse, 1),
            (SegmentStart::CounterReset, 50)
        ]
    );
}

#[test]
fn counter_reset_at_known_start() {
    let Some(mut p) = first_run() else { return };
    reset_counter(&mut p, 49);
    let at = f64::midpoint(p[48].utc, p[49].utc);
    let mut c = checker().with_run_starts(vec![at]);
    assert!(run(&mut c, &p).is_empty());
    let s: &[RunSegment] = c.segments();
    assert_eq!(s.len(), 2);
    assert_eq!(
        s[1].start,
        SegmentStart::KnownStart {
            at_unix: at,
            counter_reset: true
        }
    );
    assert_eq!(
        (s[0].last_line, s[1].first_line, s[1].last_line),
        (49, 50, 100)
    );
}

#[test]
fn half_a_second_before_the_2017_leap_second() {
    let p = [Pulse::synthetic(1, LEAP_2017 - 0.5, 1)];
    assert_eq!(p[0].iso, "2016-12-31T23:59:59.500000+00:00");
    let f = run(&mut checker(), &p);
    // No ET_MISMATCH: ΔAT is still 36 s here, so the legacy et_s is expected
    // to be 1 s too large (hifitime's `leap_seconds()` would say 37 here).
    assert_eq!(kinds(&f), [(LeapSecondWindow, 1)]);
    assert!(
        f[0].detail.contains("2016-12-31T23:59:60Z"),
        "{}",
        f[0].detail
    );
}

#[test]
fn delta_at_lookup_is_right_just_before_a_leap_second() {
    let table = LeapTable::from_hifitime();
    for u in [
        LEAP_2017 - 30.0,
        LEAP_2017 - 0.5,
        LEAP_2017,
        946_728_000.0,
        1_795_729_479.0,
    ] {
        let e = Epoch::from_unix_seconds(u);
        // UTC -> TAI is the conversion hifitime gets right.
        let tai_minus_utc = e.to_tai_seconds() - e.to_utc_seconds();
        assert_eq!(table.delta_at(u), Some(tai_minus_utc), "u = {u}");
    }
    assert_eq!(table.delta_at(0.0), None);
}

#[test]
fn legacy_et_from_2016_is_expected_true_tt_is_not_legacy() {
    let mid_2016 = 1_467_331_200.0; // 2016-07-01
    let mut p = vec![Pulse::synthetic(1, mid_2016, 1)];
    assert!(run(&mut checker(), &p).is_empty());
    p[0].et -= 1.0; // what a writer with the true ΔAT (36 s) writes
    let f = run(&mut checker(), &p);
    assert_eq!(kinds(&f), [(EtMismatch, 1)]);
    assert!(f[0].detail.contains("true TT/TDB"), "{}", f[0].detail);
    assert!(!f[0].detail.contains("assumed"), "{}", f[0].detail);
}

#[test]
fn iso_forms() {
    let base = 1_795_729_479.0;
    let check = |iso: &str| {
        let mut p = [Pulse::synthetic(1, base, 1)];
        iso.clone_into(&mut p[0].iso);
        run(&mut checker(), &p)
    };
    // isoformat() drops a zero fraction; both forms are the writer's.
    assert!(check("2026-11-26T21:44:39+00:00").is_empty());
    assert!(check("2026-11-26T21:44:39.000000+00:00").is_empty());
    for other in [
        "2026-11-26T21:44:39Z",
        "2026-11-26T23:44:39+02:00",
        "2026-11-26T21:44:39",
    ] {
        let f = check(other);
        assert_eq!(kinds(&f), [(IsoUnixMismatch, 1)], "{other}");
        assert!(
            f[0].detail.contains("same instant"),
            "{other}: {}",
            f[0].detail
        );
    }
    let f = check("2026-11-26T21:44:39+01:00");
    assert!(f[0].detail.contains("-3600.000000 s"), "{}", f[0].detail);
    for bad in [
        "",
        "yesterday",
        "2026-11-26 21:44:39+00:00",
        "2026-11-26T21:44:39.1234567890+00:00",
    ] {
        let f = check(bad);
        assert_eq!(kinds(&f), [(IsoUnixMismatch, 1)], "{bad:?}");
        assert!(f[0].detail.contains("not an ISO 8601 time"), "{bad:?}");
    }
    let f = check("2026-02-30T21:44:39+00:00");
    assert!(
        f[0].detail.contains("not a valid UTC calendar time"),
        "{}",
        f[0].detail
    );
    // Second 60 on a day without a leap second: invalid and flagged for review.
    assert_eq!(
        kinds(&check("2026-11-26T21:44:60+00:00")),
        [(IsoUnixMismatch, 1), (LeapSecondWindow, 1)]
    );
}

#[test]
fn run_start_timestamps_parse() {
    assert_eq!(
        iso_to_unix("2026-11-26T21:44:39.369303+00:00"),
        Some(1_795_729_479.369_303)
    );
    assert_eq!(
        iso_to_unix("2026-11-26T23:44:39+02:00"),
        Some(1_795_729_479.0)
    );
    assert_eq!(
        iso_to_unix("2026-11-26T21:44:39"),
        None,
        "no offset: ambiguous"
    );
    assert_eq!(iso_to_unix("2026-11-26T21:44:39.1234567890+00:00"), None);
}

#[test]
fn ids_are_keyed_exactly() {
    assert_eq!(
        hex_id("f59a40fdd6c99d9f1749bf20cb138204"),
        Some(0xf59a_40fd_d6c9_9d9f_1749_bf20_cb13_8204)
    );
    assert_eq!(hex_id("F59A40FDD6C99D9F1749BF20CB138204"), None);
    assert_eq!(hex_id("+59a40fdd6c99d9f1749bf20cb138204"), None);
    assert_eq!(hex_id("f59a40fd"), None);
}

#[test]
fn non_hex_ids_are_tracked_too() {
    let mut p = vec![Pulse::synthetic(1, 1_795_729_479.0, 1)];
    p[0].id = "not-hex".to_owned();
    p.push(p[0].clone());
    assert_eq!(kinds(&run(&mut checker(), &p)), [(DuplicatePulse, 2)]);
}

fn arbitrary_pulse() -> impl Strategy<Value = (String, i64, String, [f64; 4], [u8; 32])> {
    let iso = prop_oneof![
        any::<String>(),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?(Z|[+-][0-9]{2}:[0-9]{2})?",
    ];
    let num = prop_oneof![any::<f64>(), -1e10..1e10_f64, 1.4e9..1.9e9_f64];
    (
        prop_oneof![any::<String>(), "[0-9a-f]{32}", Just("0".repeat(32))],
        any::<i64>(),
        iso,
        [num.clone(), num.clone(), num.clone(), num],
        any::<[u8; 32]>(),
    )
}

/// The first 8 bytes of a test pulse's digest, as the verifier's fingerprint.
fn fingerprint(sha: &[u8; 32]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&sha[..8]);
    u64::from_be_bytes(b)
}

proptest! {
    #[test]
    fn arbitrary_pulses_never_panic(pulses in prop::collection::vec(arbitrary_pulse(), 1..12), starts in prop::collection::vec(any::<f64>(), 0..4)) {
        let mut c = checker().with_run_starts(starts);
        let mut out = Vec::new();
        for (line, (id, mono, iso, [utc, et, days, jd], sha)) in (1..).zip(&pulses) {
            let p = PulseTimes {
                line, offset: line, pulse_id: id, monotonic_ns: *mono, utc_iso: iso,
                utc_unix: *utc, et_s: *et, epoch_days: *days, julian_date: *jd, payload_fingerprint: fingerprint(sha),
            };
            c.check(&p, &mut out);
        }
        prop_assert!(out.iter().all(|f| f.severity == Severity::Warning));
        prop_assert!(c.segments().iter().map(|s| s.pulses).sum::<u64>() <= pulses.len() as u64);
    }
}
