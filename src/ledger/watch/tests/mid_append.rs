//! A full verification that runs while a writer is between its records and
//! their manifest lines (the server's group commit leaves a batch's
//! manifest lines for the next round, so under load almost every full
//! verification sees such a tail): the manifest lines that come later are
//! checked one by one from the hashes that verification kept, not by
//! verifying the whole ledger again, and a forged one is still caught.

use super::{NOW_MICROS, append_raw, chain, descriptor, kinds, manifest};
use crate::ledger::legacy::write::append::append_descriptor;
use crate::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use crate::ledger::watch::{Watch, WatchEvent, WatchOptions};
use std::fs;
use std::path::Path;
use std::time::Instant;

/// The lines `n` genuine appends add to a ledger like the sample: each
/// record's chain line and manifest line.
fn appended_lines(dir: &Path, n: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
    let twin = dir.join("twin");
    write_sample_ledger(&twin, &SampleSpec::default()).unwrap();
    (0..n)
        .map(|i| {
            let (c0, m0) = (
                fs::read(chain(&twin)).unwrap(),
                fs::read(manifest(&twin)).unwrap(),
            );
            let at = NOW_MICROS + i64::try_from(i).unwrap();
            append_descriptor(&twin, descriptor("Twin"), at).unwrap();
            let c1 = fs::read(chain(&twin)).unwrap();
            let m1 = fs::read(manifest(&twin)).unwrap();
            (c1[c0.len()..].to_vec(), m1[m0.len()..].to_vec())
        })
        .collect()
}

/// A ledger whose chain ends in `n` records no manifest line attests yet
/// (watching starts there), and the manifest lines that attest them.
fn mid_append(n: usize) -> (tempfile::TempDir, std::path::PathBuf, Vec<Vec<u8>>) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("ledger");
    write_sample_ledger(&root, &SampleSpec::default()).unwrap();
    let lines = appended_lines(tmp.path(), n);
    for (c, _) in &lines {
        append_raw(&chain(&root), c);
    }
    let manifest_lines = lines.into_iter().map(|(_, m)| m).collect();
    (tmp, root, manifest_lines)
}

#[test]
fn manifest_lines_of_records_unattested_at_start_are_checked_line_by_line() {
    let (_tmp, root, mlines) = mid_append(3);
    let (mut w, _) = Watch::start(&root, WatchOptions::default()).unwrap();
    for (i, m) in mlines.iter().enumerate() {
        append_raw(&manifest(&root), m);
        let events = w.rescan(Instant::now());
        assert_eq!(
            kinds(&events),
            [format!("record integrity_manifest {} Verified", 44 + i)],
            "no full verification: the hash at this count was kept ({events:#?})"
        );
    }
    assert!(w.rescan(Instant::now()).is_empty());
}

#[test]
fn a_forged_manifest_line_for_a_record_unattested_at_start_is_a_violation() {
    let (_tmp, root, mlines) = mid_append(2);
    let (mut w, _) = Watch::start(&root, WatchOptions::default()).unwrap();
    append_raw(&manifest(&root), &mlines[0]);
    assert_eq!(
        kinds(&w.rescan(Instant::now())),
        ["record integrity_manifest 44 Verified"]
    );
    // The second line attests another hash than the chain's at count 42.
    let text = String::from_utf8(mlines[1].clone()).unwrap();
    let key = "\"chain_hash\":\"";
    let at = text.find(key).unwrap() + key.len();
    let flipped = if &text[at..=at] == "0" { "1" } else { "0" };
    let forged = format!("{}{flipped}{}", &text[..at], &text[at + 1..]);
    append_raw(&manifest(&root), forged.as_bytes());
    let events = w.rescan(Instant::now());
    assert_eq!(
        kinds(&events),
        ["record integrity_manifest 45 Violated"],
        "{events:#?}"
    );
    let WatchEvent::Record(r) = &events[0] else {
        unreachable!()
    };
    assert!(
        r.findings.iter().any(|f| f.line == Some(45)),
        "located on the manifest line: {:#?}",
        r.findings
    );
}
