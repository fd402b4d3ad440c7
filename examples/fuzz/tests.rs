//! The fuzzer's own parts: what the oracle calls a hashed change, and what
//! the mutations do (`cargo test --example fuzz`; `cargo test` runs them).

use crate::corpus::Kind;
use crate::mutate::{Op, line_spans};
use crate::oracle::hashed_change;
use std::path::Path;

const D1: &str = r#"{"descriptor_id":"0123456789abcdef","process_name":"A","process_version":"1","compliance_score":0.5,"advisory_notes":null,"assessed_at":"2026-11-01T09:00:00+00:00","prev_descriptor_hash":"00","descriptor_hash":"11"}"#;
const D2: &str = r#"{"descriptor_id":"fedcba9876543210","process_name":"B","process_version":"1","compliance_score":0.7,"advisory_notes":null,"assessed_at":"2026-11-01T09:00:01+00:00","prev_descriptor_hash":"11","descriptor_hash":"22"}"#;
const P1: &str = r#"{"tai_ns": 1, "utc_iso": "x", "et_s": 1.5, "utc_unix": 2.5, "epoch_days": 3.5, "julian_date": 4.5, "pulse_id": "p1", "glyph_hash": "g1", "chain_hash": "c1", "source_node": "n"}"#;
const P2: &str = r#"{"tai_ns": 2, "utc_iso": "y", "et_s": 1.6, "utc_unix": 2.6, "epoch_days": 3.6, "julian_date": 4.6, "pulse_id": "p2", "glyph_hash": "g2", "chain_hash": "c2", "source_node": "n"}"#;

fn lines(ls: &[&str]) -> Vec<u8> {
    ls.iter()
        .flat_map(|l| format!("{l}\n").into_bytes())
        .collect()
}

fn legacy(file: &str, old: &[u8], new: &[u8]) -> bool {
    hashed_change(Kind::Legacy, Path::new(file), old, new, None).is_some()
}

#[test]
fn legacy_descriptors_hashed_fields_and_order_are_hashed_the_rest_not() {
    let f = "data/spice_layer/spice_chain.jsonl";
    let old = lines(&[D1, D2]);
    let with = |a: &str, b: &str| lines(&[&D1.replacen(a, b, 1), D2]);
    assert!(legacy(f, &old, &with(r#""A""#, r#""Z""#)), "process_name");
    assert!(
        legacy(f, &old, &with("09:00:00", "09:00:09")),
        "assessed_at"
    );
    assert!(
        legacy(f, &old, &with(r#""11""#, r#""12""#)),
        "descriptor_hash"
    );
    assert!(legacy(f, &old, &lines(&[D2, D1])), "order");
    assert!(
        legacy(f, &old, &lines(&[D1])),
        "the last record: the manifest witnesses it"
    );
    assert!(
        legacy(f, &old, &lines(&[D1, "{", D2])),
        "a line that is not a record"
    );
    assert!(
        !legacy(f, &old, &with("0.5", "0.9")),
        "compliance_score is not hashed"
    );
    assert!(!legacy(
        f,
        &old,
        &with(r#""process_version":"1""#, r#""process_version":"2""#)
    ));
    assert!(
        !legacy(f, &old, &with(r#""A""#, r#""\u0041""#)),
        "the same string"
    );
    assert!(
        !legacy(f, &old, &with(r#","process_name""#, r#", "process_name""#)),
        "whitespace"
    );
    assert!(!legacy(f, &old, &lines(&[D1, "", D2])), "a blank line");
    assert!(!legacy(
        "data/spice_layer/integrity_manifest.jsonl",
        b"a\n",
        b"b\n"
    ));
    assert!(!legacy(
        "logs/forensic_logs/forensic_audit.log",
        b"a\n",
        b""
    ));
}

#[test]
fn legacy_pulses_hash_their_tokens_as_written_but_not_their_length() {
    let f = "logs/forensic_logs/glyph_chain.jsonl";
    let old = lines(&[P1, P2]);
    let with = |a: &str, b: &str| lines(&[&P1.replacen(a, b, 1), P2]);
    assert!(legacy(f, &old, &with("1.5,", "1.50,")), "et_s as written");
    assert!(legacy(f, &old, &with(r#""n""#, r#""m""#)), "source_node");
    assert!(legacy(f, &old, &lines(&[P2])), "the first pulse removed");
    assert!(
        !legacy(f, &old, &with("3.5", "3.9")),
        "epoch_days is not hashed"
    );
    assert!(
        !legacy(f, &old, &lines(&[P1])),
        "no witness of the last pulses"
    );
}

#[test]
fn native_bytes_are_all_hashed_but_unsigned_records_cut_whole_and_repeated_notes() {
    let native = |file: &str, old: &[u8], new: &[u8], signed: Option<u64>| {
        hashed_change(Kind::Native, Path::new(file), old, new, signed).is_some()
    };
    let old = lines(&["r1", "r2", "r3"]);
    assert!(native(
        "descriptors.jsonl",
        &old,
        &lines(&["r1", "r2 ", "r3"]),
        Some(1)
    ));
    assert!(native(
        "descriptors.jsonl",
        &old,
        &lines(&["r1", "r2", "r3", ""]),
        Some(3)
    ));
    assert!(!native(
        "descriptors.jsonl",
        &old,
        &lines(&["r1", "r2"]),
        Some(2)
    ));
    assert!(
        native("descriptors.jsonl", &old, &lines(&["r1"]), Some(2)),
        "a signed record"
    );
    assert!(
        native("descriptors.jsonl", &old, b"r1\nr2\nr", Some(2)),
        "a torn line"
    );
    assert!(native("iss-ledger.json", b"{}\n", b"{ }\n", None));
    assert!(native(
        "pulses.jsonl.checkpoint",
        b"note\n",
        b"notf\n",
        None
    ));
    let history = lines(&["s0", "s1", "s2"]);
    let h = "events.jsonl.checkpoints";
    assert!(!native(
        h,
        &history,
        &lines(&["s0", "s1", "s1", "s2"]),
        None
    ));
    assert!(!native(h, &history, &lines(&["s0", "s2"]), None));
    assert!(native(h, &history, &lines(&["s0", "s1", "s3"]), None));
    assert!(native(h, &history, b"s0\ns1\ns2", None), "a torn entry");
}

#[test]
fn line_mutations_keep_line_ends_where_they_were() {
    let text = b"a\nb\nc";
    assert_eq!(line_spans(text), [(0, 2), (2, 4), (4, 5)]);
    assert_eq!(Op::SwapLines { a: 0, b: 2 }.on(text), b"c\nb\na");
    assert_eq!(Op::DuplicateLine { line: 1 }.on(text), b"a\nb\nb\nc");
    assert_eq!(Op::DuplicateLine { line: 2 }.on(text), b"a\nb\nc\nc");
    assert_eq!(Op::DeleteLine { line: 0 }.on(text), b"b\nc");
    assert_eq!(
        Op::Insert {
            at: 1,
            bytes: b"x".to_vec()
        }
        .on(text),
        b"ax\nb\nc"
    );
    assert_eq!(Op::Delete { at: 1, len: 9 }.on(text), b"a");
    assert_eq!(Op::Flip { at: 0, mask: 1 }.on(text), b"`\nb\nc");
    assert_eq!(Op::Replace { at: 2, byte: b'z' }.on(text), b"a\nz\nc");
    assert_eq!(Op::Truncate { len: 3 }.on(text), b"a\nb");
}
