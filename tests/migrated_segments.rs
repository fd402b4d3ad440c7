//! Invariant: a ledger migrated by `iss migrate` shows the same run
//! segments and time anomalies as its legacy source, because the time
//! keeper's start log travels inside the signed native ledger (one `events`
//! record per line, `docs/FORMAT.md` §10.2); editing that evidence breaks
//! verification; and a pulse written natively after the migration starts a
//! run of its own.

mod common;

use common::{edit_lines, find_file, generated_ledger, iss_json, read_lines};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Migrate `legacy` into a new folder; return it (and its keeper).
fn migrate(legacy: &Path) -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().unwrap();
    let native = out.path().join("native");
    iss_json(&["migrate", "--json", legacy.to_str().unwrap()], &native, 0);
    (out, native)
}

/// A finding as compared across the two ledgers: everything but `offset`,
/// the byte offset of the line, which differs by design (a native line
/// frames the legacy object). Lines, pulse ids, expected/found and the
/// detail (which names lines) are the same, since `iss migrate` copies
/// pulse line n of `glyph_chain.jsonl` to line n of `pulses.jsonl`.
fn comparable(findings: &Value) -> Vec<Value> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let mut f = f.clone();
            f.as_object_mut().unwrap().remove("offset");
            f
        })
        .collect()
}

/// `iss report time --json` and `iss pulses --json` agree on both ledgers:
/// segments field by field (start kind, known start time, counter reset,
/// first/last line, first/last UTC, pulses), the pulse summary, and the
/// anomalies. The `ledger` path differs by design and is not compared.
/// Returns the legacy report.
fn assert_same_time_forensics(legacy: &Path, native: &Path) -> Value {
    let old = iss_json(&["report", "time", "--json"], legacy, 0);
    let new = iss_json(&["report", "time", "--json"], native, 0);
    assert_eq!(new["segments"], old["segments"], "segments");
    assert_eq!(new["summary"], old["summary"], "summary");
    assert_eq!(
        comparable(&new["findings"]),
        comparable(&old["findings"]),
        "anomalies"
    );
    let old_pulses = iss_json(&["pulses", "--json", "--limit", "1"], legacy, 0);
    let new_pulses = iss_json(&["pulses", "--json", "--limit", "1"], native, 0);
    assert_eq!(
        new_pulses["segments"], old["segments"],
        "iss pulses segments"
    );
    assert_eq!(old_pulses["segments"], old["segments"]);
    old
}

fn kinds(segments: &Value) -> Vec<&str> {
    segments
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"]["kind"].as_str().unwrap())
        .collect()
}

#[test]
fn the_reference_run_keeps_its_three_runs_when_migrated() {
    let Some(reference) = common::shared_fixture("reference-run") else {
        println!("skipped: ../shared/fixtures/legacy/reference-run is not present");
        return;
    };
    let copy = tempfile::tempdir().unwrap();
    common::copy_tree(&reference, copy.path());
    let (_keep, native) = migrate(copy.path());
    let report = assert_same_time_forensics(copy.path(), &native);
    assert_eq!(
        kinds(&report["segments"]),
        ["first_pulse", "known_start", "known_start"]
    );
}

/// A generated ledger with four starts, one of them then struck from the
/// start log (so a run boundary is no longer known), and a pulse appended
/// a week after the last one on the wall clock but only an hour after it
/// on the monotonic clock (a clock step and a gap the checks report; the
/// clocks are given, never this machine's, whose uptime could make it a
/// counter reset instead): segments and anomalies that differ from the
/// plain sample's, and must still be the same on both sides.
#[test]
fn a_generated_ledger_with_restarts_and_anomalies_keeps_them_when_migrated() {
    let legacy = tempfile::tempdir().unwrap();
    let spec = iss_workstation::ledger::legacy::write::sample::SampleSpec {
        restarts: 4,
        ..Default::default()
    };
    iss_workstation::ledger::legacy::write::sample::write_sample_ledger(legacy.path(), &spec)
        .unwrap();
    edit_lines(&find_file(legacy.path(), "forensic_audit.log"), |lines| {
        lines.remove(1);
    });
    let last: Value = serde_json::from_str(
        read_lines(&find_file(legacy.path(), "glyph_chain.jsonl"))
            .last()
            .unwrap(),
    )
    .unwrap();
    let week_later = last["utc_unix"].as_f64().unwrap() + 7.0 * 86_400.0;
    let hour_later = last["tai_ns"].as_u64().unwrap() + 3_600_000_000_000;
    let at = iss_workstation::time::civil::iso_from_micros((week_later * 1e6).round() as i64);
    common::iss_stdout_at(
        &common::clock_at(&at, hour_later),
        &["append", "pulse"],
        legacy.path(),
        &[],
        0,
    );
    let (_keep, native) = migrate(legacy.path());
    let report = assert_same_time_forensics(legacy.path(), &native);
    assert_eq!(
        kinds(&report["segments"]),
        ["first_pulse", "known_start", "known_start"]
    );
    let kinds_at_the_new_pulse: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds_at_the_new_pulse,
        ["CLOCK_STEP", "TIME_GAP"],
        "the appended pulse is a clock step and a gap: {report:#}"
    );
}

#[test]
fn editing_or_removing_the_migrated_start_log_is_a_violation() {
    let legacy = generated_ledger(7);
    let (_keep, native) = migrate(legacy.path());
    let events = native.join("events.jsonl");
    let pristine = read_lines(&events);
    assert_eq!(pristine.len(), 4, "genesis and three starts");

    // Move the second start by a second: its hash no longer matches.
    edit_lines(&events, |lines| {
        let at = lines[2].find("T09:").expect("a start time") + 7;
        lines[2].replace_range(at..=at, "9");
    });
    let report = iss_json(&["verify", "--json"], &native, 1);
    let text = report.to_string();
    assert!(text.contains("HASH_MISMATCH"), "{report:#}");

    // Remove it instead: the chain breaks.
    std::fs::write(&events, pristine.join("\n") + "\n").unwrap();
    edit_lines(&events, |lines| {
        lines.remove(2);
    });
    let report = iss_json(&["verify", "--json"], &native, 1);
    assert!(report.to_string().contains("CHAIN_BREAK"), "{report:#}");
}

#[test]
fn a_native_pulse_after_the_migration_starts_a_run() {
    let legacy = generated_ledger(7);
    let (_keep, native) = migrate(legacy.path());
    let migrated = read_lines(&native.join("pulses.jsonl")).len() as u64;
    let before = iss_json(&["report", "time", "--json"], &native, 0);
    // Two pulses a second apart on both clocks, in one boot (a fixed
    // clock's: never this machine's).
    for (at, mono_ns) in [
        ("2026-12-01T09:00:00Z", 3_600_000_000_000),
        ("2026-12-01T09:00:01Z", 3_601_000_000_000),
    ] {
        common::iss_stdout_at(
            &common::clock_at(at, mono_ns),
            &["append", "pulse"],
            &native,
            &[],
            0,
        );
    }
    let after = iss_json(&["report", "time", "--json"], &native, 0);
    let segments = after["segments"].as_array().unwrap();
    assert_eq!(
        segments[..segments.len() - 1],
        before["segments"].as_array().unwrap()[..]
    );
    let last = segments.last().unwrap();
    assert_eq!(last["start"]["kind"], "after_migration");
    assert_eq!(last["first_line"], migrated + 1);
    assert_eq!(last["pulses"], 2);
    // The writer changed, so the monotonic clocks are not compared across
    // the boundary: no restart, step or gap is reported there (only a wall
    // clock behind the last legacy pulse would be, as TIME_BACKWARDS).
    for f in after["findings"].as_array().unwrap() {
        assert!(
            f["line"].as_u64().unwrap() <= migrated || f["kind"] == "TIME_BACKWARDS",
            "{f:#}"
        );
    }
}
