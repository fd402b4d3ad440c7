//! Invariant: each way of tampering with a legacy ledger, applied to a copy
//! of a genuine one, is reported with the right kind at the right line, and
//! nothing else is reported.

mod common;

use common::{Spot, assert_pristine, edit_lines, field, genuine_ledgers, read_lines, spot, spots};
use iss_workstation::ledger::hash::{hex_str, sha256_hex};
use std::fs;
use std::path::Path;

const CHAIN: &str = "data/spice_layer/spice_chain.jsonl";
const MANIFEST: &str = "data/spice_layer/integrity_manifest.jsonl";
const GLYPH: &str = "logs/forensic_logs/glyph_chain.jsonl";

/// Run `case` on a fresh copy of each genuine ledger.
fn on_copies(case: impl Fn(&Path) -> Vec<Spot>) {
    for genuine in genuine_ledgers() {
        let dir = tempfile::tempdir().unwrap();
        genuine.materialise(dir.path());
        assert_pristine(dir.path());
        let expected = case(dir.path());
        assert_eq!(spots(dir.path()), expected, "ledger {genuine:?}");
    }
}

/// 1-based line of the manifest's `CREATE_DESCRIPTOR` line for record `count`.
fn manifest_line_for(root: &Path, count: u64) -> u64 {
    let lines = read_lines(&root.join(MANIFEST));
    let i = lines
        .iter()
        .position(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["operation"] == "CREATE_DESCRIPTOR" && v["descriptor_count"] == count
        })
        .expect("manifest attests the record");
    i as u64 + 1
}

fn descriptor_hash(line: &str, prev: &str) -> String {
    let f = |n| field(line, n);
    let h = sha256_hex(&[
        f("descriptor_id").as_bytes(),
        b":",
        f("process_name").as_bytes(),
        b":",
        f("assessed_at").as_bytes(),
        b":",
        prev.as_bytes(),
    ]);
    hex_str(&h).to_owned()
}

#[test]
fn changed_protected_descriptor_field_is_a_hash_mismatch() {
    on_copies(|root| {
        edit_lines(&root.join(CHAIN), |l| {
            common::forge_process_name(&mut l[9], "Forged_Process");
        });
        vec![spot("spice_chain", "HASH_MISMATCH", 10)]
    });
}

#[test]
fn changed_unprotected_field_is_undetectable_as_documented() {
    // The legacy hash covers 4 fields: the capability level is not one of
    // them. This pins the weakness the coverage report warns about.
    on_copies(|root| {
        edit_lines(&root.join(CHAIN), |l| {
            let level =
                serde_json::from_str::<serde_json::Value>(&l[9]).unwrap()["capability_level"]
                    .clone();
            l[9] = l[9].replace(
                &format!("\"capability_level\":{level}"),
                "\"capability_level\":5",
            );
        });
        vec![]
    });
}

#[test]
fn deleted_descriptor_breaks_the_chain_and_the_manifest() {
    on_copies(|root| {
        edit_lines(&root.join(CHAIN), |l| {
            l.remove(9);
        });
        vec![
            spot(
                "integrity_manifest",
                "MANIFEST_MISMATCH",
                manifest_line_for(root, 10),
            ),
            spot("spice_chain", "CHAIN_BREAK", 10),
        ]
    });
}

#[test]
fn swapped_descriptors_break_three_links() {
    on_copies(|root| {
        edit_lines(&root.join(CHAIN), |l| l.swap(9, 10));
        vec![
            spot(
                "integrity_manifest",
                "MANIFEST_MISMATCH",
                manifest_line_for(root, 10),
            ),
            spot("spice_chain", "CHAIN_BREAK", 10),
            spot("spice_chain", "CHAIN_BREAK", 11),
            spot("spice_chain", "CHAIN_BREAK", 12),
        ]
    });
}

#[test]
fn truncated_chain_is_caught_by_the_manifest() {
    on_copies(|root| {
        let mut kept = 0;
        edit_lines(&root.join(CHAIN), |l| {
            l.truncate(l.len() - 3);
            kept = l.len() as u64;
        });
        vec![spot(
            "integrity_manifest",
            "TRUNCATED",
            manifest_line_for(root, kept + 1),
        )]
    });
}

#[test]
fn resealed_rewrite_is_caught_only_by_the_manifest() {
    on_copies(|root| {
        edit_lines(&root.join(CHAIN), |l| {
            common::forge_process_name(&mut l[9], "Forged_Process");
            // Re-seal: recompute this hash and every later prev/hash pair.
            let mut prev = field(&l[9], "prev_descriptor_hash");
            for line in l.iter_mut().skip(9) {
                let old_prev = field(line, "prev_descriptor_hash");
                let old_hash = field(line, "descriptor_hash");
                let new_hash = descriptor_hash(line, &prev);
                *line = line.replace(&old_prev, &prev).replace(&old_hash, &new_hash);
                prev = new_hash;
            }
        });
        vec![spot(
            "integrity_manifest",
            "MANIFEST_MISMATCH",
            manifest_line_for(root, 10),
        )]
    });
}

#[test]
fn inserted_garbage_is_a_parse_error_and_nothing_else() {
    on_copies(|root| {
        edit_lines(&root.join(CHAIN), |l| {
            l.insert(9, "this is not {json".to_owned());
        });
        vec![spot("spice_chain", "PARSE_ERROR", 10)]
    });
}

#[test]
fn last_line_cut_in_half_is_a_torn_tail() {
    on_copies(|root| {
        let path = root.join(CHAIN);
        let bytes = fs::read(&path).unwrap();
        let last_start = bytes[..bytes.len() - 1]
            .iter()
            .rposition(|b| *b == b'\n')
            .unwrap()
            + 1;
        let cut = last_start + (bytes.len() - last_start) / 2;
        fs::write(&path, &bytes[..cut]).unwrap();
        let n = read_lines_lossy(&path);
        vec![spot("spice_chain", "TORN_TAIL", n)]
    });
}

fn read_lines_lossy(path: &Path) -> u64 {
    fs::read(path).unwrap().split(|b| *b == b'\n').count() as u64
}

#[test]
fn changed_pulse_field_is_a_hash_mismatch() {
    on_copies(|root| {
        edit_lines(&root.join(GLYPH), |l| {
            let v: serde_json::Value = serde_json::from_str(&l[49]).unwrap();
            let tai = v["tai_ns"].as_i64().unwrap();
            l[49] = l[49].replace(
                &format!("\"tai_ns\": {tai}"),
                &format!("\"tai_ns\": {}", tai + 1),
            );
        });
        vec![spot("glyph_chain", "HASH_MISMATCH", 50)]
    });
}

/// Write the float `key` of a pulse line with one more trailing zero: the
/// same number, different text.
fn append_zero_to_number(line: &mut String, key: &str) {
    let start = line.find(&format!("\"{key}\": ")).unwrap() + key.len() + 4;
    let end = start + line[start..].find(',').unwrap();
    assert!(line[start..end].contains('.'), "a float token");
    line.insert(end, '0');
}

#[test]
fn rewritten_float_token_is_a_hash_mismatch() {
    // The same number written differently: a verifier that re-formats the
    // parsed float would miss this; the legacy hash covers the text.
    on_copies(|root| {
        edit_lines(&root.join(GLYPH), |l| {
            append_zero_to_number(&mut l[59], "et_s");
        });
        vec![spot("glyph_chain", "HASH_MISMATCH", 60)]
    });
}

#[test]
fn changed_utc_unix_token_is_a_glyph_hash_mismatch() {
    on_copies(|root| {
        edit_lines(&root.join(GLYPH), |l| {
            append_zero_to_number(&mut l[29], "utc_unix");
        });
        vec![spot("glyph_chain", "HASH_MISMATCH", 30)]
    });
}

#[test]
fn deleted_pulse_is_a_chain_break() {
    on_copies(|root| {
        edit_lines(&root.join(GLYPH), |l| {
            l.remove(69);
        });
        vec![spot("glyph_chain", "CHAIN_BREAK", 70)]
    });
}

#[test]
fn manifest_divergence_names_the_chain_lines_it_implicates() {
    for genuine in genuine_ledgers() {
        let dir = tempfile::tempdir().unwrap();
        genuine.materialise(dir.path());
        edit_lines(&dir.path().join(CHAIN), |l| {
            l.swap(14, 15);
        });
        let report = iss_workstation::ledger::verify::verify_path(
            dir.path(),
            &iss_workstation::ledger::verify::VerifyOptions::default(),
        )
        .unwrap();
        let (_, f) = report
            .findings()
            .find(|(_, f)| f.kind.name() == "MANIFEST_MISMATCH")
            .expect("found");
        let range = f.related.as_ref().expect("names the chain lines");
        assert_eq!(
            (range.file, range.first_line, range.last_line),
            ("spice_chain", 15, 15),
            "{genuine:?}"
        );
    }
}
