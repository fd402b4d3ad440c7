//! Invariant: any single-byte change inside a hash-covered field of the
//! SPICE chain or the time chain makes verification fail.

mod common;

use iss_workstation::ledger::model::report::LedgerStatus;
use iss_workstation::ledger::verify::{VerifyOptions, verify_path};
use proptest::prelude::*;
use std::fs;
use std::path::Path;

const CHAIN: &str = "data/spice_layer/spice_chain.jsonl";
const GLYPH: &str = "logs/forensic_logs/glyph_chain.jsonl";

const SPICE_COVERED: [&str; 5] = [
    "descriptor_id",
    "process_name",
    "assessed_at",
    "prev_descriptor_hash",
    "descriptor_hash",
];
const TIME_COVERED: [&str; 8] = [
    "tai_ns",
    "utc_iso",
    "et_s",
    "utc_unix",
    "source_node",
    "pulse_id",
    "glyph_hash",
    "chain_hash",
];

/// Byte range of the value of `key` in a JSON line (string content without
/// quotes, or the number token), found after `"key":` and optional spaces.
fn value_range(line: &[u8], key: &str) -> std::ops::Range<usize> {
    let needle = format!("\"{key}\":");
    let at = line
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .expect("key present");
    let mut i = at + needle.len();
    while line[i] == b' ' {
        i += 1;
    }
    if line[i] == b'"' {
        let end = i + 1 + line[i + 1..].iter().position(|b| *b == b'"').unwrap();
        i + 1..end
    } else {
        let end = i + line[i..]
            .iter()
            .position(|b| *b == b',' || *b == b'}')
            .unwrap();
        i..end
    }
}

/// Change one byte in field `key` of record `record` of `file`; return
/// whether verification still passed.
fn still_clean(root: &Path, file: &str, record: usize, key: &str, pos: usize, byte: u8) -> bool {
    let path = root.join(file);
    let mut bytes = fs::read(&path).unwrap();
    let starts: Vec<usize> = std::iter::once(0)
        .chain(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .filter(|&s| s < bytes.len())
        .collect();
    let start = starts[record % starts.len()];
    let end = start + bytes[start..].iter().position(|b| *b == b'\n').unwrap();
    let range = value_range(&bytes[start..end], key);
    let k = start + range.start + pos % range.len();
    let old = bytes[k];
    bytes[k] = if byte == old {
        old.wrapping_add(1)
    } else {
        byte
    };
    fs::write(&path, &bytes).unwrap();
    let clean = verify_path(root, &VerifyOptions::default()).unwrap().status == LedgerStatus::Clean;
    bytes[k] = old;
    fs::write(&path, &bytes).unwrap();
    clean
}

fn with_copy(f: impl Fn(&Path)) {
    let dir = tempfile::tempdir().unwrap();
    common::Genuine::Generated(3).materialise(dir.path());
    f(dir.path());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn spice_chain_byte_change_is_detected(record in any::<usize>(), field in 0..SPICE_COVERED.len(), pos in any::<usize>(), byte in any::<u8>()) {
        with_copy(|root| assert!(!still_clean(root, CHAIN, record, SPICE_COVERED[field], pos, byte)));
    }

    #[test]
    fn time_chain_byte_change_is_detected(record in any::<usize>(), field in 0..TIME_COVERED.len(), pos in any::<usize>(), byte in any::<u8>()) {
        with_copy(|root| assert!(!still_clean(root, GLYPH, record, TIME_COVERED[field], pos, byte)));
    }
}
