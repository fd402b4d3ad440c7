//! Property tests of native verification: on a fully checkpointed ledger,
//! any single-byte change anywhere in a chain file, any deleted, reordered
//! or inserted line, and any truncation are detected.

mod common;

use iss_workstation::ledger::legacy::write::append::NewDescriptor;
use iss_workstation::ledger::native::format::meta::Chain;
use iss_workstation::ledger::native::secret::read_signer;
use iss_workstation::ledger::native::verify::{NativeOptions, verify_native};
use iss_workstation::ledger::native::write::NativeWriter;
use iss_workstation::ledger::native::write::descriptors::append_descriptors;
use proptest::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A ledger whose every record is covered by a signed checkpoint, built once.
fn pristine() -> &'static (tempfile::TempDir, PathBuf) {
    static LEDGER: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    LEDGER.get_or_init(|| {
        let common::NewNative { tmp, dir, key, .. } = common::new_native("iss.test/prop", false);
        let mut w = NativeWriter::open(&dir, Some(read_signer(&key).unwrap()), None).unwrap();
        for batch in 0..4u64 {
            let inputs: Vec<NewDescriptor> = (0..3)
                .map(|i| {
                    serde_json::from_value(serde_json::json!({
                        "process_name": format!("P{batch}{i}"), "process_version": "1",
                        "capability_level": i, "process_outcome": "partial",
                        "compliance_score": 0.25, "assessed_by": "a", "assessment_method": "m",
                        "advisory_notes": "Prüfung ✓",
                    }))
                    .unwrap()
                })
                .collect();
            append_descriptors(
                &mut w,
                inputs,
                1_800_000_000_000_000 + batch.cast_signed(),
                true,
            )
            .unwrap();
        }
        for c in Chain::ALL {
            w.checkpoint(c).unwrap();
        }
        assert!(findings(&dir).is_empty(), "the pristine ledger verifies");
        (tmp, dir)
    })
}

fn findings(dir: &Path) -> Vec<String> {
    verify_native(dir, &NativeOptions::default())
        .files
        .iter()
        .flat_map(|f| {
            f.findings
                .iter()
                .filter(|x| {
                    x.severity == iss_workstation::ledger::model::finding::Severity::Violation
                })
                .map(move |x| format!("{} {} {:?}", f.name, x.kind, x.line))
        })
        .collect()
}

/// Copy the pristine ledger, change one chain file with `edit`, verify.
fn tampered(file: &str, edit: impl FnOnce(&mut Vec<u8>)) -> Option<Vec<String>> {
    let (_, src) = pristine();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ledger");
    common::copy_tree(src, &dir);
    let path = dir.join(file);
    let mut bytes = fs::read(&path).unwrap();
    let before = bytes.clone();
    edit(&mut bytes);
    if bytes == before {
        return None; // not a change
    }
    fs::write(&path, &bytes).unwrap();
    Some(findings(&dir))
}

fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    v.pop(); // after the final newline
    v
}

fn join(lines: &[Vec<u8>]) -> Vec<u8> {
    lines
        .iter()
        .flat_map(|l| l.iter().copied().chain([b'\n']))
        .collect()
}

fn chain_file() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("descriptors.jsonl"), Just("events.jsonl")]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_single_byte_change_is_detected(file in chain_file(), pos in any::<usize>(), byte in any::<u8>()) {
        if let Some(found) = tampered(file, |b| { let k = pos % b.len(); b[k] = byte; }) {
            prop_assert!(!found.is_empty(), "undetected change of byte {} in {file}", pos);
        }
    }

    #[test]
    fn any_deleted_line_is_detected(file in chain_file(), i in any::<usize>()) {
        let found = tampered(file, |b| { let mut l = lines(b); let k = i % l.len(); l.remove(k); *b = join(&l); });
        prop_assert!(found.is_some_and(|f| !f.is_empty()));
    }

    #[test]
    fn any_reordering_is_detected(i in any::<usize>(), j in any::<usize>()) {
        if let Some(found) = tampered("descriptors.jsonl", |b| {
            let mut l = lines(b);
            let (a, c) = (i % l.len(), j % l.len());
            l.swap(a, c);
            *b = join(&l);
        }) {
            prop_assert!(!found.is_empty());
        }
    }

    #[test]
    fn any_inserted_line_is_detected(file in chain_file(), i in any::<usize>(), j in any::<usize>()) {
        let found = tampered(file, |b| {
            let mut l = lines(b);
            let copy = l[i % l.len()].clone();
            let at = j % (l.len() + 1);
            l.insert(at, copy);
            *b = join(&l);
        });
        prop_assert!(found.is_some_and(|f| !f.is_empty()));
    }

    #[test]
    fn any_truncation_is_detected(file in chain_file(), cut in any::<usize>()) {
        let found = tampered(file, |b| { let n = cut % b.len(); b.truncate(n); });
        prop_assert!(found.is_some_and(|f| !f.is_empty()));
    }
}
