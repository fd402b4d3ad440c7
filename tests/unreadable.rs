//! Invariant: a file that cannot be read is never evidence of tampering.
//! Every file of a legacy and of a native ledger, made unreadable to the
//! user who verifies (mode 000, verified as `nobody`), gives status
//! `incomplete`, one `UNREADABLE` finding that names the file and the OS
//! error, exit 2, and no violation; in `iss verify` (text and JSON) and
//! `iss watch` alike. A real violation beside an unreadable file is still
//! a violation (exit 1). (Issue 10, item 2.)

mod common;

use common::unprivileged::{self, Runner, Unreadable};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::Path;

/// `iss verify --json LEDGER` without privileges: (exit code, report).
fn verify_json(run: &Runner, ledger: &Path) -> (i32, Value) {
    let out = run.iss(&[
        OsStr::new("verify"),
        OsStr::new("--json"),
        ledger.as_os_str(),
    ]);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not one JSON document ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), v)
}

/// Every finding as (file, kind, severity, found).
fn findings(v: &Value) -> Vec<(String, String, String, String)> {
    v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            f["findings"].as_array().unwrap().iter().map(move |x| {
                (
                    f["name"].as_str().unwrap().to_owned(),
                    x["kind"].as_str().unwrap().to_owned(),
                    x["severity"].as_str().unwrap().to_owned(),
                    x["found"].as_str().unwrap_or("").to_owned(),
                )
            })
        })
        .collect()
}

/// `file` (of report `name`) unreadable: incomplete, exit 2, one
/// UNREADABLE finding naming it and the OS error, no violation; the same
/// in the text output and in `iss watch`.
fn assert_incomplete(run: &Runner, ledger: &Path, file: &Path, name: &str) {
    let _guard = Unreadable::new(file);
    let (code, v) = verify_json(run, ledger);
    let all = findings(&v);
    assert_eq!(code, 2, "{}: {all:?}", file.display());
    assert_eq!(v["status"], "incomplete", "{}: {all:?}", file.display());
    let violations: Vec<_> = all.iter().filter(|f| f.2 == "violation").collect();
    assert!(violations.is_empty(), "{}: {violations:?}", file.display());
    let unreadable: Vec<_> = all.iter().filter(|f| f.1 == "UNREADABLE").collect();
    assert_eq!(unreadable.len(), 1, "{}: {all:?}", file.display());
    let (on, _, severity, found) = unreadable[0];
    assert_eq!((on.as_str(), severity.as_str()), (name, "incomplete"));
    assert!(found.contains("Permission denied"), "{found}");
    let detail = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap())
        .find(|f| f["kind"] == "UNREADABLE")
        .unwrap()["detail"]
        .to_string();
    let file_name = file.file_name().unwrap().to_str().unwrap();
    assert!(detail.contains(file_name), "{detail}");

    let text = run.iss(&[OsStr::new("verify"), ledger.as_os_str()]);
    let text_out = String::from_utf8_lossy(&text.stdout);
    assert_eq!(text.status.code(), Some(2));
    assert!(
        text_out.contains("INCOMPLETE") && text_out.contains("UNREADABLE"),
        "{text_out}"
    );
    assert!(!text_out.contains("VIOLATED"), "{text_out}");

    let watch = run.iss(&[
        OsStr::new("watch"),
        ledger.as_os_str(),
        OsStr::new("--max-events"),
        OsStr::new("1"),
        OsStr::new("--timeout"),
        OsStr::new("60"),
    ]);
    let watch_out = String::from_utf8_lossy(&watch.stdout);
    let watch_err = String::from_utf8_lossy(&watch.stderr);
    assert_eq!(
        watch.status.code(),
        Some(2),
        "{}: {watch_out}{watch_err}",
        file.display()
    );
    assert!(
        watch_out.contains("INCOMPLETE") && watch_out.contains(&format!("UNREADABLE {name}")),
        "{}: {watch_out}{watch_err}",
        file.display()
    );
}

#[test]
fn every_unreadable_legacy_file_makes_the_verdict_incomplete_not_violated() {
    let dir = common::generated_ledger(71);
    unprivileged::open_to_all(dir.path());
    let ledger = dir.path();
    let Some(run) = Runner::new() else {
        return;
    };
    let (code, v) = verify_json(&run, ledger);
    assert_eq!((code, v["status"].as_str()), (0, Some("clean")), "{v}");
    for (rel, name) in [
        ("data/spice_layer/spice_chain.jsonl", "spice_chain"),
        (
            "data/spice_layer/integrity_manifest.jsonl",
            "integrity_manifest",
        ),
        (
            "data/spice_layer/constitutional_log.jsonl",
            "constitutional_log",
        ),
        ("logs/forensic_logs/glyph_chain.jsonl", "glyph_chain"),
        ("logs/forensic_logs/forensic_audit.log", "forensic_audit"),
    ] {
        assert_incomplete(&run, ledger, &ledger.join(rel), name);
    }
}

#[test]
fn every_unreadable_native_file_makes_the_verdict_incomplete_not_violated() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger");
    common::iss_stdout(&["init"], &ledger, &["--origin", "iss.test/unreadable"], 0);
    let d = dir.path().join("d.json");
    std::fs::write(&d, native_descriptor()).unwrap();
    for _ in 0..3 {
        common::iss_stdout(
            &["append", "descriptor"],
            &ledger,
            &["--file", d.to_str().unwrap()],
            0,
        );
    }
    common::iss_stdout(
        &["append", "pulse"],
        &ledger,
        &[
            "--at",
            "2026-11-27T10:00:00.250000Z",
            "--mono-ns",
            "5000000000",
        ],
        0,
    );
    unprivileged::open_to_all(dir.path());
    let Some(run) = Runner::new() else {
        return;
    };
    let (code, v) = verify_json(&run, &ledger);
    assert_eq!((code, v["status"].as_str()), (0, Some("clean")), "{v}");
    let mut files = vec![("iss-ledger.json".to_owned(), "native_metadata".to_owned())];
    for chain in ["descriptors", "pulses", "events"] {
        files.push((format!("{chain}.jsonl"), chain.to_owned()));
        files.push((
            format!("{chain}.jsonl.checkpoints"),
            format!("{chain}_checkpoints"),
        ));
        // Findings about the latest file are on the history's report.
        files.push((
            format!("{chain}.jsonl.checkpoint"),
            format!("{chain}_checkpoints"),
        ));
    }
    for (file, name) in files {
        assert_incomplete(&run, &ledger, &ledger.join(&file), &name);
    }
}

#[test]
fn a_violation_read_beside_an_unreadable_file_is_still_a_violation() {
    let dir = common::generated_ledger(72);
    let chain = dir.path().join("data/spice_layer/spice_chain.jsonl");
    let mut lines = common::read_lines(&chain);
    lines[4] = lines[4].replacen("\"process_name\":\"", "\"process_name\":\"X", 1);
    common::write_lines(&chain, &lines);
    unprivileged::open_to_all(dir.path());
    let pulses = dir.path().join("logs/forensic_logs/glyph_chain.jsonl");
    let _guard = Unreadable::new(&pulses);
    let Some(run) = Runner::new() else {
        return;
    };
    let (code, v) = verify_json(&run, dir.path());
    assert_eq!(code, 1);
    assert_eq!(v["status"], "violated");
    let all = findings(&v);
    assert!(
        all.iter()
            .any(|f| f.0 == "spice_chain" && f.1 == "HASH_MISMATCH"),
        "{all:?}"
    );
    assert!(
        all.iter()
            .any(|f| f.0 == "glyph_chain" && f.1 == "UNREADABLE"),
        "{all:?}"
    );
}

#[test]
fn an_unreadable_v1_descriptor_file_is_not_compared_with_its_index() {
    let Some(sample) = common::shared_fixture("repo-sample") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&sample, dir.path());
    unprivileged::open_to_all(dir.path());
    let file = dir.path().join("spice_layer_v1/spice_descriptors.jsonl");
    let _guard = Unreadable::new(&file);
    let Some(run) = Runner::new() else {
        return;
    };
    let (code, v) = verify_json(&run, dir.path());
    let all = findings(&v);
    assert_eq!(
        (code, v["status"].as_str()),
        (2, Some("incomplete")),
        "{all:?}"
    );
    assert!(
        !all.iter().any(|f| f.1 == "INDEX_MISMATCH"),
        "the index is not compared with a file that was not read: {all:?}"
    );
}

/// A descriptor as `iss append descriptor` takes it.
fn native_descriptor() -> String {
    serde_json::json!({
        "process_name": "Incident_Response",
        "process_version": "1.1.0",
        "capability_level": 2,
        "process_outcome": "compliant",
        "compliance_score": 0.5,
        "apriori_refs": [],
        "aposteriori_refs": [],
        "glyph_range_start": "a",
        "glyph_range_end": "b",
        "glyph_count": 1,
        "evidence_required": [],
        "evidence_provided": [],
        "assessed_by": "alice",
        "assessment_method": "review",
        "active_constraints": []
    })
    .to_string()
}

#[test]
fn every_read_command_exits_2_on_a_ledger_it_could_not_read_whole() {
    let dir = common::generated_ledger(73);
    let out = tempfile::tempdir().unwrap();
    unprivileged::open_to_all(dir.path());
    std::fs::set_permissions(
        out.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    let manifest = dir.path().join("data/spice_layer/integrity_manifest.jsonl");
    let _guard = Unreadable::new(&manifest);
    let bundle = out.path().join("bundle.json");
    let Some(runner) = Runner::new() else {
        return;
    };
    let ledger = dir.path().as_os_str();
    let o = OsStr::new;
    for args in [
        vec![o("verify"), ledger],
        vec![o("health"), ledger],
        vec![o("health"), o("--json"), ledger],
        vec![o("refs"), ledger],
        vec![o("find"), ledger],
        vec![o("report"), o("maturity"), ledger],
        vec![o("export"), ledger, o("--out"), bundle.as_os_str()],
    ] {
        let run = runner.iss(&args);
        assert_eq!(
            run.status.code(),
            Some(2),
            "iss {args:?}: incomplete is exit 2, not 1: {}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
}
