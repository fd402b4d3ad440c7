//! Invariant: `iss pulses` and `iss report time` read a native pulse chain:
//! each pulse's stored TAI/UTC/TT/TDB beside the values recomputed from its
//! `utc`, runs delimited by `boot_id`, and the anomalies (a clock step
//! within one boot, ΔAT assumed past the writer's leap-second list, edited
//! times) found at their lines; migrated legacy pulses are analysed as the
//! legacy pulses they are.

mod common;

use common::{generated_ledger, iss_json, iss_stdout, read_lines, write_lines};
use iss_workstation::ledger::native::format::pulse::{BootId, ClockReading};
use iss_workstation::ledger::native::secret::read_signer;
use iss_workstation::ledger::native::write::NativeWriter;
use iss_workstation::ledger::native::write::pulse::append_pulse;
use iss_workstation::time::leap_seconds::LeapSecondList;
use serde_json::Value;
use std::path::PathBuf;

const S: i64 = 1_000_000_000;
const T0: i64 = 1_790_000_000 * S;

/// Six pulses: three a second apart on boot `a`, a fourth after a 5 s wall
/// clock step (1 s monotonic), a reboot into `b`, and a reboot into `c`
/// after the shipped leap-second list expires (2030), where ΔAT is assumed.
fn ledger() -> (tempfile::TempDir, PathBuf) {
    let common::NewNative { tmp, dir, key, .. } = common::new_native("iss.test/time", false);
    let mut w = NativeWriter::open(&dir, Some(read_signer(&key).unwrap()), None).unwrap();
    let leaps = LeapSecondList::embedded().unwrap();
    let at = |utc: i64, mono: i64, boot: &str| ClockReading {
        utc_unix_ns: utc,
        mono_ns: u64::try_from(mono).unwrap(),
        boot_id: BootId::Known(boot.to_owned()),
    };
    for r in [
        at(T0, 100 * S, "a"),
        at(T0 + S, 101 * S, "a"),
        at(T0 + 2 * S, 102 * S, "a"),
        at(T0 + 8 * S, 103 * S, "a"),
        at(T0 + 100 * S, 5 * S, "b"),
        at(1_900_000_000 * S, 7 * S, "c"),
    ] {
        append_pulse(&mut w, &r, leaps).unwrap();
    }
    (tmp, dir)
}

fn kinds(doc: &Value) -> Vec<(String, Option<u64>)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap().to_owned(), f["line"].as_u64()))
        .collect()
}

#[test]
fn native_pulses_stand_beside_their_recomputation() {
    let (_tmp, dir) = ledger();
    let doc = iss_json(&["pulses", "--json", "--limit", "0"], &dir, 0);
    assert_eq!(doc["pulses_total"], 6);
    let rows = doc["pulses"].as_array().unwrap();
    let lines = read_lines(&dir.join("pulses.jsonl"));
    for (row, line) in rows.iter().zip(&lines) {
        let stored: Value = serde_json::from_str(line).unwrap();
        assert_eq!(row["pulse_id"], stored["hash"]);
        assert_eq!(row["status"], "verified");
        let n = &row["native"];
        assert_eq!(n["tai_ns"], stored["body"]["tai_ns"]);
        assert_eq!(n["recomputed"]["tai_ns"], stored["body"]["tai_ns"]);
        assert_eq!(n["differences"]["tai_ns"], 0);
        assert!(n["differences"]["tdb_s"].as_f64().unwrap().abs() < 1e-6);
    }
    assert_eq!(rows[1]["native"]["delta_mono_ns"], S);
    assert_eq!(rows[1]["native"]["delta_tai_ns"], S);
    assert_eq!(rows[3]["native"]["delta_tai_ns"], 6 * S);
    assert!(
        rows[4]["native"]["delta_mono_ns"].is_null(),
        "no Δmono across a reboot"
    );
    assert_eq!(rows[5]["native"]["delta_at_known"], false);
    let text = iss_stdout(&["pulses", "--limit", "0"], &dir, &[], 0);
    assert!(text.contains("37*"), "the assumed ΔAT is marked: {text}");
}

#[test]
fn report_time_finds_runs_by_boot_id_and_the_anomalies_at_their_lines() {
    let (_tmp, dir) = ledger();
    let doc = iss_json(&["report", "time", "--json"], &dir, 0);
    let segments: Vec<(String, u64, u64)> = doc["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["start"]["kind"].as_str().unwrap().to_owned(),
                s["first_line"].as_u64().unwrap(),
                s["last_line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        segments,
        vec![
            ("first_pulse".into(), 1, 4),
            ("reboot".into(), 5, 5),
            ("reboot".into(), 6, 6)
        ]
    );
    assert_eq!(
        kinds(&doc),
        vec![
            ("CLOCK_STEP".into(), Some(4)),
            ("DELTA_AT_ASSUMED".into(), Some(6))
        ]
    );
    let s = &doc["summary"];
    assert_eq!(
        (s["pulses"].as_u64(), s["native_pulses"].as_u64()),
        (Some(6), Some(6))
    );
    assert_eq!(s["delta_at_assumed"], 1);
    let md = iss_stdout(&["report", "time"], &dir, &[], 0);
    assert!(md.contains("**CLOCK_STEP** (warning) line 4"), "{md}");
    assert!(md.contains("| 2 | reboot | 5 | 5 | 1 |"), "{md}");
}

#[test]
fn an_edited_pulse_is_excluded_and_its_times_no_longer_agree() {
    let (_tmp, dir) = ledger();
    let p = dir.join("pulses.jsonl");
    let mut lines = read_lines(&p);
    let v: Value = serde_json::from_str(&lines[1]).unwrap();
    let utc = v["body"]["utc"].as_str().unwrap();
    let forged = utc.replacen(":21.", ":22.", 1);
    assert_ne!(forged, utc, "{utc}");
    lines[1] = lines[1].replacen(utc, &forged, 1);
    write_lines(&p, &lines);
    let doc = iss_json(&["report", "time", "--json"], &dir, 1);
    let k = kinds(&doc);
    assert!(k.contains(&("HASH_MISMATCH".into(), Some(2))), "{k:?}");
    assert!(k.contains(&("ISO_UNIX_MISMATCH".into(), Some(2))), "{k:?}");
    let rows = iss_json(&["pulses", "--json"], &dir, 1);
    let row = &rows["pulses"][1];
    assert_eq!(row["status"], "excluded");
    assert!(row["reason"].as_str().unwrap().starts_with("HASH_MISMATCH"));
    assert_eq!(row["native"]["differences"]["tai_ns"], -S);
}

#[test]
fn migrated_pulses_are_analysed_as_the_legacy_pulses_they_are() {
    let legacy = generated_ledger(3);
    let tmp = tempfile::tempdir().unwrap();
    let native = tmp.path().join("native");
    iss_stdout(&["migrate"], legacy.path(), &[native.to_str().unwrap()], 0);
    let l = iss_json(&["report", "time", "--json"], legacy.path(), 0);
    let n = iss_json(&["report", "time", "--json"], &native, 0);
    for k in [
        "pulses",
        "verified",
        "first_utc",
        "last_utc",
        "intervals_s",
        "et_minus_tdb_s",
        "julian_date_minus_jd_tt_d",
    ] {
        assert_eq!(l["summary"][k], n["summary"][k], "{k}");
    }
    assert_eq!(n["summary"]["native_pulses"], 0);
    let lp = iss_json(&["pulses", "--json", "--limit", "5"], legacy.path(), 0);
    let np = iss_json(&["pulses", "--json", "--limit", "5"], &native, 0);
    for (a, b) in lp["pulses"]
        .as_array()
        .unwrap()
        .iter()
        .zip(np["pulses"].as_array().unwrap())
    {
        assert_eq!(a, b, "the same row from either format");
    }
}
