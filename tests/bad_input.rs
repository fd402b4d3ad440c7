//! Invariant: damaged input gives a located finding (file, line, what was
//! expected) and never a panic or a silent skip.

mod common;

use common::{edit_lines, generated_ledger, spot, spots};
use iss_workstation::ledger::verify::{VerifyOptions, verify_path};
use std::fs;
use std::path::Path;

const CHAIN: &str = "data/spice_layer/spice_chain.jsonl";
const GLYPH: &str = "logs/forensic_logs/glyph_chain.jsonl";

fn finding_detail(root: &Path, kind: &str) -> (String, Option<String>, Option<String>) {
    let report = verify_path(root, &VerifyOptions::default()).unwrap();
    let (_, f) = report
        .findings()
        .find(|(_, f)| f.kind.name() == kind)
        .expect("finding present");
    (f.detail.clone(), f.expected.clone(), f.found.clone())
}

#[test]
fn crlf_file_is_one_folded_warning() {
    let dir = generated_ledger(11);
    let path = dir.path().join(CHAIN);
    let text = fs::read_to_string(&path).unwrap().replace('\n', "\r\n");
    fs::write(&path, text).unwrap();
    assert_eq!(
        spots(dir.path()),
        vec![spot("spice_chain", "CRLF_LINE_ENDING", 1)]
    );
    let (detail, ..) = finding_detail(dir.path(), "CRLF_LINE_ENDING");
    assert!(
        detail.contains("(40 lines in this file end in CR LF)"),
        "{detail}"
    );
}

#[test]
fn byte_order_mark_is_reported_and_the_line_still_verifies() {
    let dir = generated_ledger(11);
    let path = dir.path().join(GLYPH);
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(fs::read(&path).unwrap());
    fs::write(&path, bytes).unwrap();
    assert_eq!(
        spots(dir.path()),
        vec![spot("glyph_chain", "BYTE_ORDER_MARK", 1)]
    );
}

#[test]
fn invalid_utf8_is_a_parse_error_with_its_byte() {
    let dir = generated_ledger(11);
    let path = dir.path().join(CHAIN);
    let mut bytes = fs::read(&path).unwrap();
    let second_line = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
    bytes[second_line + 20] = 0xFF;
    fs::write(&path, bytes).unwrap();
    // The destroyed record was the link between lines 1 and 3, and the
    // manifest no longer matches from record 2 on: all three are reported.
    let found = spots(dir.path());
    assert_eq!(
        found,
        vec![
            spot("integrity_manifest", "MANIFEST_MISMATCH", 3),
            spot("spice_chain", "CHAIN_BREAK", 3),
            spot("spice_chain", "PARSE_ERROR", 2),
        ]
    );
    let (detail, ..) = finding_detail(dir.path(), "CHAIN_BREAK");
    assert!(
        detail.contains("lines 2-2 between them hold no readable record"),
        "{detail}"
    );
    let (_, expected, got) = finding_detail(dir.path(), "PARSE_ERROR");
    assert_eq!(expected.as_deref(), Some("UTF-8 text"));
    assert_eq!(
        got.as_deref(),
        Some("invalid byte 0xff at byte 21 of the line")
    );
}

#[test]
fn wrong_field_type_names_the_field_and_keeps_the_chain_checked() {
    let dir = generated_ledger(11);
    edit_lines(&dir.path().join(CHAIN), |l| {
        let level =
            serde_json::from_str::<serde_json::Value>(&l[2]).unwrap()["capability_level"].clone();
        l[2] = l[2].replace(
            &format!("\"capability_level\":{level}"),
            "\"capability_level\":\"high\"",
        );
    });
    assert_eq!(
        spots(dir.path()),
        vec![spot("spice_chain", "SCHEMA_ERROR", 3)]
    );
    let (detail, expected, found) = finding_detail(dir.path(), "SCHEMA_ERROR");
    assert!(detail.contains("`capability_level`"), "{detail}");
    assert_eq!(expected.as_deref(), Some("an integer"));
    assert_eq!(found.as_deref(), Some("string \"high\""));
}

#[test]
fn blank_lines_are_folded_warnings() {
    let dir = generated_ledger(11);
    edit_lines(&dir.path().join(GLYPH), |l| {
        l.insert(5, String::new());
        l.insert(9, "   ".to_owned());
    });
    assert_eq!(
        spots(dir.path()),
        vec![spot("glyph_chain", "BLANK_LINE", 6)]
    );
}

#[test]
fn over_long_line_is_measured_not_read() {
    let dir = generated_ledger(11);
    edit_lines(&dir.path().join(CHAIN), |l| {
        l.insert(3, format!("{{\"x\":\"{}\"}}", "a".repeat(5000)));
    });
    let options = VerifyOptions {
        max_line: 4096,
        ..VerifyOptions::default()
    };
    let report = verify_path(dir.path(), &options).unwrap();
    let kinds: Vec<_> = report
        .findings()
        .map(|(f, x)| (f.name, x.kind.name(), x.line))
        .collect();
    assert_eq!(kinds, vec![("spice_chain", "LINE_TOO_LONG", Some(4))]);
    let (_, f) = report.findings().next().unwrap();
    assert_eq!(f.found.as_deref(), Some("5008 bytes"));
}

#[test]
fn non_object_json_is_a_schema_error_not_a_record_lost_silently() {
    let dir = generated_ledger(11);
    edit_lines(&dir.path().join(GLYPH), |l| {
        l.insert(2, "[1, 2, 3]".to_owned());
    });
    assert_eq!(
        spots(dir.path()),
        vec![spot("glyph_chain", "SCHEMA_ERROR", 3)]
    );
}

#[test]
fn empty_chain_file_is_caught_by_the_manifest() {
    let dir = generated_ledger(11);
    fs::write(dir.path().join(CHAIN), "").unwrap();
    let found = spots(dir.path());
    assert_eq!(
        found.iter().filter(|s| s.1 == "TRUNCATED").count(),
        1,
        "{found:?}"
    );
    assert!(
        found.iter().all(|s| s.0 == "integrity_manifest"),
        "{found:?}"
    );
}

#[test]
fn missing_files_are_listed_not_ignored() {
    let dir = generated_ledger(11);
    fs::remove_file(dir.path().join("data/spice_layer/integrity_manifest.jsonl")).unwrap();
    let report = verify_path(dir.path(), &VerifyOptions::default()).unwrap();
    let missing: Vec<_> = report.missing.iter().map(|m| m.name).collect();
    assert_eq!(missing, ["integrity_manifest"]);
    let chain = &report.files[0];
    assert_eq!(chain.coverage.witnessed_by, None, "no witness was checked");
}
