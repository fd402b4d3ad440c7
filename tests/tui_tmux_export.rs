//! Invariant: in a real terminal (tmux), records marked with `m` and
//! exported with `:export FILE.jsonl` are written as the bytes of their
//! stored lines, the message gives the ledger's verdict in words, and the
//! ledger is left byte-identical.

mod common;

use common::tmux::{Session, available, send_all as send, wait_for};
use std::path::Path;

fn ledger_bytes(root: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out: Vec<_> = common::files_below(root)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn marked_records_exported_in_tmux_are_the_stored_lines() {
    if !available() {
        return;
    }
    let dir = common::generated_ledger(83);
    let before = ledger_bytes(dir.path());
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("marked.jsonl");
    let s = Session::start("iss-export", dir.path());
    wait_for(&s.0, "CLEAN");
    // Lines 2 and 5 marked, then exported.
    send(&s.0, &["j", "m", ":5", "Enter", "m"]);
    wait_for(&s.0, "*5 ");
    send(&s.0, &[&format!(":export {}", file.display()), "Enter"]);
    let screen = wait_for(&s.0, "wrote 2 marked records");
    assert!(screen.contains("the ledger verifies"), "{screen}");
    send(&s.0, &["q"]);

    let chain = std::fs::read(dir.path().join("data/spice_layer/spice_chain.jsonl")).unwrap();
    let lines: Vec<&[u8]> = chain.split_inclusive(|b| *b == b'\n').collect();
    assert_eq!(std::fs::read(&file).unwrap(), [lines[1], lines[4]].concat());
    assert_eq!(ledger_bytes(dir.path()), before, "the ledger is unchanged");
}
