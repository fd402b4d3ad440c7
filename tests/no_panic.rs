//! Invariant: no input makes the reader or the verifier panic, and the
//! reader accounts for every byte it is given.

mod common;

use iss_workstation::ledger::io::reader::{Content, Ending, LineReader};
use iss_workstation::ledger::verify::{VerifyOptions, verify_path};
use proptest::prelude::*;
use std::fs;
use std::path::Path;

const FILES: [&str; 5] = [
    "data/spice_layer/spice_chain.jsonl",
    "data/spice_layer/integrity_manifest.jsonl",
    "data/spice_layer/constitutional_log.jsonl",
    "logs/forensic_logs/glyph_chain.jsonl",
    "logs/forensic_logs/forensic_audit.log",
];

proptest! {
    #[test]
    fn reader_accounts_for_every_byte(data in proptest::collection::vec(any::<u8>(), 0..4096), limit in 1usize..300) {
        let mut reader = LineReader::with_limit(&data[..], limit);
        let mut expected_offset = 0;
        let mut torn = 0;
        while let Some(line) = reader.next_line().unwrap() {
            prop_assert_eq!(line.offset, expected_offset);
            if let Content::Bytes(b) = line.content {
                prop_assert!(b.len() <= limit);
            }
            if line.ending == Ending::Torn {
                torn += 1;
            }
            expected_offset = line.end_offset();
        }
        prop_assert_eq!(expected_offset, data.len() as u64);
        prop_assert!(torn <= 1);
        prop_assert_eq!(torn == 1, !data.is_empty() && data.last() != Some(&b'\n'));
    }
}

/// A line edit: what to do, where (scaled to the file), with which bytes.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize),
    Duplicate(usize),
    Swap(usize, usize),
    Insert(usize, Vec<u8>),
    Overwrite(usize, usize, u8),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Swap(a, b)),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 0..200)
        )
            .prop_map(|(a, b)| Edit::Insert(a, b)),
        (any::<usize>(), any::<usize>(), any::<u8>())
            .prop_map(|(a, b, c)| Edit::Overwrite(a, b, c)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(bytes: &[u8], edit: &Edit) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    let n = lines.len().max(1);
    match edit {
        Edit::Delete(i) => {
            if !lines.is_empty() {
                let k = i % lines.len();
                lines.remove(k);
            }
        }
        Edit::Duplicate(i) => {
            let l = lines.get(i % n).cloned().unwrap_or_default();
            lines.insert(i % n, l);
        }
        Edit::Swap(a, b) => {
            if !lines.is_empty() {
                let len = lines.len();
                lines.swap(a % len, b % len);
            }
        }
        Edit::Insert(i, raw) => lines.insert(i % n, raw.clone()),
        Edit::Overwrite(i, j, byte) => {
            if let Some(line) = lines.get_mut(i % n).filter(|l| !l.is_empty()) {
                let k = j % line.len();
                line[k] = *byte;
            }
        }
        Edit::Truncate(i) => {
            let mut joined = lines.join(&b'\n');
            joined.truncate(i % (joined.len() + 1));
            return joined;
        }
    }
    lines.join(&b'\n')
}

fn verify_does_not_panic(root: &Path) {
    let report = verify_path(root, &VerifyOptions::default()).expect("discovery succeeds");
    // Whatever the damage, every file is still reported.
    assert_eq!(report.files.len(), FILES.len());
}

fn with_ledger(edit_files: impl Fn(&Path)) {
    let dir = tempfile::tempdir().unwrap();
    common::Genuine::Generated(3).materialise(dir.path());
    edit_files(dir.path());
    verify_does_not_panic(dir.path());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_line_edits_never_panic(file in 0usize..FILES.len(), edits in proptest::collection::vec(edit(), 1..6)) {
        with_ledger(|root| {
            let path = root.join(FILES[file]);
            let mut bytes = fs::read(&path).unwrap();
            for e in &edits {
                bytes = apply(&bytes, e);
            }
            fs::write(&path, bytes).unwrap();
        });
    }

    #[test]
    fn random_bytes_never_panic(file in 0usize..FILES.len(), data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        with_ledger(|root| fs::write(root.join(FILES[file]), &data).unwrap());
    }

    #[test]
    fn json_shaped_noise_never_panics(file in 0usize..FILES.len(), lines in proptest::collection::vec(json_line(), 0..20)) {
        with_ledger(|root| fs::write(root.join(FILES[file]), lines.join("\n")).unwrap());
    }
}

/// Lines that are JSON, or nearly, with the ledger's keys and odd values.
fn json_line() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("descriptor_id"),
        Just("descriptor_hash"),
        Just("prev_descriptor_hash"),
        Just("process_name"),
        Just("capability_level"),
        Just("compliance_score"),
        Just("assessed_at"),
        Just("advisory_notes"),
        Just("tai_ns"),
        Just("utc_iso"),
        Just("et_s"),
        Just("utc_unix"),
        Just("pulse_id"),
        Just("glyph_hash"),
        Just("chain_hash"),
        Just("source_node"),
        Just("operation"),
        Just("descriptor_count"),
        Just("timestamp"),
        Just("event"),
        Just("enforcement"),
    ];
    let value = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        any::<i64>().prop_map(|i| i.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        "[a-f0-9]{0,70}".prop_map(|s| format!("\"{s}\"")),
        ".{0,20}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        Just("1e400".to_owned()),
        Just("-0".to_owned()),
        Just("\"2026-02-30T25:61:60.9999999999+99:99\"".to_owned()),
    ];
    proptest::collection::vec((key, value), 0..12).prop_map(|kv| {
        let body: Vec<String> = kv
            .into_iter()
            .map(|(k, v)| format!("\"{k}\":{v}"))
            .collect();
        format!("{{{}}}", body.join(","))
    })
}
