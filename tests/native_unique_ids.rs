//! A descriptor id names one record of a native ledger (`docs/FORMAT.md`
//! §4.3 rule 5), as in a legacy one: `iss append descriptor` refuses a
//! taken id (one record, a batch, a repeat inside the batch) with nothing
//! written; a ledger another program wrote with a repeated id is reported
//! by `iss verify` as `DUPLICATE_ID`, with both lines.

mod common;

use common::{Spot, forge, read_lines, spot, spots, write_lines};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn descriptor(id: &str) -> String {
    serde_json::json!({
        "descriptor_id": id,
        "process_name": "ENG.1",
        "process_version": "1.0",
        "capability_level": 2,
        "process_outcome": "compliant",
        "compliance_score": 0.5,
        "assessed_by": "alice",
        "assessment_method": "interview",
        "evidence_required": [],
        "evidence_provided": [],
    })
    .to_string()
}

/// `iss append descriptor LEDGER [--batch] --key KEY` with `input` on
/// standard input: (exit code, stdout + stderr).
fn append(dir: &Path, key: &Path, batch: bool, input: &str) -> (i32, String) {
    let mut cmd = common::iss_cmd();
    cmd.args(["append", "descriptor"]).arg(dir);
    if batch {
        cmd.arg("--batch");
    }
    let out = cmd
        .arg("--key")
        .arg(key)
        .write_stdin(input.to_owned())
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Every file of the ledger with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let b = fs::read(&p).unwrap();
            (p, b)
        })
        .collect()
}

#[test]
fn a_taken_descriptor_id_is_refused_and_nothing_is_written() {
    let led = common::new_native("iss.test/ids", false);
    let (dir, key) = (&led.dir, &led.key);
    assert_eq!(
        append(dir, key, false, &descriptor("0123456789abcdef")).0,
        0
    );
    let before = files(dir);

    // The same id again, alone.
    let (code, out) = append(dir, key, false, &descriptor("0123456789abcdef"));
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("DUPLICATE_ID")
            && out.contains("\"0123456789abcdef\"")
            && out.contains("descriptors.jsonl line 1")
            && out.contains("nothing was written"),
        "{out}"
    );
    assert_eq!(files(dir), before, "byte for byte unchanged");

    // In a batch, after a fresh id: the whole batch is refused.
    let batch = format!(
        "{}\n{}\n",
        descriptor("00000000000000aa"),
        descriptor("0123456789abcdef")
    );
    let (code, out) = append(dir, key, true, &batch);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("record 2: DUPLICATE_ID"), "{out}");
    assert_eq!(files(dir), before);

    // Twice within one batch.
    let batch = format!(
        "{}\n{}\n{}\n",
        descriptor("00000000000000bb"),
        descriptor("00000000000000cc"),
        descriptor("00000000000000bb")
    );
    let (code, out) = append(dir, key, true, &batch);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("record 3: DUPLICATE_ID") && out.contains("record 1 of this batch"),
        "{out}"
    );
    assert_eq!(files(dir), before);

    // A fresh id still goes in, and the lookup by id finds one record.
    assert_eq!(
        append(dir, key, false, &descriptor("00000000000000bb")).0,
        0
    );
    assert_eq!(spots(dir), Vec::<Spot>::new());
    common::iss_cmd()
        .args(["audit"])
        .arg(dir)
        .arg("0123456789abcdef")
        .assert()
        .code(0);
}

/// Another program appended a record (its hash right, signed even) that
/// reuses an id: `iss verify` names both lines, and no write goes on top.
#[test]
fn a_repeated_id_written_by_other_code_is_a_violation_naming_both_lines() {
    let led = common::new_native("iss.test/ids", false);
    let (dir, key) = (&led.dir, &led.key);
    for id in ["0000000000000001", "0000000000000002", "0000000000000003"] {
        assert_eq!(append(dir, key, false, &descriptor(id)).0, 0);
    }
    let path = dir.join("descriptors.jsonl");
    let mut bodies = forge::bodies(&read_lines(&path));
    bodies.push(bodies[1].replacen("\"alice\"", "\"bob\"", 1));
    let lines = forge::rechain("descriptors", &bodies);
    write_lines(&path, &lines);
    let signer = iss_workstation::ledger::native::secret::read_signer(key).unwrap();
    forge::push_history(
        dir,
        "descriptors",
        &[forge::entry(
            "iss.test/ids",
            "descriptors",
            &lines,
            4,
            &[&signer],
        )],
    );
    assert_eq!(spots(dir), vec![spot("descriptors", "DUPLICATE_ID", 4)]);

    let out = common::iss_cmd()
        .args(["verify", "--json"])
        .arg(dir)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let d = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "descriptors")
        .unwrap();
    let f = &d["findings"][0];
    assert_eq!(f["kind"], "DUPLICATE_ID");
    assert_eq!(
        (f["line"].as_u64(), f["record_id"].as_str()),
        (Some(4), Some("3"))
    );
    assert_eq!(f["found"], "0000000000000002 (first at line 2)");
    assert_eq!(
        (&f["related"]["file"], &f["related"]["first_line"]),
        (
            &serde_json::Value::from("descriptors"),
            &serde_json::Value::from(2)
        )
    );
    assert!(
        d["coverage"]["checked"]
            .as_array()
            .unwrap()
            .contains(&serde_json::Value::from("no descriptor_id used twice")),
        "{d}"
    );

    let (code, out) = append(dir, key, false, &descriptor("0000000000000009"));
    assert_eq!(code, 1, "a violated ledger takes no write: {out}");
    assert!(out.contains("DUPLICATE_ID"), "{out}");
}
