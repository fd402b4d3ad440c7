//! The native pulse checks on hand-made pulse bodies: each anomaly found
//! where it is, and a clean sequence left alone.

use super::*;

fn leaps() -> &'static LeapSecondList {
    LeapSecondList::embedded().unwrap()
}

/// A pulse as the writer makes it, at Unix `unix_ns` and monotonic `mono_ns`.
fn pulse(unix_ns: i64, mono_ns: u64, boot: &str) -> PulseBody {
    let b = PulseBody::new(
        &ClockReading {
            utc_unix_ns: unix_ns,
            mono_ns,
            boot_id: BootId::Known(boot.to_owned()),
        },
        leaps(),
    )
    .unwrap();
    serde_json::from_str(&b.to_json()).unwrap()
}

const T0: i64 = 1_790_000_000_000_000_000;
const S: i64 = 1_000_000_000;

fn run(pulses: &[PulseBody]) -> (Vec<NativePulse>, Vec<Finding>, Vec<RunSegment>) {
    let mut checks = NativeTimeChecks::new(TimeCheckConfig::default());
    let (mut views, mut out) = (Vec::new(), Vec::new());
    for (i, p) in pulses.iter().enumerate() {
        let mut v = describe(i as u64, p.clone(), Some(leaps()));
        checks.check(i as u64 + 1, 0, "h", &mut v, &mut out);
        views.push(v);
    }
    (views, out, checks.into_segments())
}

fn kinds(found: &[Finding]) -> Vec<(&'static str, u64)> {
    found
        .iter()
        .map(|f| (f.kind.name(), f.line.unwrap()))
        .collect()
}

#[test]
fn utc_text_reads_to_exact_nanoseconds() {
    assert_eq!(
        utc_text_to_unix_ns("1970-01-01T00:00:01.000000002Z"),
        Some(S + 2)
    );
    assert_eq!(
        utc_text_to_unix_ns("2026-11-01T09:00:00.123456789Z"),
        Some(1_793_523_600_123_456_789)
    );
    for bad in [
        "2026-11-01T09:00:00.123456789",
        "2026-13-01T09:00:00.123456789Z",
        "2026-11-01 09:00:00.123456789Z",
        "2026-11-01T09:00:00.12345678xZ",
    ] {
        assert_eq!(utc_text_to_unix_ns(bad), None, "{bad}");
    }
}

#[test]
fn a_clean_sequence_has_no_finding_and_one_run() {
    let p = [
        pulse(T0, 100 * S as u64, "a"),
        pulse(T0 + S, 101 * S as u64, "a"),
        pulse(T0 + 2 * S, 102 * S as u64, "a"),
    ];
    let (views, found, segs) = run(&p);
    assert_eq!(kinds(&found), vec![]);
    assert_eq!(segs.len(), 1);
    assert_eq!(
        (segs[0].first_line, segs[0].last_line, segs[0].pulses),
        (1, 3, 3)
    );
    let d = views[1].differences.unwrap();
    assert_eq!(d.tai_ns, 0);
    assert!(d.tdb_s.abs() < 1e-6 && d.jd_tt_d.abs() < 1e-9);
    assert_eq!(
        (views[1].delta_tai_ns, views[1].delta_mono_ns),
        (Some(S), Some(S))
    );
}

#[test]
fn a_clock_step_within_one_boot_is_found_and_a_reboot_starts_a_run() {
    let p = [
        pulse(T0, 100 * S as u64, "a"),
        // Wall clock jumps 5 s while the monotonic clock moves 1 s.
        pulse(T0 + 6 * S, 101 * S as u64, "a"),
        // A reboot: the monotonic clock restarts, no anomaly.
        pulse(T0 + 60 * S, 2 * S as u64, "b"),
        // Time goes backwards across the next pulse.
        pulse(T0 + 30 * S, 3 * S as u64, "b"),
    ];
    let (views, found, segs) = run(&p);
    assert_eq!(
        kinds(&found),
        vec![("CLOCK_STEP", 2), ("TIME_BACKWARDS", 4), ("CLOCK_STEP", 4)]
    );
    assert_eq!(views[2].delta_mono_ns, None, "no Δmono across boots");
    let starts: Vec<_> = segs.iter().map(|s| (s.start, s.first_line)).collect();
    assert_eq!(
        starts,
        vec![(SegmentStart::FirstPulse, 1), (SegmentStart::Reboot, 3)]
    );
}

#[test]
fn the_monotonic_clock_going_back_within_a_boot_is_a_run_restart() {
    let p = [
        pulse(T0, 100 * S as u64, "a"),
        pulse(T0 + S, 50 * S as u64, "a"),
    ];
    let (_, found, _) = run(&p);
    assert_eq!(kinds(&found), vec![("RUN_RESTART", 2)]);
}

#[test]
fn an_assumed_delta_at_is_named_once() {
    // Past the shipped list's expiry (2027-06-28) ΔAT is assumed.
    let late = 1_900_000_000 * S;
    let p = [
        pulse(late, S as u64, "a"),
        pulse(late + S, 2 * S as u64, "a"),
    ];
    assert!(!p[0].leap_seconds.delta_at_known);
    let (_, found, _) = run(&p);
    assert_eq!(kinds(&found), vec![("DELTA_AT_ASSUMED", 1)]);
}

#[test]
fn edited_times_are_found_against_the_recomputation() {
    let mut tai = pulse(T0, S as u64, "a");
    tai.tai_ns += 1;
    let mut tdb = pulse(T0, S as u64, "a");
    tdb.tdb_s += 0.5;
    let mut jd = pulse(T0, S as u64, "a");
    jd.jd_tt += 1e-6;
    let mut dat = pulse(T0, S as u64, "a");
    dat.leap_seconds.delta_at_s = 36;
    dat.tai_ns -= S;
    dat.tt_s -= 1.0;
    dat.tdb_s -= 1.0;
    dat.jd_tt -= 1.0 / 86_400.0;
    for (p, want) in [
        (tai, "ISO_UNIX_MISMATCH"),
        (tdb, "ET_MISMATCH"),
        (jd, "JD_MISMATCH"),
        (dat, "DELTA_AT_MISMATCH"),
    ] {
        let (_, found, _) = run(&[p]);
        assert_eq!(kinds(&found), vec![(want, 1)]);
    }
}

#[test]
fn the_json_of_a_native_pulse_is_the_documented_flat_object() {
    // `iss pulses --json` puts this object under `native` (docs/JSON.md):
    // the stored fields flat, the list's expiry as `leap_list_expires`,
    // and neither the list's provenance nor `boot_id_unavailable`.
    let p = [
        pulse(T0, 100 * S as u64, "a"),
        pulse(T0 + S, 101 * S as u64, "a"),
    ];
    let (views, _, _) = run(&p);
    let text = serde_json::to_string(&views[1]).unwrap();
    assert_eq!(
        text,
        concat!(
            r#"{"seq":1,"tai_ns":3998988838000000000,"utc":"2026-09-21T14:13:21.000000000Z","#,
            r#""tt_s":843272070.184,"tdb_s":843272070.1823922,"jd_utc":2461305.092604167,"#,
            r#""jd_tt":2461305.0934049073,"mono_ns":101000000000,"boot_id":"a","#,
            r#""delta_at_s":37,"delta_at_known":true,"leap_list_expires":"2027-06-28","#,
            r#""recomputed":{"delta_at_s":37,"delta_at_known":true,"tai_ns":3998988838000000000,"#,
            r#""tt_s":843272070.184,"tdb_s":843272070.1823922,"jd_utc":2461305.092604167,"#,
            r#""jd_tt":2461305.0934049073},"differences":{"tai_ns":0,"tt_s":0.0,"tdb_s":0.0,"#,
            r#""jd_utc_d":0.0,"jd_tt_d":0.0},"delta_tai_ns":1000000000,"delta_mono_ns":1000000000}"#
        )
    );
}
