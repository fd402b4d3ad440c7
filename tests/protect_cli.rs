//! Invariant: `iss protect` sets only the append-only attribute (never
//! immutable), appends still work under it, rewrites do not, and
//! `iss verify` reports each file's attribute; where the environment does
//! not permit setting it, the refusal is clear and per file.

mod common;

use assert_cmd::Command;
use common::generated_ledger;
use std::fs;
use std::path::Path;

/// `iss`, with a fixed clock (never the machine's) for the commands that
/// record the time.
fn iss() -> Command {
    common::iss_cmd()
}

fn protect(root: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let out = iss()
        .args(["protect", "--json"])
        .args(extra)
        .arg(root)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).expect("one JSON document");
    (out.status.code().unwrap(), doc)
}

fn attributes(root: &Path) -> Vec<serde_json::Value> {
    let out = iss().args(["verify", "--json"]).arg(root).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["os_attribute"].clone())
        .collect()
}

/// Clears the append-only attribute when dropped, so a failing test still
/// leaves a removable tempdir.
struct Clear<'a>(&'a Path);

impl Drop for Clear<'_> {
    fn drop(&mut self) {
        let _ = common::iss_cmd()
            .args(["protect", "--clear"])
            .arg(self.0)
            .output();
    }
}

#[test]
fn verify_reports_every_files_attribute() {
    let dir = generated_ledger(51);
    let attrs = attributes(dir.path());
    assert_eq!(attrs.len(), 5);
    for a in attrs {
        match a["state"].as_str() {
            Some("none") => assert!(a.get("reason").is_none()),
            Some("unknown") => assert!(a["reason"].as_str().is_some_and(|r| !r.is_empty())),
            other => panic!("a fresh file is neither append-only nor immutable: {other:?}"),
        }
    }
    let text = iss().arg("verify").arg(dir.path()).output().unwrap().stdout;
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("OS protection"), "{text}");
}

#[test]
fn protected_ledger_takes_appends_and_refuses_rewrites() {
    let dir = generated_ledger(52);
    let (code, doc) = protect(dir.path(), &[]);
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 5);
    if code != 0 {
        // Not permitted here (no CAP_LINUX_IMMUTABLE, or a file system
        // without attributes): every file must say which and why.
        for f in files {
            let outcome = f["outcome"].as_str().unwrap();
            assert!(["not_permitted", "unsupported"].contains(&outcome), "{f}");
            assert!(!f["reason"].as_str().unwrap().is_empty());
        }
        println!(
            "could not check appends under append-only: setting it is not permitted here: {}",
            files[0]["reason"]
        );
        return;
    }
    assert!(files.iter().all(|f| f["outcome"] == "changed"), "{doc}");
    // Whatever happens below, clear the flag so the tempdir can be removed.
    let _clear = Clear(dir.path());

    assert!(
        attributes(dir.path())
            .iter()
            .all(|a| a["state"] == "append_only")
    );
    let (again, doc) = protect(dir.path(), &[]);
    assert_eq!(again, 0);
    assert!(
        doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["outcome"] == "unchanged")
    );

    let chain = dir.path().join("logs/forensic_logs/glyph_chain.jsonl");
    let before = fs::read(&chain).unwrap();
    iss()
        .args(["append", "pulse"])
        .arg(dir.path())
        .assert()
        .code(0);
    let after = fs::read(&chain).unwrap();
    assert!(after.len() > before.len() && after.starts_with(&before));
    // The kernel refuses a rewrite, even by the owner (root here).
    let err = fs::write(&chain, b"{}\n").expect_err("a rewrite of an append-only file");
    assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
    assert_eq!(fs::read(&chain).unwrap(), after);
    iss().arg("verify").arg(dir.path()).assert().code(0);

    let (code, doc) = protect(dir.path(), &["--clear"]);
    assert_eq!(code, 0, "{doc}");
    assert!(attributes(dir.path()).iter().all(|a| a["state"] == "none"));
}
