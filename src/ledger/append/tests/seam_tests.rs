//! Every step of an append or a repair made to fail through the storage
//! seam: the error names the step and the file, and the file is exactly as
//! it was (a failed write's bytes are provably ours and removed; a backup of
//! a cut that did not happen is removed).

use super::write_file;
use crate::ledger::append::fault::{FaultPlan, FaultyStorage};
use crate::ledger::append::{
    AppendError, AppendOptions, LedgerLock, Op, Repair, Tail, TailState, append_lines,
    repair_torn_tail,
};
use std::fs;
use std::path::Path;
use std::sync::Arc;

fn lock_with(dir: &Path, plan: &str) -> (LedgerLock, Arc<FaultyStorage>) {
    let storage = Arc::new(FaultyStorage::new(FaultPlan::parse(plan).unwrap()));
    let lock = LedgerLock::acquire(dir)
        .unwrap()
        .with_storage(storage.clone());
    (lock, storage)
}

fn tail(p: &Path) -> Tail {
    match Tail::read(p).unwrap() {
        TailState::Clean(t) => t,
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_append_failing_at_any_step_leaves_the_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "l", b"{\"a\":1}\n");
    // open, write, fdatasync, open for the read-back.
    let (ops, expected_op) = ([1, 2, 3, 4], [Op::Open, Op::Write, Op::Sync, Op::ReadBack]);
    for (step, op) in ops.iter().zip(expected_op) {
        for action in ["enospc", "eio", "short"] {
            if action == "short" && op != Op::Write {
                continue;
            }
            let (mut lock, storage) = lock_with(dir.path(), &format!("{step}:{action}"));
            let before = fs::read(&p).unwrap();
            let e = append_lines(
                &mut lock,
                &p,
                &tail(&p),
                &["{\"b\":2}", "{\"c\":3}"],
                AppendOptions::default(),
            )
            .unwrap_err();
            let ctx = format!("step {step} {action}: {e}");
            assert!(e.left_file_unchanged(), "{ctx}");
            let named = match &e {
                AppendError::DiskFull { op: o, path, .. } | AppendError::Io { op: o, path, .. } => {
                    *o == op && path == &p
                }
                _ => false,
            };
            assert!(named, "{ctx}");
            assert_eq!(fs::read(&p).unwrap(), before, "{ctx}");
            assert!(storage.steps() >= *step, "{ctx}");
        }
    }
    // With no fault, the same append goes through.
    let (mut lock, storage) = lock_with(dir.path(), "");
    append_lines(
        &mut lock,
        &p,
        &tail(&p),
        &["{\"b\":2}"],
        AppendOptions::default(),
    )
    .unwrap();
    assert_eq!(storage.steps(), 4);
}

#[test]
fn a_repair_failing_before_its_cut_keeps_no_backup_and_cuts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "l", b"{\"a\":1}\n{\"b\"");
    // open, create backup, write it, fsync it, sync the folder, open it for
    // the check, truncate.
    for step in 1..=7 {
        for action in ["enospc", "eio"] {
            let (mut lock, _) = lock_with(dir.path(), &format!("{step}:{action}"));
            let e = repair_torn_tail(&mut lock, &p, dir.path()).unwrap_err();
            assert_eq!(
                fs::read(&p).unwrap(),
                b"{\"a\":1}\n{\"b\"",
                "step {step}: {e}"
            );
            let names: Vec<_> = fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".torn-"))
                .collect();
            assert!(names.is_empty(), "step {step} {action}: {names:?} ({e})");
        }
    }
    // The fsync after the cut failing: the cut is made and reported with it.
    let (mut lock, _) = lock_with(dir.path(), "8:eio");
    let Repair::Truncated(t) = repair_torn_tail(&mut lock, &p, dir.path()).unwrap() else {
        panic!("not cut");
    };
    assert!(t.sync_error.is_some());
    assert_eq!(fs::read(&p).unwrap(), b"{\"a\":1}\n");
    assert_eq!(fs::read(&t.backup).unwrap(), b"{\"b\"");
}

#[test]
fn a_fault_plan_is_read_exactly_or_refused() {
    let p = FaultPlan::parse("3:kill, 5:enospc,trace=/tmp/t,7:short-kill").unwrap();
    assert_eq!(p.faults.len(), 3);
    assert_eq!(p.trace.as_deref(), Some(Path::new("/tmp/t")));
    for bad in ["3", "0:kill", "x:kill", "3:explode", "kill"] {
        assert!(FaultPlan::parse(bad).is_err(), "{bad}");
    }
}
