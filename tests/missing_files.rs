//! Invariant: a file whose existence the other files prove is reported
//! missing as a violation (`MISSING_FILE`, on the file that proves it),
//! never a clean verdict; a file nothing requires stays "not found" and
//! the verdict unchanged (issue 10, item 3). The "Missing files" table of
//! docs/FINDINGS.md is the rule; each row is a test here.

mod common;

use serde_json::Value;
use std::fs;
use std::path::Path;

/// (file, kind, line) of every finding, and the exit code.
fn verdict(ledger: &Path, code: i32) -> (Value, Vec<common::Spot>) {
    let v = common::iss_json(&["verify", "--json"], ledger, code);
    (v, common::spots(ledger))
}

fn missing_row(v: &Value, name: &str) -> Value {
    v["missing"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("{name} is not listed missing: {v}"))
}

#[test]
fn removing_the_manifest_beside_a_chain_with_records_is_a_violation() {
    let dir = common::generated_ledger(91);
    fs::remove_file(dir.path().join("data/spice_layer/integrity_manifest.jsonl")).unwrap();
    let (v, spots) = verdict(dir.path(), 1);
    assert_eq!(v["status"], "violated");
    assert_eq!(
        spots,
        vec![("spice_chain".to_owned(), "MISSING_FILE".to_owned(), None)]
    );
    assert_eq!(missing_row(&v, "integrity_manifest")["required"], true);
    let text = common::iss_stdout(&["verify"], dir.path(), &[], 1);
    assert!(
        text.contains("VIOLATED") && text.contains("✘ missing"),
        "{text}"
    );
    assert!(
        text.contains("the manifest existed and was removed"),
        "the finding says what the absence means: {text}"
    );
}

#[test]
fn removing_the_manifest_of_a_ledger_without_descriptors_is_still_a_violation() {
    // Each service start writes a binding to the constitutional log and a
    // line to the manifest.
    let dir = tempfile::tempdir().unwrap();
    common::iss_stdout(
        &["sample"],
        dir.path(),
        &["--descriptors", "0", "--force"],
        0,
    );
    let (v, _) = verdict(dir.path(), 0);
    assert_eq!(v["status"], "clean", "a new ledger is clean: {v}");
    fs::remove_file(dir.path().join("data/spice_layer/integrity_manifest.jsonl")).unwrap();
    let (_, spots) = verdict(dir.path(), 1);
    assert!(
        spots.contains(&(
            "constitutional_log".to_owned(),
            "MISSING_FILE".to_owned(),
            None
        )),
        "{spots:?}"
    );
}

#[test]
fn removing_the_chain_the_manifest_attests_is_a_violation_not_a_truncation() {
    let dir = common::generated_ledger(92);
    fs::remove_file(dir.path().join("data/spice_layer/spice_chain.jsonl")).unwrap();
    let (v, spots) = verdict(dir.path(), 1);
    let manifest_lines =
        common::read_lines(&dir.path().join("data/spice_layer/integrity_manifest.jsonl")).len();
    assert_eq!(
        spots,
        vec![(
            "integrity_manifest".to_owned(),
            "MISSING_FILE".to_owned(),
            Some(manifest_lines as u64)
        )],
        "one finding, at the line that attests the most records"
    );
    assert_eq!(missing_row(&v, "spice_chain")["required"], true);
}

#[test]
fn removing_the_constitutional_log_the_manifest_records_is_a_violation() {
    let dir = common::generated_ledger(93);
    fs::remove_file(dir.path().join("data/spice_layer/constitutional_log.jsonl")).unwrap();
    let (_, spots) = verdict(dir.path(), 1);
    assert_eq!(
        spots,
        vec![(
            "integrity_manifest".to_owned(),
            "MISSING_FILE".to_owned(),
            Some(1)
        )],
        "on the manifest's first binding line"
    );
}

#[test]
fn removing_the_start_log_beside_pulses_is_a_violation() {
    let dir = common::generated_ledger(94);
    fs::remove_file(dir.path().join("logs/forensic_logs/forensic_audit.log")).unwrap();
    let (_, spots) = verdict(dir.path(), 1);
    assert!(
        spots.contains(&("glyph_chain".to_owned(), "MISSING_FILE".to_owned(), None)),
        "{spots:?}"
    );
    assert!(
        spots
            .iter()
            .all(|s| s.1 != "MISSING_FILE" || s.0 == "glyph_chain")
    );
}

#[test]
fn a_ledger_without_its_pulse_chain_or_time_logs_is_not_a_violation() {
    // A time keeper that started need not have issued a pulse; a copy of
    // the SPICE layer alone is a whole SPICE layer.
    let dir = common::generated_ledger(95);
    fs::remove_file(dir.path().join("logs/forensic_logs/glyph_chain.jsonl")).unwrap();
    let (v, _) = verdict(dir.path(), 0);
    assert_eq!(v["status"], "clean");
    assert_eq!(missing_row(&v, "glyph_chain")["required"], false);
    fs::remove_dir_all(dir.path().join("logs")).unwrap();
    let (v, spots) = verdict(dir.path(), 0);
    assert_eq!(v["status"], "clean", "{spots:?}");
    assert_eq!(missing_row(&v, "forensic_audit")["required"], false);
}

#[test]
fn a_file_given_on_its_own_requires_nothing_beside_it() {
    let dir = common::generated_ledger(96);
    let (v, _) = verdict(&dir.path().join("data/spice_layer/spice_chain.jsonl"), 0);
    assert_eq!(v["status"], "clean");
}

#[test]
fn the_shared_fixtures_still_open_as_before() {
    // The hash-less v1 layout (no manifest, no time logs) and the legacy
    // service's reference run.
    if let Some(sample) = common::shared_fixture("repo-sample") {
        let (v, spots) = verdict(&sample, 0);
        assert_eq!(v["status"], "clean");
        assert!(spots.iter().all(|s| s.1 != "MISSING_FILE"), "{spots:?}");
        assert_eq!(v["missing"], serde_json::json!([]));
    }
    if let Some(run) = common::shared_fixture("reference-run") {
        let (v, spots) = verdict(&run, 0);
        assert_eq!(v["status"], "clean");
        assert!(spots.is_empty(), "{spots:?}");
    }
}

/// A native ledger with records in every chain: (its temporary folder, the ledger).
fn native_ledger() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let legacy = tmp.path().join("legacy");
    common::Genuine::Generated(97).materialise(&legacy);
    let ledger = tmp.path().join("native");
    common::iss_stdout(
        &["migrate"],
        &legacy,
        &[ledger.to_str().unwrap(), "--origin", "iss.test/missing"],
        0,
    );
    (tmp, ledger)
}

#[test]
fn removing_any_native_chain_is_a_violation_on_that_chain() {
    for chain in ["descriptors", "pulses", "events"] {
        let (_tmp, ledger) = native_ledger();
        assert_eq!(verdict(&ledger, 0).0["status"], "clean");
        fs::remove_file(ledger.join(format!("{chain}.jsonl"))).unwrap();
        let (v, _) = verdict(&ledger, 1);
        assert_eq!(v["status"], "violated");
        // As `iss verify --json` reports it: one MISSING_FILE on the chain,
        // and not a TRUNCATED as well.
        let kinds: Vec<(String, String)> = v["files"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| {
                f["findings"].as_array().unwrap().iter().map(move |x| {
                    (
                        f["name"].as_str().unwrap().to_owned(),
                        x["kind"].as_str().unwrap().to_owned(),
                    )
                })
            })
            .collect();
        assert_eq!(
            kinds,
            vec![(chain.to_owned(), "MISSING_FILE".to_owned())],
            "{chain}"
        );
    }
}

#[test]
fn removing_the_native_metadata_is_a_violation_not_an_unknown_folder() {
    let (_tmp, ledger) = native_ledger();
    fs::remove_file(ledger.join("iss-ledger.json")).unwrap();
    let (v, spots) = verdict(&ledger, 1);
    assert_eq!(v["format"], "iss-native-v1");
    assert!(
        spots.contains(&(
            "native_metadata".to_owned(),
            "MISSING_FILE".to_owned(),
            None
        )),
        "{spots:?}"
    );
}

#[test]
fn removing_a_native_checkpoint_history_is_a_violation_and_the_latest_file_a_lag() {
    let (_tmp, ledger) = native_ledger();
    fs::remove_file(ledger.join("descriptors.jsonl.checkpoint")).unwrap();
    let (v, spots) = verdict(&ledger, 0);
    assert_eq!(v["status"], "clean");
    assert_eq!(
        spots,
        vec![(
            "descriptors_checkpoints".to_owned(),
            "CHECKPOINT_LAG".to_owned(),
            None
        )]
    );
    fs::remove_file(ledger.join("descriptors.jsonl.checkpoints")).unwrap();
    let (_, spots) = verdict(&ledger, 1);
    assert_eq!(
        spots,
        vec![(
            "descriptors_checkpoints".to_owned(),
            "CHECKPOINT_MISMATCH".to_owned(),
            None
        )]
    );
}

#[test]
fn emptying_the_manifest_beside_a_chain_with_records_is_a_violation() {
    // Without the constitutional log, nothing else in the ledger
    // disagrees with an emptied manifest: it used to verify clean.
    let dir = common::generated_ledger(98);
    fs::write(
        dir.path().join("data/spice_layer/integrity_manifest.jsonl"),
        "",
    )
    .unwrap();
    fs::remove_file(dir.path().join("data/spice_layer/constitutional_log.jsonl")).unwrap();
    let (v, spots) = verdict(dir.path(), 1);
    assert_eq!(v["status"], "violated");
    assert_eq!(
        spots,
        vec![(
            "integrity_manifest".to_owned(),
            "MANIFEST_MISMATCH".to_owned(),
            None
        )]
    );
}
