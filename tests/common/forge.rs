//! An attacker's tools for native ledgers, made of the library's own
//! primitives: record lines with recomputed hashes, Merkle roots, signed
//! checkpoint notes, and rewritten checkpoint histories.

use iss_workstation::ledger::native::format::history::HistoryLine;
use iss_workstation::ledger::native::format::record::{GENESIS_PREV, build_line_raw, parse_fields};
use iss_workstation::tlog::checkpoint::Checkpoint;
use iss_workstation::tlog::merkle::{Hash, leaf_hash, root_of};
use iss_workstation::tlog::note::{Signer, sign};
use std::path::Path;

/// Lines of `chain` for `bodies`, every hash recomputed from the first.
pub fn rechain(chain: &str, bodies: &[String]) -> Vec<String> {
    let mut prev = GENESIS_PREV.to_owned();
    (0u64..)
        .zip(bodies)
        .map(|(seq, body)| {
            let (line, hash) = build_line_raw(chain, seq, &prev, body, None).unwrap();
            prev = hash;
            line
        })
        .collect()
}

/// The body of each record line, exactly as written.
pub fn bodies(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| parse_fields(l).unwrap().0.body.to_owned())
        .collect()
}

/// The Merkle root of the first `size` lines.
pub fn root(lines: &[String], size: u64) -> Hash {
    let leaves: Vec<Hash> = lines[..usize::try_from(size).unwrap()]
        .iter()
        .map(|l| leaf_hash(l.as_bytes()))
        .collect();
    root_of(&leaves)
}

/// A history line signing the first `size` of `lines` of `chain` in the
/// ledger of `origin`, signed by every key of `by`.
pub fn entry(origin: &str, chain: &str, lines: &[String], size: u64, by: &[&Signer]) -> String {
    let cp = Checkpoint {
        origin: format!("{origin}/{chain}"),
        size,
        root: root(lines, size),
        extensions: Vec::new(),
    };
    let note = sign(&cp.to_text(), by.iter().copied()).unwrap();
    HistoryLine { size, note }.to_line()
}

/// Replace `chain`'s history with `entries`, and its latest file with the last.
pub fn write_history(dir: &Path, chain: &str, entries: &[String]) {
    super::write_lines(&dir.join(format!("{chain}.jsonl.checkpoints")), entries);
    let last: serde_json::Value = serde_json::from_str(entries.last().unwrap()).unwrap();
    std::fs::write(
        dir.join(format!("{chain}.jsonl.checkpoint")),
        last["note"].as_str().unwrap(),
    )
    .unwrap();
}

/// Append `extra` to `chain`'s history and make the last one the latest.
pub fn push_history(dir: &Path, chain: &str, extra: &[String]) {
    let mut lines = super::read_lines(&dir.join(format!("{chain}.jsonl.checkpoints")));
    lines.extend_from_slice(extra);
    write_history(dir, chain, &lines);
}
