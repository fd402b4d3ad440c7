//! Invariant: `iss verify` keeps its interface: exit codes 0/1/2, one JSON
//! document with the documented fields, colour only when asked for.

mod common;

use assert_cmd::Command;
use common::{copy_tree, edit_lines, shared_fixture};
use serde_json::Value;

fn iss() -> Command {
    common::iss_cmd()
}

/// Run `iss verify --json PATH`, expect exit `code`, parse stdout.
fn verify_json(path: &std::path::Path, code: i32) -> Value {
    let out = iss()
        .args(["verify", "--json"])
        .arg(path)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("stdout is one JSON document")
}

#[test]
fn reference_run_verifies_with_the_expected_counts() {
    let Some(path) = shared_fixture("reference-run") else {
        return;
    };
    let v = verify_json(&path, 0);
    assert_eq!(v["status"], "clean");
    assert_eq!(v["format"], "iss-legacy-v2");
    let records: Vec<(String, u64, String)> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["records"].as_u64().unwrap(),
                f["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        records,
        vec![
            ("spice_chain".into(), 105, "verified".into()),
            ("integrity_manifest".into(), 108, "verified".into()),
            ("constitutional_log".into(), 3, "verified".into()),
            ("glyph_chain".into(), 420, "verified".into()),
            ("forensic_audit".into(), 3, "unchained".into()),
        ]
    );
    assert_eq!(v["missing"], Value::Array(vec![]));
}

#[test]
fn json_schema_has_the_documented_fields() {
    let Some(src) = shared_fixture("reference-run") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&src, dir.path());
    edit_lines(
        &dir.path().join("data/spice_layer/spice_chain.jsonl"),
        |l| l[4] = l[4].replacen("\"process_name\":\"", "\"process_name\":\"X", 1),
    );
    let v = verify_json(dir.path(), 1);
    for key in ["ledger", "format", "status", "tool", "files", "missing"] {
        assert!(v.get(key).is_some(), "top-level {key}");
    }
    assert_eq!(v["status"], "violated");
    let file = &v["files"][0];
    for key in [
        "name", "path", "records", "lines", "bytes", "status", "coverage", "findings",
    ] {
        assert!(file.get(key).is_some(), "file {key}");
    }
    for key in [
        "hash_chained",
        "summary",
        "protected_fields",
        "unprotected_fields",
        "checked",
        "not_checked",
    ] {
        assert!(file["coverage"].get(key).is_some(), "coverage {key}");
    }
    let finding = &file["findings"][0];
    assert_eq!(finding["kind"], "HASH_MISMATCH");
    assert_eq!(finding["severity"], "violation");
    assert_eq!(finding["line"], 5);
    for key in ["record_id", "expected", "found", "detail", "offset"] {
        assert!(finding.get(key).is_some(), "finding {key}");
    }
}

#[test]
fn v1_layer_opens_and_is_reported_unchained() {
    let Some(path) = shared_fixture("repo-sample/spice_layer_v1") else {
        return;
    };
    let v = verify_json(&path, 0);
    assert_eq!(v["format"], "iss-legacy-v1");
    assert_eq!(v["files"][0]["name"], "spice_descriptors_v1");
    assert_eq!(v["files"][0]["status"], "unchained");
    assert_eq!(v["files"][0]["records"], 26);
    assert_eq!(v["files"][0]["findings"][0]["kind"], "UNCHAINED");
    assert_eq!(v["files"][0]["findings"][0]["severity"], "warning");
}

#[test]
fn immutable_layer_verifies_clean() {
    let Some(path) = shared_fixture("repo-sample/spice_layer_immutable") else {
        return;
    };
    let v = verify_json(&path, 0);
    assert_eq!(v["status"], "clean");
    let names: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["spice_chain", "integrity_manifest", "constitutional_log"]
    );
    assert!(
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["status"] == "verified")
    );
}

#[test]
fn single_chain_file_is_accepted() {
    let Some(path) = shared_fixture("reference-run/logs/forensic_logs/glyph_chain.jsonl") else {
        return;
    };
    let v = verify_json(&path, 0);
    assert_eq!(v["files"][0]["name"], "glyph_chain");
    assert_eq!(v["files"][0]["records"], 420);
}

#[test]
fn missing_path_is_a_usage_error_with_exit_2() {
    let out = iss()
        .args(["verify", "/definitely/not/here"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("/definitely/not/here"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn unreadable_file_makes_the_result_incomplete() {
    let Some(src) = shared_fixture("reference-run") else {
        return;
    };
    if nix_is_root() {
        eprintln!("skipped: running as root, file permissions do not stop reads");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&src, dir.path());
    let chain = dir.path().join("data/spice_layer/spice_chain.jsonl");
    set_mode(&chain, 0o000);
    let v = verify_json(dir.path(), 2);
    assert_eq!(v["status"], "incomplete");
    assert_eq!(v["files"][0]["status"], "unreadable");
    assert!(
        v["files"][0]["error"]
            .as_str()
            .unwrap()
            .contains("cannot open")
    );
}

#[test]
fn text_output_has_no_colour_when_piped_or_no_color() {
    let Some(path) = shared_fixture("reference-run") else {
        return;
    };
    for envs in [vec![], vec![("NO_COLOR", "1")]] {
        let mut cmd = iss();
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd
            .arg("verify")
            .arg(&path)
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\u{1b}'), "no escape codes");
        assert!(text.contains("✔ CLEAN"));
        assert!(text.contains("Not covered by these checks"));
    }
    let out = iss()
        .env("CLICOLOR_FORCE", "1")
        .arg("verify")
        .arg(&path)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert!(
        String::from_utf8(out).unwrap().contains('\u{1b}'),
        "colour when forced"
    );
}

fn nix_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
