//! A preview is the append's own line: `preview_descriptor` writes nothing
//! and returns, byte for byte, the line `append_previewed` then writes; an
//! append whose chain moved on since the preview is refused unwritten.

mod common;

use common::{generated_ledger, read_lines};
use iss_workstation::ledger::discover::{FileKind, discover};
use iss_workstation::ledger::legacy::write::append::{
    NewDescriptor, WriteError, append_descriptor, append_previewed, preview_descriptor,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn input(process: &str) -> NewDescriptor {
    serde_json::from_value(serde_json::json!({
        "process_name": process, "process_version": "1.0.0", "capability_level": 2,
        "process_outcome": "partial", "compliance_score": 0.5,
        "evidence_required": ["a", "b"], "assessed_by": "tester", "assessment_method": "m"
    }))
    .unwrap()
}

fn files(root: &Path) -> (PathBuf, PathBuf) {
    let d = discover(root).unwrap();
    (
        d.path_of(FileKind::SpiceChain).unwrap().to_path_buf(),
        d.path_of(FileKind::IntegrityManifest)
            .unwrap()
            .to_path_buf(),
    )
}

#[test]
fn the_previewed_line_is_the_written_line() {
    let dir = generated_ledger(7);
    let root = dir.path();
    let (chain, manifest) = files(root);
    let (c0, m0) = (read_lines(&chain), read_lines(&manifest));
    let now = 1_795_000_000_123_456;
    let p = preview_descriptor(root, input("P.1"), now).unwrap();
    assert_eq!(
        (read_lines(&chain), read_lines(&manifest)),
        (c0.clone(), m0.clone()),
        "a preview writes nothing"
    );
    assert_eq!(p.ack.line, c0.len() as u64 + 1);

    let done = append_previewed(root, input("P.1"), &p, Duration::from_secs(2)).unwrap();
    assert_eq!(done.witness, Ok(()));
    assert_eq!(done.acks, [p.ack], "acknowledged as previewed");
    let c1 = read_lines(&chain);
    assert_eq!(c1.last().unwrap(), &p.line);
    assert_eq!(read_lines(&manifest).len(), m0.len() + 1);
}

#[test]
fn a_preview_made_stale_by_another_append_is_refused_unwritten() {
    let dir = generated_ledger(8);
    let root = dir.path();
    let (chain, _) = files(root);
    let p = preview_descriptor(root, input("P.1"), 1_795_000_000_000_000).unwrap();
    append_descriptor(root, input("OTHER"), 1_795_000_000_500_000).unwrap();
    let before = read_lines(&chain);
    let err = append_previewed(root, input("P.1"), &p, Duration::from_secs(2)).unwrap_err();
    assert!(matches!(err, WriteError::PreviewStale { .. }), "{err}");
    assert_eq!(read_lines(&chain), before);
}
