//! `iss publish PATH DIR`: each chain of a native ledger as a C2SP
//! tlog-tiles log, read back by cloudflare's `tlog_tiles` crate; written
//! incrementally (only new and grown tiles), idempotently, resumable after
//! a kill, and refused for a violated or legacy ledger or a destination
//! this ledger does not extend.

mod common;
mod publish;

use publish::{
    Ledger, check_tile_paths, check_with_tlog_tiles, iss, publish_killed_half_way, walk,
};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

fn run(args: &[&Path]) -> (Option<i32>, String, String) {
    let out = iss().arg("publish").args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn publish_json(ledger: &Path, dest: &Path) -> serde_json::Value {
    let out = iss()
        .arg("publish")
        .arg(ledger)
        .arg(dest)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn chain<'a>(p: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    p["chains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["chain"] == name)
        .unwrap()
}

/// Path → (inode, bytes) of every file under `dir`.
fn files(dir: &Path) -> BTreeMap<String, (u64, Vec<u8>)> {
    walk(dir)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (
                rel,
                (
                    std::fs::metadata(&p).unwrap().ino(),
                    std::fs::read(&p).unwrap(),
                ),
            )
        })
        .collect()
}

#[test]
fn every_chain_is_a_tlog_tiles_log_that_tlog_tiles_reads_back() {
    let ledger = Ledger::new(700, 300);
    let dest = ledger.tmp.path().join("published");
    let (code, out, err) = run(&[&ledger.dir, &dest]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("descriptors: published 700 records (was 0)"),
        "{out}"
    );
    for chain in ["descriptors", "pulses", "events"] {
        let lines = ledger.lines(chain);
        let size = check_with_tlog_tiles(&dest, chain, &lines);
        assert_eq!(
            size as usize,
            lines.len(),
            "{chain}: every line is published"
        );
        check_tile_paths(&dest, chain);
        // The checkpoint is the ledger's own signed note, byte for byte,
        // and the history is the ledger's.
        assert_eq!(
            std::fs::read(dest.join(chain).join("checkpoint")).unwrap(),
            std::fs::read(ledger.dir.join(format!("{chain}.jsonl.checkpoint"))).unwrap()
        );
        assert_eq!(
            std::fs::read(dest.join(chain).join("checkpoints")).unwrap(),
            std::fs::read(ledger.dir.join(format!("{chain}.jsonl.checkpoints"))).unwrap()
        );
    }
    // 700 = 2 full tiles + 188: exactly these, at the spec's paths.
    for key in [
        "tile/0/000",
        "tile/0/001",
        "tile/0/002.p/188",
        "tile/1/000.p/2",
        "tile/entries/000",
        "tile/entries/002.p/188",
    ] {
        assert!(dest.join("descriptors").join(key).is_file(), "{key}");
    }
    assert_eq!(
        std::fs::read(dest.join("iss-ledger.json")).unwrap(),
        std::fs::read(ledger.dir.join("iss-ledger.json")).unwrap()
    );
    // The signature verifies with the ledger's own key.
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dest.join("iss-ledger.json")).unwrap()).unwrap();
    let vkey = iss_workstation::tlog::note::Verifier::from_vkey(
        meta["verifier_keys"][0].as_str().unwrap(),
    )
    .unwrap();
    let note = std::fs::read_to_string(dest.join("descriptors/checkpoint")).unwrap();
    let cp = iss_workstation::tlog::checkpoint::open_checkpoint(
        &note,
        &[vkey],
        &format!("{}/descriptors", publish::ORIGIN),
    )
    .unwrap();
    assert_eq!(cp.size, 700);
}

#[test]
fn a_second_publish_writes_only_new_and_grown_tiles_and_a_third_nothing() {
    let mut ledger = Ledger::new(1000, 1000);
    let dest = ledger.tmp.path().join("published");
    let first = publish_json(&ledger.dir, &dest);
    assert_eq!(chain(&first, "descriptors")["tiles_written"], 3 + 1 + 1); // 0,1,2,3.p/232 and level 1's 000.p/3
    let before = files(&dest);
    ledger.append(300);
    let second = publish_json(&ledger.dir, &dest);
    let d = chain(&second, "descriptors");
    // 1000 → 1300: tile 3 grows to full, 4 is new, 5.p/20 new; level 1 000.p/3 → 000.p/5.
    assert_eq!(
        (d["previous"].as_u64(), d["size"].as_u64()),
        (Some(1000), Some(1300))
    );
    assert_eq!(d["tiles_written"], 4, "{second}");
    assert_eq!(d["bundles_written"], 3, "{second}");
    assert_eq!(d["tiles_present"], 0);
    let after = files(&dest);
    for (key, (ino, bytes)) in &before {
        if key.contains("/tile/") {
            // Never rewritten: same file (inode), same bytes.
            assert_eq!(
                after.get(key),
                Some(&(*ino, bytes.clone())),
                "{key} was rewritten"
            );
        }
    }
    let new: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert_eq!(
        new,
        [
            "descriptors/tile/0/003",
            "descriptors/tile/0/004",
            "descriptors/tile/0/005.p/20",
            "descriptors/tile/1/000.p/5",
            "descriptors/tile/entries/003",
            "descriptors/tile/entries/004",
            "descriptors/tile/entries/005.p/20",
        ]
    );
    check_with_tlog_tiles(&dest, "descriptors", &ledger.lines("descriptors"));
    // Nothing new: nothing written, not even the checkpoint.
    let third = publish_json(&ledger.dir, &dest);
    for c in third["chains"].as_array().unwrap() {
        assert_eq!(
            (
                c["tiles_written"].as_u64(),
                c["bundles_written"].as_u64(),
                c["checkpoint_written"].as_bool(),
                c["bytes_written"].as_u64()
            ),
            (Some(0), Some(0), Some(false), Some(0)),
            "{c}"
        );
    }
    assert_eq!(files(&dest), after);
}

#[test]
fn a_publish_killed_half_way_resumes_without_rewriting_what_it_wrote() {
    if !common::faults::seam_available() {
        return;
    }
    let ledger = Ledger::new(2000, 2000);
    let dest = ledger.tmp.path().join("published");
    // Number the write steps of a whole publish on a scratch destination.
    let scratch = ledger.tmp.path().join("scratch");
    let killed = publish_killed_half_way(&ledger, &dest, &scratch, 10);
    assert_eq!(
        killed.status.code(),
        None,
        "killed: {}",
        String::from_utf8_lossy(&killed.stderr)
    );
    // No checkpoint names the tiles written so far.
    assert!(!dest.join("descriptors/checkpoint").exists());
    let written = files(&dest);
    let resumed = publish_json(&ledger.dir, &dest);
    let d = chain(&resumed, "descriptors");
    assert!(d["tiles_present"].as_u64().unwrap() > 0, "{resumed}");
    // What the killed run wrote was kept, not written again.
    let after = files(&dest);
    for (key, (ino, bytes)) in written
        .iter()
        .filter(|(k, _)| k.contains("descriptors/tile/"))
    {
        assert_eq!(after.get(key), Some(&(*ino, bytes.clone())), "{key}");
    }
    check_with_tlog_tiles(&dest, "descriptors", &ledger.lines("descriptors"));
    // The same objects as an uninterrupted publish, byte for byte
    // (temporary files of the killed run aside).
    let clean: BTreeMap<String, Vec<u8>> = files(&scratch)
        .into_iter()
        .map(|(k, (_, b))| (k, b))
        .collect();
    let resumed: BTreeMap<String, Vec<u8>> = after
        .into_iter()
        .filter(|(k, _)| !k.contains(".tmp-"))
        .map(|(k, (_, b))| (k, b))
        .collect();
    assert_eq!(
        resumed.keys().collect::<Vec<_>>(),
        clean.keys().collect::<Vec<_>>()
    );
    for (key, bytes) in &clean {
        assert!(
            resumed[key] == *bytes,
            "{key}: other bytes than an uninterrupted publish's"
        );
    }
}

#[test]
fn a_violated_ledger_is_not_published() {
    let ledger = Ledger::new(300, 300);
    let path = ledger.dir.join("descriptors.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replacen("ENG.7\"", "ENG.8\"", 1);
    std::fs::write(&path, text).unwrap();
    let dest = ledger.tmp.path().join("published");
    let (code, out, err) = run(&[&ledger.dir, &dest]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        err.contains("the ledger is violated") && err.contains("nothing was published"),
        "{err}"
    );
    assert!(!dest.exists() || walk(&dest).is_empty());
}

#[test]
fn a_legacy_ledger_is_pointed_to_iss_migrate() {
    let legacy = common::generated_ledger(7);
    let dest = legacy.path().join("published");
    let (code, _, err) = run(&[legacy.path(), &dest]);
    assert_eq!(code, Some(2), "{err}");
    // The exact command that makes the native ledger to publish.
    let command = format!("`iss migrate {} NEW`", legacy.path().display());
    assert!(
        err.contains("a legacy ledger") && err.contains(&command),
        "{err}"
    );
    assert!(!dest.exists());
    // Not even with --full.
    let out = iss()
        .arg("publish")
        .arg(legacy.path())
        .arg(&dest)
        .arg("--full")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&command));
    assert!(!dest.exists());
}

#[test]
fn a_destination_this_ledger_does_not_extend_is_refused() {
    let mut ledger = Ledger::new(300, 300);
    let older = ledger.tmp.path().join("older");
    common::copy_tree(&ledger.dir, &older);
    ledger.append(10);
    let dest = ledger.tmp.path().join("published");
    assert_eq!(run(&[&ledger.dir, &dest]).0, Some(0));
    let before = files(&dest);
    // An older copy of the ledger: a rollback of what was published.
    let (code, _, err) = run(&[&older, &dest]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("chain descriptors") && err.contains("310 records") && err.contains("300"),
        "{err}"
    );
    // Another ledger: its metadata is not this one's.
    let other = Ledger::new(5, 5);
    let (code, _, err) = run(&[&other.dir, &dest]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("iss-ledger.json") && err.contains("another ledger's"),
        "{err}"
    );
    assert_eq!(files(&dest), before, "nothing written over");
}
