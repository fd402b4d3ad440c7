//! `iss key rotate` stopped by `kill -9`, failed with ENOSPC or EIO, or cut
//! short at every step of its write sequence (docs/WRITES.md): the outcome
//! is never ambiguous, the new key is never lost while the ledger may need
//! it, and running the same command again finishes the rotation.
//!
//! The sequence (docs/FORMAT.md §8), each step below faulted:
//!
//! - the new key file: create, write, fsync, directory sync;
//! - the old and the new key cosign each chain's head: history open,
//!   write, fdatasync, read-back; latest file: temporary file, write,
//!   fsync, rename, directory sync (for `descriptors`, `pulses`, `events`);
//! - the rotation record in `events`: open, write, fdatasync, read-back;
//! - `events` signed with the new key (its checkpoint steps again).
//!
//! The outcomes allowed:
//!
//! - exit 2, "not rotated": `events` is byte-identical (no rotation
//!   record), no record changed, the key file this run created is removed,
//!   and the ledger verifies clean (a history may hold a checkpoint the new
//!   key cosigned: it counts for nothing without the record);
//! - exit 3: the rotation is durable and acknowledged, the checkpoint with
//!   the new key failed; the command printed finishes it;
//! - killed: the ledger verifies clean or with a `TORN_TAIL` (a torn
//!   rotation record) or `CHECKPOINT_LAG`; whenever the rotation record
//!   may be on disk the new key file is there; after `iss repair` (for a
//!   torn tail) the same `iss key rotate` command finishes: it uses the
//!   key file left behind, or signs with the key a finished record
//!   introduced.
//!
//! Afterwards, in every case: exactly one rotation record, the key in use
//! is the one in the key file, and the ledger verifies clean and signed.

mod common;

use common::faults::{args_for, copy_dir, iss, seam_available, snapshot};
use std::fs;
use std::path::Path;

const D: &str = r#"{"process_name":"Order_Fulfilment","process_version":"1.1.0","capability_level":3,"process_outcome":"compliant","compliance_score":0.9,"evidence_required":["execution_log"],"evidence_provided":["execution_log"],"assessed_by":"auditor.jane","assessment_method":"document_review"}"#;

/// `iss key rotate` of the ledger `l` with its key `l.key` to `new.key`,
/// both beside the ledger.
const ROTATE: &[&str] = &[
    "key",
    "rotate",
    "--json",
    "--key",
    "{L}/../l.key",
    "--new-key",
    "{L}/../new.key",
    "{L}",
];

/// Findings a stopped rotation may leave until it is finished.
const RECOVERABLE: &[&str] = &["TORN_TAIL", "CHECKPOINT_LAG"];

/// A folder with a native ledger `l` holding one descriptor, and its key.
fn base() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let l = dir.path().join("l");
    let r = iss(&args_for(&["init", "{L}"], &l), None, None);
    assert_eq!(r.code, Some(0), "{r:?}");
    let r = iss(
        &args_for(&["append", "descriptor", "{L}"], &l),
        Some(D),
        None,
    );
    assert_eq!(r.code, Some(0), "{r:?}");
    dir
}

fn checkpoint_steps(chain: &str) -> Vec<String> {
    let mut v: Vec<String> = ["open", "write", "fdatasync", "open-read-back"]
        .iter()
        .map(|s| format!("{s} l/{chain}.jsonl.checkpoints"))
        .collect();
    v.extend([
        format!("create-temp l/.{chain}.jsonl.checkpoint.tmp-N"),
        format!("write l/.{chain}.jsonl.checkpoint.tmp-N"),
        format!("fsync l/.{chain}.jsonl.checkpoint.tmp-N"),
        format!("rename l/{chain}.jsonl.checkpoint"),
        "sync-dir l".to_owned(),
    ]);
    v
}

/// The rotation's write sequence.
fn rotation_steps() -> Vec<String> {
    let key = [
        "create l/../new.key",
        "write l/../new.key",
        "fsync l/../new.key",
        "sync-dir l/..",
    ]
    .map(str::to_owned)
    .to_vec();
    let record = ["open", "write", "fdatasync", "open-read-back"]
        .iter()
        .map(|s| format!("{s} l/events.jsonl"))
        .collect();
    [
        key,
        checkpoint_steps("descriptors"),
        checkpoint_steps("pulses"),
        checkpoint_steps("events"),
        record,
        checkpoint_steps("events"),
    ]
    .concat()
}

/// The steps of one traced rotation of a copy of `base`, as
/// `"<step> <path under the copy>"` (temporary files' numbers as `N`).
fn traced_steps(base: &Path) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(base, dir.path());
    let trace = dir.path().join("trace");
    let r = run(
        &dir.path().join("l"),
        ROTATE,
        Some(&format!("trace={}", trace.display())),
    );
    assert_eq!(r.code, Some(0), "traced run: {r:?}");
    let prefix = format!("{}/", dir.path().display());
    fs::read_to_string(&trace)
        .unwrap()
        .lines()
        .map(|l| {
            let mut parts = l.splitn(3, ' ').skip(1);
            let (step, path) = (parts.next().unwrap(), parts.next().unwrap());
            let path = path.strip_prefix(&prefix).unwrap_or(path);
            let path = match path.find(".tmp-") {
                Some(i) => format!("{}.tmp-N", &path[..i]),
                None => path.to_owned(),
            };
            format!("{step} {path}")
        })
        .collect()
}

fn run(ledger: &Path, args: &[&str], plan: Option<&str>) -> common::faults::Run {
    iss(&args_for(args, ledger), None, plan)
}

/// The chain files (the records), by name.
fn records(ledger: &Path) -> Vec<(String, Vec<u8>)> {
    ["descriptors.jsonl", "pulses.jsonl", "events.jsonl"]
        .iter()
        .map(|f| ((*f).to_owned(), fs::read(ledger.join(f)).unwrap()))
        .collect()
}

/// The verifier key printed by `iss key verifier` for a ledger or key file.
fn vkey(of: &Path) -> String {
    let r = iss(
        &["key".into(), "verifier".into(), of.display().to_string()],
        None,
        None,
    );
    assert_eq!(r.code, Some(0), "{r:?}");
    r.stdout.trim().to_owned()
}

/// `iss verify`: its exit and the kinds of its findings.
fn verdict(ledger: &Path) -> (Option<i32>, Vec<String>, u64) {
    let (code, found, unsigned) = common::faults::verify(ledger);
    (
        code,
        found.into_iter().map(|(_, k, _)| k).collect(),
        unsigned,
    )
}

/// Rotated once, to the key `vkey`; clean, every record signed.
fn assert_rotated_to(ledger: &Path, vkey: &str, ctx: &str) {
    let records: Vec<String> = common::read_lines(&ledger.join("events.jsonl"))
        .into_iter()
        .filter(|l| l.contains("new_vkey"))
        .collect();
    assert_eq!(records.len(), 1, "one rotation record: {ctx}");
    assert!(
        records[0].contains(vkey),
        "the rotation introduces {vkey}: {ctx}"
    );
    let (code, kinds, unsigned) = verdict(ledger);
    assert_eq!((code, kinds, unsigned), (Some(0), vec![], 0), "{ctx}");
}

/// Rotated once, to the key in `new.key`; clean, every record signed.
fn assert_rotated(dir: &Path, ctx: &str) {
    assert_eq!(
        vkey(&dir.join("l")),
        vkey(&dir.join("new.key")),
        "the key in use is the key file's: {ctx}"
    );
    assert_rotated_to(&dir.join("l"), &vkey(&dir.join("new.key")), ctx);
}

/// The verifier key a rotation's `--json` line names.
fn printed_vkey(stdout: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap_or("")).unwrap();
    v["new_verifier_key"].as_str().unwrap().to_owned()
}

/// The same rotation again, after a stop: it must finish, with the key
/// the key file holds (the command derives the key it prints from it).
fn rerun(ledger: &Path, ctx: &str) {
    let r = run(ledger, ROTATE, None);
    assert_eq!(r.code, Some(0), "the same command again: {ctx}\n{r:?}");
    assert_rotated_to(ledger, &printed_vkey(&r.stdout), ctx);
}

/// Whether `events` holds a whole rotation record.
fn rotation_recorded(ledger: &Path) -> bool {
    fs::read_to_string(ledger.join("events.jsonl"))
        .unwrap()
        .split_inclusive('\n')
        .any(|l| l.ends_with('\n') && l.contains("new_vkey"))
}

/// One fault at one step; what kind of outcome it was.
fn one(base: &Path, plan: &str) -> &'static str {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(base, dir.path());
    let ledger = dir.path().join("l");
    let new_key = dir.path().join("new.key");
    let before = snapshot(&ledger);
    let records_before = records(&ledger);
    let r = run(&ledger, ROTATE, Some(plan));
    let ctx = format!("{plan}: {r:?}");
    let outcome = match (r.code, r.signal) {
        (Some(0), _) => {
            // A latest-checkpoint file that could not be replaced in the
            // cosigned round is replaced by the round with the new key:
            // everything is done, and must be.
            assert_rotated_to(&ledger, &printed_vkey(&r.stdout), &ctx);
            "rotated, a failed step made good"
        }
        (Some(2), _) => {
            assert!(r.stderr.contains("not rotated"), "{ctx}");
            assert!(
                r.stderr.contains("Running the same command again is safe"),
                "{ctx}"
            );
            assert!(!new_key.exists(), "a key no ledger needs was left: {ctx}");
            assert_eq!(records(&ledger), records_before, "records changed: {ctx}");
            let (code, kinds, _) = verdict(&ledger);
            assert_eq!(code, Some(0), "{ctx}: {kinds:?}");
            assert!(
                kinds.iter().all(|k| k == "CHECKPOINT_LAG"),
                "{ctx}: {kinds:?}"
            );
            if snapshot(&ledger) == before {
                "unchanged"
            } else {
                "not rotated, cosigned checkpoints left"
            }
        }
        (Some(3), _) => {
            assert!(r.stdout.contains("\"rotation\""), "{ctx}");
            assert!(r.stderr.contains("acknowledged, but"), "{ctx}");
            assert!(new_key.exists(), "{ctx}");
            assert!(common::faults::temp_files(&ledger).is_empty(), "{ctx}");
            let fin = iss(&common::faults::finisher(&r.stderr), None, None);
            assert_eq!(fin.code, Some(0), "{ctx}\n{fin:?}");
            assert_rotated_to(&ledger, &printed_vkey(&r.stdout), &ctx);
            "durable, checkpoint finished after"
        }
        (None, Some(9)) => {
            let events_changed = fs::read(ledger.join("events.jsonl")).unwrap()
                != fs::read(base.join("l/events.jsonl")).unwrap();
            assert!(
                new_key.exists() || !events_changed,
                "the rotation record may be on disk but its key is gone: {ctx}"
            );
            let (code, kinds, _) = verdict(&ledger);
            assert!(
                kinds.iter().all(|k| RECOVERABLE.contains(&k.as_str())),
                "{ctx}: {kinds:?}"
            );
            if kinds.iter().any(|k| k == "TORN_TAIL") {
                assert_eq!(code, Some(1), "{ctx}");
                // Repaired with the key in use: the new one once the
                // rotation record is whole in `events`.
                let key = if rotation_recorded(&ledger) {
                    "{L}/../new.key"
                } else {
                    "{L}/../l.key"
                };
                let fix = run(&ledger, &["repair", "{L}", "--key", key], None);
                assert_eq!(fix.code, Some(0), "{ctx}\n{fix:?}");
            } else {
                assert_eq!(code, Some(0), "{ctx}: {kinds:?}");
            }
            "killed"
        }
        _ => panic!("an outcome outside the contract: {ctx}"),
    };
    let again = run(&ledger, ROTATE, None);
    if again.code == Some(2) && again.stderr.contains("o ledger can be using it") {
        // Killed while the key file was written (before any ledger write),
        // or the key's cosignatures were followed by a checkpoint without
        // it (the repair of a torn record): the command refuses the file,
        // saying no ledger can need it. None does: no whole record names it.
        assert!(!rotation_recorded(&ledger), "{ctx}\n{again:?}");
        fs::remove_file(&new_key).unwrap();
        rerun(&ledger, &ctx);
    } else {
        assert_eq!(
            again.code,
            Some(0),
            "the same command again: {ctx}\n{again:?}"
        );
        assert_rotated_to(&ledger, &printed_vkey(&again.stdout), &ctx);
    }
    outcome
}

/// The faults tried: at every step a kill before it and ENOSPC instead of
/// it; EIO too where the outcome is decided (the key file and the rotation
/// record); for a write, half of it then ENOSPC, and half then a kill; a
/// kill after the last step, before the acknowledgement.
fn plans(steps: &[String]) -> Vec<String> {
    let mut plans = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let k = i + 1;
        plans.extend([format!("{k}:kill"), format!("{k}:enospc")]);
        if step.ends_with("new.key") || step.ends_with("l/..") || step.ends_with("events.jsonl") {
            plans.push(format!("{k}:eio"));
        }
        if step.starts_with("write ") {
            plans.extend([format!("{k}:short"), format!("{k}:short-kill")]);
        }
    }
    plans.push(format!("{}:kill-after", steps.len()));
    plans
}

#[test]
fn every_step_of_a_rotation() {
    if !seam_available() {
        return;
    }
    let base = base();
    let steps = traced_steps(base.path());
    assert_eq!(
        steps,
        rotation_steps(),
        "the rotation's write sequence changed; enumerate its new steps (and their states) here"
    );
    let plans = plans(&steps);
    // The runs are independent (each on its own copy): a few at a time.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let tally = std::sync::Mutex::new(std::collections::BTreeMap::<&str, usize>::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some(plan) =
                    plans.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    let outcome = one(base.path(), plan);
                    *tally.lock().unwrap().entry(outcome).or_default() += 1;
                }
            });
        }
    });
    let tally = tally.into_inner().unwrap();
    eprintln!(
        "key rotate: {} steps, {} runs, {tally:?}",
        steps.len(),
        plans.len()
    );
    assert!(tally.contains_key("unchanged") && tally.contains_key("killed"));
    assert!(tally.contains_key("durable, checkpoint finished after"));
}

/// Issue 10: ENOSPC while the old and the new key cosign (before the
/// rotation record) exited 2 but left the new key file, and running the
/// command again failed with "cannot create the key file: File exists",
/// nothing saying whether the file could be deleted.
#[test]
fn a_rotation_that_fails_before_its_record_removes_its_key_and_can_be_run_again() {
    if !seam_available() {
        return;
    }
    let base = base();
    let ledger = base.path().join("l");
    // Step 5 opens the history of `descriptors` for the cosigned checkpoint.
    let r = run(&ledger, ROTATE, Some("5:enospc"));
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("No space left on device"), "{r:?}");
    assert!(r.stderr.contains("not rotated"), "{r:?}");
    assert!(r.stderr.contains("was removed"), "{r:?}");
    assert!(!base.path().join("new.key").exists(), "{r:?}");
    rerun(&ledger, "after ENOSPC at step 5");
    assert_rotated(base.path(), "after ENOSPC at step 5");
}

/// Issue 10: a kill before the rotation record left a key file that made
/// every later run fail ("File exists"); now it is used again.
#[test]
fn a_rotation_killed_before_its_record_is_finished_with_the_key_file_it_left() {
    if !seam_available() {
        return;
    }
    let base = base();
    let ledger = base.path().join("l");
    let r = run(&ledger, ROTATE, Some("5:kill"));
    assert_eq!(r.signal, Some(9), "{r:?}");
    let left = base.path().join("new.key");
    let key = vkey(&left);
    let again = run(&ledger, ROTATE, None);
    assert_eq!(again.code, Some(0), "{again:?}");
    assert!(
        again.stderr.contains("exists: using the key it holds"),
        "{again:?}"
    );
    assert_eq!(vkey(&left), key, "the file is used, not replaced");
    assert_rotated(base.path(), "rerun after a kill at step 5");
}

/// A key file whose cosignatures (of a rotation killed before its record)
/// were followed by a checkpoint without it is refused: rotating to it
/// would make that checkpoint read as the retired key signing after its
/// successor (found by the step test: a torn rotation record, repaired,
/// then the same command, verified `RETIRED_KEY`). Removing it, as the
/// message says, is safe.
#[test]
fn a_key_file_whose_cosignatures_were_followed_by_other_checkpoints_is_refused() {
    if !seam_available() {
        return;
    }
    let base = base();
    let ledger = base.path().join("l");
    // Killed before the rotation record, after every chain was cosigned.
    let k = rotation_steps()
        .iter()
        .position(|s| s == "open l/events.jsonl")
        .unwrap()
        + 1;
    let r = run(&ledger, ROTATE, Some(&format!("{k}:kill")));
    assert_eq!(r.signal, Some(9), "{r:?}");
    let a = iss(
        &args_for(
            &["append", "descriptor", "{L}", "--key", "{L}/../l.key"],
            &ledger,
        ),
        Some(D),
        None,
    );
    assert_eq!(a.code, Some(0), "{a:?}");
    let before = snapshot(base.path());
    let again = run(&ledger, ROTATE, None);
    assert_eq!(again.code, Some(2), "{again:?}");
    assert!(
        again.stderr.contains("No ledger can be using it"),
        "{again:?}"
    );
    assert!(again.stderr.contains("RETIRED_KEY"), "{again:?}");
    assert!(snapshot(base.path()) == before, "nothing changed");
    fs::remove_file(base.path().join("new.key")).unwrap();
    rerun(&ledger, "with a new key file");
    assert_rotated(base.path(), "with a new key file");
}

/// A kill after the rotation record: the same command finishes the
/// rotation (the key in use is the key file's) instead of failing.
#[test]
fn a_rotation_killed_after_its_record_is_finished_by_the_same_command() {
    if !seam_available() {
        return;
    }
    let base = base();
    let ledger = base.path().join("l");
    let steps = rotation_steps();
    // Before the `events` checkpoint with the new key.
    let k = steps.len() - checkpoint_steps("events").len() + 1;
    let r = run(&ledger, ROTATE, Some(&format!("{k}:kill")));
    assert_eq!(r.signal, Some(9), "{r:?}");
    let again = run(&ledger, ROTATE, None);
    assert_eq!(again.code, Some(0), "{again:?}");
    assert!(
        again.stdout.contains("\"already_rotated\":true"),
        "{again:?}"
    );
    assert_rotated(base.path(), "rerun after the record");
}

/// A key file the ledger already knows (here: the key in use) is refused,
/// and left as it is.
#[test]
fn an_existing_key_file_the_ledger_knows_is_refused_and_kept() {
    let base = base();
    let ledger = base.path().join("l");
    let r = run(
        &ledger,
        &[
            "key",
            "rotate",
            "--key",
            "{L}/../l.key",
            "--new-key",
            "{L}/../l.key",
            "{L}",
        ],
        None,
    );
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("already trusted"), "{r:?}");
    assert!(base.path().join("l.key").exists());
    let (code, kinds, _) = verdict(&ledger);
    assert_eq!((code, kinds), (Some(0), vec![]));
}
