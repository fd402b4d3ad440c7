//! Invariant: `iss pulses` and `iss report time` show each pulse's stored
//! times beside values recomputed independently, with the pulse's verdict,
//! in bounded memory (only the last N rows are kept).

mod common;

use common::{Genuine, edit_lines, iss_json, shared_fixture};
use serde_json::Value;

const GLYPH: &str = "logs/forensic_logs/glyph_chain.jsonl";

/// Check every row's recomputed scales against the textbook formulas,
/// computed here without the library (ΔAT is 37 s from 2017 on).
fn check_rows(rows: &[Value]) {
    for r in rows {
        let u = r["utc_unix"].as_f64().unwrap();
        let c = &r["computed"];
        assert_eq!(c["delta_at_s"], 37.0);
        let tt = (u - 946_728_000.0) + 32.184 + 37.0;
        assert!((c["tt_past_j2000_s"].as_f64().unwrap() - tt).abs() < 1e-6);
        // A genuine legacy et_s is TT, so it equals the recomputed TT...
        assert!(
            (r["stored"]["et_s"].as_f64().unwrap() - tt).abs() < 2e-6,
            "line {}",
            r["line"]
        );
        // ...and is off TDB by the periodic term only.
        assert!(r["et_minus_tdb_s"].as_f64().unwrap().abs() < 1.7e-3);
        // The legacy julian_date is JD(UTC): 69.184 s before JD(TT).
        let jd_utc = 2_440_587.5 + u / 86_400.0;
        assert!((r["stored"]["julian_date"].as_f64().unwrap() - jd_utc).abs() < 1e-8);
        let jd_tt = c["jd_tt"].as_f64().unwrap();
        assert!((jd_tt - jd_utc - 69.184 / 86_400.0).abs() < 1e-8);
    }
}

#[test]
fn reference_run_pulses_against_independent_formulas() {
    let Some(path) = shared_fixture("reference-run") else {
        return;
    };
    let v = iss_json(&["pulses", "--json", "--limit", "0"], &path, 0);
    assert_eq!(v["pulses_total"], 420);
    let rows = v["pulses"].as_array().unwrap();
    assert_eq!(rows.len(), 420);
    assert!(rows.iter().all(|r| r["status"] == "verified"));
    assert_eq!(v["segments"].as_array().unwrap().len(), 3);
    check_rows(rows);
}

#[test]
fn only_the_last_rows_are_shown_and_the_first_has_no_interval() {
    let dir = tempfile::tempdir().unwrap();
    Genuine::Generated(4).materialise(dir.path());
    let v = iss_json(&["pulses", "--json", "--limit", "3"], dir.path(), 0);
    assert_eq!(v["pulses_total"], 160);
    let lines: Vec<u64> = v["pulses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [158, 159, 160]);
    let all = iss_json(&["pulses", "--json", "--limit", "0"], dir.path(), 0);
    let rows = all["pulses"].as_array().unwrap();
    assert!(rows[0]["interval_s"].is_null());
    assert!(rows[1]["interval_s"].as_f64().unwrap() > 0.0);
    check_rows(rows);
}

#[test]
fn tampered_pulse_is_marked_and_the_report_lists_the_anomaly() {
    let dir = tempfile::tempdir().unwrap();
    Genuine::Generated(4).materialise(dir.path());
    // Move one pulse's wall clock 5 s ahead: its hashes break and its times disagree.
    edit_lines(&dir.path().join(GLYPH), |l| {
        let v: Value = serde_json::from_str(&l[99]).unwrap();
        let u = v["utc_unix"].as_f64().unwrap();
        l[99] = l[99].replace(
            &format!("\"utc_unix\": {u}"),
            &format!("\"utc_unix\": {}", u + 5.0),
        );
    });
    let v = iss_json(&["pulses", "--json", "--limit", "0"], dir.path(), 1);
    let row = &v["pulses"][99];
    assert_eq!(row["line"], 100);
    assert_eq!(row["status"], "excluded");
    assert!(
        row["reason"]
            .as_str()
            .unwrap()
            .starts_with("HASH_MISMATCH at line 100")
    );
    let report = iss_json(&["report", "time", "--json"], dir.path(), 1);
    let kinds: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["line"] == 100)
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"HASH_MISMATCH") && kinds.contains(&"ISO_UNIX_MISMATCH"),
        "{kinds:?}"
    );
    assert_eq!(report["summary"]["pulses"], 160);
    assert_eq!(report["summary"]["verified"], 159);
}

#[test]
fn ledger_without_a_time_chain_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    Genuine::Generated(4).materialise(dir.path());
    std::fs::remove_dir_all(dir.path().join("logs")).unwrap();
    let out = common::iss_cmd()
        .args(["pulses"])
        .arg(dir.path())
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(out).unwrap().contains("no time chain"));
}
