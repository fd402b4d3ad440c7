//! Every field of a pulse body against the textbook formulas of
//! `TIME_AND_MATURITY.md` §1, computed here independently of the code.

use super::*;

/// 2026-11-01T09:00:00.123456789Z.
const UNIX_NS: i64 = 1_793_523_600_123_456_789;
/// 2017-01-01T00:00:00Z (the end of the last leap second), Unix seconds.
const UNIX_2017: i64 = 1_483_228_800;
const BOOT: &str = "0f4e1d2c-aaaa-bbbb-cccc-0123456789ab";

fn leaps() -> &'static LeapSecondList {
    LeapSecondList::embedded().expect("the shipped list parses")
}

fn reading(utc_unix_ns: i64) -> ClockReading {
    ClockReading {
        utc_unix_ns,
        mono_ns: 123_456_789_012,
        boot_id: BootId::Known(BOOT.into()),
    }
}

fn body(utc_unix_ns: i64) -> PulseBody {
    PulseBody::new(&reading(utc_unix_ns), leaps()).expect("body")
}

#[test]
fn every_field_matches_the_textbook_formulas() {
    let b = body(UNIX_NS);
    let u = UNIX_NS as f64 / 1e9;
    // TAI ns since 1900-01-01 TAI = (Unix + 25567 days + ΔAT) in ns, exactly.
    assert_eq!(b.tai_ns, UNIX_NS + (2_208_988_800 + 37) * 1_000_000_000);
    assert_eq!(b.utc, "2026-11-01T09:00:00.123456789Z");
    // TT = TAI + 32.184 s; J2000 = Unix 946728000 in the legacy constant.
    let tt = (u - 946_728_000.0) + 32.184 + 37.0;
    assert!((b.tt_s - tt).abs() < 1e-6, "tt_s {} vs {tt}", b.tt_s);
    // FORMAT.md's definition from tai_ns: J2000 is TAI 3155716767.816 s.
    let from_tai = (b.tai_ns - 3_155_716_767_816_000_000) as f64 / 1e9;
    assert!((b.tt_s - from_tai).abs() < 1e-6);
    // TDB − TT: the periodic term, NAIF's two-term approximation.
    let days = (u - 946_728_000.0) / 86_400.0;
    let g = (357.53 + 0.985_600_28 * days).to_radians();
    let tdb_minus_tt = 0.001_658 * g.sin() + 0.000_014 * (2.0 * g).sin();
    assert!(
        (b.tdb_s - b.tt_s - tdb_minus_tt).abs() < 3e-5,
        "TDB-TT {} vs {tdb_minus_tt}",
        b.tdb_s - b.tt_s
    );
    assert!((b.jd_utc - (2_440_587.5 + u / 86_400.0)).abs() < 1e-9);
    assert!((b.jd_tt - (b.jd_utc + (32.184 + 37.0) / 86_400.0)).abs() < 2e-9);
    assert_eq!(b.mono_ns, 123_456_789_012);
    assert_eq!(b.boot_id.as_deref(), Some(BOOT));
    assert_eq!(b.boot_id_unavailable, None);
    assert_eq!(
        b.leap_seconds,
        LeapSecondsUsed {
            source: leaps().source.clone(),
            sha1: "a9bad14584c31c70758402aab37bfd545923836a".into(),
            updated: "2026-07-06".into(),
            last_entry: "2017-01-01".into(),
            expires: "2027-06-28".into(),
            delta_at_s: 37,
            delta_at_known: true,
        }
    );
}

#[test]
fn tai_agrees_with_hifitime_where_its_table_is_right() {
    // hifitime's own UTC -> TAI (its table ends in 2017, which is right
    // until the shipped list's expiry): the same nanoseconds, which also
    // pins hifitime's 1900-01-01 TAI origin.
    let e = Epoch::from_unix_duration(Duration::from_total_nanoseconds(i128::from(UNIX_NS)));
    assert_eq!(
        e.to_tai_duration().total_nanoseconds(),
        i128::from(body(UNIX_NS).tai_ns)
    );
    let j2000 = body(946_727_935_816_000_000);
    assert!(j2000.tt_s.abs() < 1e-9, "J2000 is TT 0: {}", j2000.tt_s);
    assert!((j2000.jd_tt - 2_451_545.0).abs() < 1e-9);
}

#[test]
fn a_leap_second_is_counted_in_tai_not_in_utc() {
    let before = body((UNIX_2017 - 1) * 1_000_000_000 + 500_000_000);
    let after = body(UNIX_2017 * 1_000_000_000);
    assert_eq!(before.leap_seconds.delta_at_s, 36);
    assert_eq!(after.leap_seconds.delta_at_s, 37);
    assert_eq!(before.utc, "2016-12-31T23:59:59.500000000Z");
    assert_eq!(after.utc, "2017-01-01T00:00:00.000000000Z");
    // 0.5 s apart in Unix time, 1.5 SI seconds apart in TAI and TT.
    assert_eq!(after.tai_ns - before.tai_ns, 1_500_000_000);
    assert!((after.tt_s - before.tt_s - 1.5).abs() < 1e-6);
}

#[test]
fn past_the_lists_expiry_delta_at_is_assumed() {
    let expires_ns = leaps().expires_unix * 1_000_000_000;
    let last_known = body(expires_ns - 1);
    assert!(last_known.leap_seconds.delta_at_known);
    let assumed = body(expires_ns);
    assert!(!assumed.leap_seconds.delta_at_known);
    assert_eq!(assumed.leap_seconds.delta_at_s, 37);
    assert!(assumed.to_json().contains(r#""delta_at_known":false"#));
}

#[test]
fn instants_outside_the_table_are_refused_with_the_reading() {
    let err = PulseBody::new(&reading(0), leaps()).expect_err("1970 is before 1972");
    assert_eq!(
        err,
        PulseError::BeforeLeapTable {
            utc: "1970-01-01T00:00:00.000000000Z".into()
        }
    );
    assert!(err.to_string().contains("1970-01-01T00:00:00"));
    // 2200: TAI ns since 1900 no longer fit an i64.
    let late = PulseBody::new(&reading(7_258_118_400 * 1_000_000_000), leaps());
    assert!(matches!(late, Err(PulseError::OutOfRange { .. })));
    assert!(PulseBody::new(&reading(i64::MIN), leaps()).is_err());
}

#[test]
fn the_json_body_has_the_documented_keys_in_order() {
    let json = body(UNIX_NS).to_json();
    let keys = [
        "tai_ns",
        "utc",
        "tt_s",
        "tdb_s",
        "jd_utc",
        "jd_tt",
        "mono_ns",
        "boot_id",
        "leap_seconds",
    ];
    let mut at = 0;
    for k in keys {
        let needle = format!("\"{k}\":");
        let found = json[at..]
            .find(&needle)
            .unwrap_or_else(|| panic!("{k} missing or out of order in {json}"));
        at += found + needle.len();
    }
    assert!(json.starts_with(
        r#"{"tai_ns":4002512437123456789,"utc":"2026-11-01T09:00:00.123456789Z","tt_s":"#
    ));
    assert!(
        !json.contains("\": ") && !json.contains(", \""),
        "compact separators: {json}"
    );
    assert!(!json.contains("boot_id_unavailable"));
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    // Floats read back exactly (shortest round-trip text).
    assert_eq!(v["tt_s"].as_f64(), Some(body(UNIX_NS).tt_s));
    assert_eq!(v["leap_seconds"]["expires"], "2027-06-28");
}

#[test]
fn an_unknown_boot_is_null_with_the_reason() {
    let mut r = reading(UNIX_NS);
    r.boot_id = BootId::Unavailable("/proc/sys/kernel/random/boot_id: No such file".into());
    let json = PulseBody::new(&r, leaps()).expect("body").to_json();
    assert!(json.contains(
        r#""boot_id":null,"boot_id_unavailable":"/proc/sys/kernel/random/boot_id: No such file""#
    ));
}

#[test]
fn utc_text_has_one_width() {
    assert_eq!(utc_iso_nanos(0), "1970-01-01T00:00:00.000000000Z");
    assert_eq!(utc_iso_nanos(-1), "1969-12-31T23:59:59.999999999Z");
    assert_eq!(
        utc_iso_nanos(951_782_400_000_000_001),
        "2000-02-29T00:00:00.000000001Z"
    );
}
