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

/// The end-to-end path of issue 15: a regex filter, a sort, two records
/// marked in the sorted order, exported: the file holds exactly their
/// stored lines (in file order), and the ledger is unchanged.
#[test]
fn sorted_regex_filtered_marked_records_export_as_their_stored_lines() {
    if !available() {
        return;
    }
    let dir = common::generated_ledger(84);
    let before = ledger_bytes(dir.path());
    let chain = std::fs::read(dir.path().join("data/spice_layer/spice_chain.jsonl")).unwrap();
    let lines: Vec<&[u8]> = chain.split_inclusive(|b| *b == b'\n').collect();
    // The records the regex keeps, in the order a sort by level shows them
    // (ties in file order).
    let mut kept: Vec<(u64, usize)> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| String::from_utf8_lossy(l).contains("Backup_Restore"))
        .map(|(i, l)| {
            let v: serde_json::Value = serde_json::from_slice(l).unwrap();
            (v["capability_level"].as_u64().unwrap(), i)
        })
        .collect();
    assert!(kept.len() > 2, "{} kept", kept.len());
    kept.sort_unstable();
    let mut first_two = [kept[0].1, kept[1].1];
    first_two.sort_unstable();
    let want: Vec<u8> = first_two.iter().flat_map(|i| lines[*i].to_vec()).collect();

    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("sorted-marked.jsonl");
    let s = Session::start("iss-export-sorted", dir.path());
    wait_for(&s.0, "CLEAN");
    send(&s.0, &[":filter /Backup_R.store/", "Enter"]);
    wait_for(&s.0, &format!("{} of {}", kept.len(), lines.len()));
    send(&s.0, &["s"]);
    wait_for(&s.0, "sorted by level");
    // The first two rows shown, marked.
    send(&s.0, &["m", "j", "m"]);
    wait_for(&s.0, "(2 marks;");
    send(&s.0, &[&format!(":export {}", file.display()), "Enter"]);
    let screen = wait_for(&s.0, "wrote 2 marked records");
    // The verdict in words ends the message (cut at 120 columns by the path).
    assert!(screen.contains("; the ledger ver"), "{screen}");
    send(&s.0, &["q"]);

    assert_eq!(std::fs::read(&file).unwrap(), want);
    assert_eq!(ledger_bytes(dir.path()), before, "the ledger is unchanged");
}
