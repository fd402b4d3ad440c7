//! Invariant: every analysis command reads a native ledger as it reads a
//! legacy one — the same data in both formats gives the same numbers — and
//! counts only records that verified: a tampered native record is excluded
//! with its finding, together with the records a broken signature can no
//! longer vouch for.

mod common;

use common::{generated_ledger, iss_json, iss_stdout, read_lines, write_lines};
use iss_workstation::analysis::maturity::Inclusion;
use iss_workstation::analysis::records::Exclusions;
use iss_workstation::ledger::legacy::write::append::NewDescriptor;
use iss_workstation::ledger::native::secret::{MacKey, read_signer};
use iss_workstation::ledger::native::write::NativeWriter;
use iss_workstation::ledger::native::write::descriptors::append_descriptors;
use iss_workstation::ledger::verify::{VerifyOptions, verify_path};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A generated legacy ledger and its migration into a native one.
struct Pair {
    _tmp: tempfile::TempDir,
    legacy: tempfile::TempDir,
    native: PathBuf,
}

fn migrated(seed: u64) -> Pair {
    let legacy = generated_ledger(seed);
    let tmp = tempfile::tempdir().unwrap();
    let native = tmp.path().join("native");
    let out = iss_stdout(&["migrate"], legacy.path(), &[native.to_str().unwrap()], 0);
    assert!(!out.is_empty());
    Pair {
        _tmp: tmp,
        legacy,
        native,
    }
}

/// A native ledger written through the library: 8 descriptors, checkpoints
/// at 3 and 6, optionally keyed; `ratings` on the descriptors that have some.
struct Native {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    mac: Option<PathBuf>,
}

fn descriptor(n: u64, level: u64, ratings: Option<Value>) -> NewDescriptor {
    let mut v = json!({
        "process_name": format!("ENG.{}", n % 3),
        "process_version": "1.0",
        "capability_level": level,
        "process_outcome": "compliant",
        "compliance_score": 0.9,
        "assessed_by": format!("assessor{n}"),
        "assessment_method": "interview",
        "evidence_required": ["plan"],
        "evidence_provided": ["plan"],
        "apriori_refs": ["apriori:two_person_rule"],
    });
    if let Some(r) = ratings {
        v["attribute_ratings"] = r;
    }
    serde_json::from_value(v).unwrap()
}

fn native(keyed: bool, inputs: Vec<NewDescriptor>) -> Native {
    let common::NewNative { tmp, dir, key, mac } = common::new_native("iss.test/analysis", keyed);
    let mac_key = mac.as_deref().map(|p| MacKey::read(p).unwrap());
    let mut w = NativeWriter::open(&dir, Some(read_signer(&key).unwrap()), mac_key).unwrap();
    let t0 = 1_790_000_000_000_000;
    let mut inputs = inputs.into_iter();
    for (i, (n, cp)) in [(0i64, (3, true)), (1, (3, true)), (2, (usize::MAX, false))] {
        let batch: Vec<_> = inputs.by_ref().take(n).collect();
        if batch.is_empty() {
            continue;
        }
        append_descriptors(&mut w, batch, t0 + 10 * i, cp).unwrap();
    }
    Native {
        _tmp: tmp,
        dir,
        mac,
    }
}

fn eight() -> Vec<NewDescriptor> {
    (0..8).map(|n| descriptor(n, 1, None)).collect()
}

fn maturity(path: &Path, code: i32) -> Value {
    iss_json(&["report", "maturity", "--json"], path, code)["maturity"].clone()
}

/// Change a field inside the body of descriptor line `line` (1-based),
/// leaving its hash as it was.
fn tamper(dir: &Path, line: usize) {
    let p = dir.join("descriptors.jsonl");
    let mut lines = read_lines(&p);
    let forged = lines[line - 1].replacen("\"capability_level\":1", "\"capability_level\":5", 1);
    assert_ne!(forged, lines[line - 1]);
    lines[line - 1] = forged;
    write_lines(&p, &lines);
}

#[test]
fn a_migrated_ledger_reports_the_same_maturity_as_its_legacy_source() {
    let pair = migrated(21);
    let legacy = maturity(pair.legacy.path(), 0);
    let native = maturity(&pair.native, 0);
    for section in ["distribution", "processes", "evidence", "inconsistencies"] {
        assert_eq!(legacy[section], native[section], "{section}");
    }
    for part in ["records", "period", "processes", "assessors", "methods"] {
        assert_eq!(legacy["scope"][part], native["scope"][part], "scope.{part}");
    }
    assert_eq!(native["scope"]["records"]["verified"], 40);
    assert_eq!(native["scope"]["dataset"]["format"], "iss-native-v1");
    assert_eq!(legacy["scope"]["dataset"]["format"], "iss-legacy-v2");
    // Every byte of a native record is hashed: nothing the figures rest on is unprotected.
    assert_eq!(
        native["scope"]["field_protection"]["unprotected"],
        json!([])
    );
    assert!(
        !legacy["scope"]["field_protection"]["unprotected"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn every_filter_of_find_and_refs_agree_between_the_formats() {
    let pair = migrated(5);
    // A record that lists both kinds of reference, so every filter has a value.
    let first: Value = read_lines(&pair.native.join("descriptors.jsonl"))
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| {
            let has = |k: &str| !v["body"][k].as_array().unwrap().is_empty();
            has("apriori_refs") && has("aposteriori_refs")
        })
        .unwrap();
    let b = &first["body"];
    let s = |k: &str| b[k].as_str().unwrap().to_owned();
    let level = b["capability_level"].to_string();
    let filters: Vec<Vec<String>> = vec![
        vec!["--process".into(), s("process_name")],
        vec!["--assessor".into(), s("assessed_by")],
        vec!["--level".into(), level],
        vec!["--outcome".into(), s("process_outcome")],
        vec!["--since".into(), s("assessed_at")],
        vec!["--until".into(), s("assessed_at")],
        vec!["--glyph".into(), s("glyph_range_start")],
        vec![
            "--apriori".into(),
            b["apriori_refs"][0].as_str().unwrap().into(),
        ],
        vec![
            "--aposteriori".into(),
            b["aposteriori_refs"][0].as_str().unwrap().into(),
        ],
    ];
    for f in &filters {
        let mut args = vec!["find", "--json", "--limit", "0"];
        args.extend(f.iter().map(String::as_str));
        let legacy = iss_json(&args, pair.legacy.path(), 0);
        let native = iss_json(&args, &pair.native, 0);
        assert!(native["total"].as_u64().unwrap() > 0, "{f:?}");
        assert_eq!(legacy["total"], native["total"], "{f:?}");
        let lines = |v: &Value| -> Vec<u64> {
            v["matches"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["line"].as_u64().unwrap())
                .collect()
        };
        assert_eq!(lines(&legacy), lines(&native), "{f:?}");
        let m = &native["matches"][0];
        assert_eq!(m["status"], "verified");
        assert!(
            m["record"]["descriptor_id"].is_string(),
            "the body, as stored"
        );
        assert_eq!(m["native"]["chain"], "descriptors");
    }
    let legacy = iss_json(&["refs", "--json"], pair.legacy.path(), 0);
    let native = iss_json(&["refs", "--json"], &pair.native, 0);
    for k in [
        "resolved_to_descriptors",
        "resolved_to_pulses",
        "dangling",
        "named",
    ] {
        assert_eq!(legacy[k], native[k], "{k}");
    }
}

#[test]
fn show_and_audit_give_the_native_record_with_its_proof() {
    let led = native(false, eight());
    let line: Value =
        serde_json::from_str(&read_lines(&led.dir.join("descriptors.jsonl"))[1]).unwrap();
    let id = line["body"]["descriptor_id"].as_str().unwrap();
    let show: Value =
        serde_json::from_str(&iss_stdout(&["show", "--json"], &led.dir, &[id], 0)).unwrap();
    assert_eq!(show["match"]["line"], 2);
    assert_eq!(show["match"]["record"], line["body"]);
    assert_eq!(show["match"]["native"]["hash"], line["hash"]);
    assert!(
        show["hash_covers"]
            .as_str()
            .unwrap()
            .starts_with("every byte"),
        "{show}"
    );
    let covered: Vec<&str> = show["protected_fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(covered.contains(&"capability_level") && covered.contains(&"seq"));

    let audit: Value =
        serde_json::from_str(&iss_stdout(&["audit", "--json"], &led.dir, &[id], 0)).unwrap();
    assert_eq!(audit["record"]["status"], "verified");
    assert_eq!(audit["previous"]["line"], 1);
    assert_eq!(audit["next"]["line"], 3);
    assert_eq!(audit["next"]["hash"], read_field(&led.dir, 3, "hash"));
    assert!(audit["attested_by"].is_null());
    assert!(
        audit["no_manifest"]
            .as_str()
            .unwrap()
            .contains("no integrity manifest")
    );
    assert_eq!(audit["inclusion_proof"]["kind"], "inclusion");
    assert_eq!(audit["inclusion_proof"]["index"], 1);
    assert_eq!(audit["inclusion_proof"]["tree_size"], 6);
    assert_eq!(audit["inclusion_check"]["valid"], true);
    // Every record shares the a-priori reference.
    assert_eq!(audit["shares_refs_with"], 7);

    // A record after the newest checkpoint has no proof, and says why.
    let late = read_field_body(&led.dir, 8, "descriptor_id");
    let audit: Value =
        serde_json::from_str(&iss_stdout(&["audit", "--json"], &led.dir, &[&late], 0)).unwrap();
    assert!(audit["inclusion_proof"].is_null());
    assert!(
        audit["inclusion_unavailable"]
            .as_str()
            .unwrap()
            .contains("not covered by the newest checkpoint"),
        "{audit}"
    );
}

fn read_field(dir: &Path, line: usize, field: &str) -> Value {
    let v: Value =
        serde_json::from_str(&read_lines(&dir.join("descriptors.jsonl"))[line - 1]).unwrap();
    v[field].clone()
}

fn read_field_body(dir: &Path, line: usize, field: &str) -> String {
    read_field(dir, line, "body")[field]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_tampered_record_is_excluded_with_the_records_its_checkpoint_vouched_for() {
    let led = native(false, eight());
    let id = read_field_body(&led.dir, 5, "descriptor_id");
    tamper(&led.dir, 5);
    let m = maturity(&led.dir, 1);
    let first = m["scope"]["exclusions"]["first"].as_array().unwrap();
    let excluded: Vec<(u64, &str)> = first
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["reason"].as_str().unwrap()))
        .collect();
    // Line 5's hash no longer matches; the checkpoint of size 6 no longer
    // verifies, and the last that does is of size 3: records 4-6 are no
    // longer vouched for by any signature.
    assert_eq!(
        excluded.iter().map(|e| e.0).collect::<Vec<_>>(),
        vec![4, 5, 6]
    );
    assert_eq!(excluded[1].1, "HASH_MISMATCH at line 5");
    assert!(
        excluded[0]
            .1
            .starts_with("CHECKPOINT_MISMATCH in descriptors_checkpoints"),
        "{excluded:?}"
    );
    assert_eq!(m["scope"]["records"]["verified"], 5);
    assert_eq!(
        m["distribution"]["levels"][5]["count"], 0,
        "the forged level 5 is not counted"
    );

    // The audit trail of the tampered record shows its finding and its verdict.
    let audit: Value =
        serde_json::from_str(&iss_stdout(&["audit", "--json"], &led.dir, &[&id], 1)).unwrap();
    assert_eq!(audit["record"]["status"], "excluded");
    let kinds: Vec<(&str, Option<u64>)> = audit["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap(), f["line"].as_u64()))
        .collect();
    assert!(kinds.contains(&("HASH_MISMATCH", Some(5))), "{kinds:?}");
    assert!(
        kinds.iter().any(|k| k.0 == "CHECKPOINT_MISMATCH"),
        "{kinds:?}"
    );
    let human = iss_stdout(&["audit"], &led.dir, &[&id], 1);
    assert!(human.contains("✘ HASH_MISMATCH line 5"), "{human}");

    // `show` and `find` say the same.
    let show: Value =
        serde_json::from_str(&iss_stdout(&["show", "--json"], &led.dir, &[&id], 1)).unwrap();
    assert_eq!(show["match"]["reason"], "HASH_MISMATCH at line 5");
    let found = iss_json(&["find", "--json", "--level", "5"], &led.dir, 1);
    assert_eq!(found["total"], 1);
    assert_eq!(found["matches"][0]["status"], "excluded");
}

#[test]
fn records_whose_macs_were_checked_stand_on_their_own() {
    let led = native(true, eight());
    tamper(&led.dir, 5);
    let key = MacKey::read(led.mac.as_deref().unwrap()).unwrap();
    let with_key = verify_path(
        &led.dir,
        &VerifyOptions {
            mac_key: Some(key),
            ..VerifyOptions::default()
        },
    )
    .unwrap();
    let ex = Exclusions::from_report(&with_key, "descriptors");
    let verdicts: Vec<bool> = (1..=8)
        .map(|l| ex.status(l) == Inclusion::Verified)
        .collect();
    assert_eq!(
        verdicts,
        [true, true, true, true, false, true, true, true],
        "each MAC vouches for its record"
    );
    let without = verify_path(&led.dir, &VerifyOptions::default()).unwrap();
    let ex = Exclusions::from_report(&without, "descriptors");
    let verdicts: Vec<bool> = (1..=8)
        .map(|l| ex.status(l) == Inclusion::Verified)
        .collect();
    assert_eq!(
        verdicts,
        [true, true, true, false, false, false, true, true]
    );
}

#[test]
fn attribute_ratings_feed_the_33020_rule_and_a_wrong_claim_is_found() {
    let consistent = json!({"PA1.1": "F", "PA2.1": "F", "PA2.2": "F", "PA3.1": "L", "PA3.2": "L"});
    // Claims 3, but PA2.1 and PA2.2 are only L: the rule derives level 2.
    let overclaim = json!({"PA1.1": "F", "PA2.1": "L", "PA2.2": "L", "PA3.1": "F", "PA3.2": "F"});
    let inputs = vec![
        descriptor(0, 3, Some(consistent)),
        descriptor(3, 3, Some(overclaim)),
        descriptor(1, 1, None),
    ];
    let led = native(false, inputs);
    let m = maturity(&led.dir, 0);
    let kinds = m["inconsistencies"]["kinds"].as_array().unwrap();
    let mismatch = kinds
        .iter()
        .find(|k| k["kind"] == "attribute_level_mismatch")
        .unwrap();
    assert_eq!(mismatch["count"], 1, "{mismatch}");
    let shown = &mismatch["shown"][0];
    assert_eq!(shown["line"], 2);
    assert_eq!(shown["found"], "level 3");
    let expected = shown["expected"].as_str().unwrap();
    assert!(
        expected.starts_with("level 2 by the ISO/IEC 33020 rule") && expected.contains("PA2.1 = L"),
        "{expected}"
    );
    // The process view carries the ratings and the derivation.
    let eng0 = m["processes"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["process"] == "ENG.0")
        .unwrap();
    assert_eq!(eng0["attributes"]["derived"]["level"], 2);
    assert_eq!(eng0["attributes"]["claimed_level"], 3);
}

#[test]
fn health_fills_the_last_record_time_and_export_fingerprints_every_native_file() {
    let pair = migrated(9);
    let h = iss_json(&["health", "--json"], &pair.native, 0);
    for name in ["descriptors", "pulses", "events", "native_metadata"] {
        let f = h["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap();
        assert!(f["last_record_time"].is_string(), "{name}: {f}");
    }
    let out = tempfile::tempdir().unwrap();
    let bundle = out.path().join("b.json");
    iss_stdout(
        &["export"],
        &pair.native,
        &["--out", bundle.to_str().unwrap()],
        0,
    );
    let b: Value = serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    let files = b["files"].as_array().unwrap();
    let mut names: Vec<&str> = files.iter().map(|f| f["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        vec![
            "descriptors",
            "descriptors_checkpoints",
            "descriptors_latest_checkpoint",
            "events",
            "events_checkpoints",
            "events_latest_checkpoint",
            "native_metadata",
            "pulses",
            "pulses_checkpoints",
            "pulses_latest_checkpoint",
        ]
    );
    for f in files {
        let bytes = std::fs::read(f["path"].as_str().unwrap()).unwrap();
        assert_eq!(f["sha256"], hex::encode(Sha256::digest(&bytes)), "{f}");
    }
    assert_eq!(b["maturity"]["scope"]["records"]["verified"], 40);
    let pulses = b["verification"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "pulses")
        .unwrap();
    assert_eq!(b["time"]["pulses"], pulses["records"]);
    let md = std::fs::read_to_string(out.path().join("b.md")).unwrap();
    assert!(md.contains("descriptors.jsonl.checkpoint"), "{md}");
}
