//! Concurrent writers queue on the lock: every line lands whole, exactly
//! once, never interleaved, whether the writers are threads or processes.

mod common;

/// Not a check: the append worker the tests below start in a new process
/// (see `common::append_worker`); returns at once in an ordinary run.
#[test]
fn worker_entry() {
    common::append_worker::entry();
}

use iss_workstation::ledger::append::{AppendOptions, LedgerLock, Tail, TailState, append_lines};
use std::path::Path;
use std::process::Stdio;
use std::thread;

/// One locked append as the product does it: lock, read tail, append.
fn locked_append(dir: &Path, path: &Path, line: &str) {
    let mut lock = LedgerLock::acquire(dir).unwrap();
    let expected = match Tail::read(path).unwrap() {
        TailState::Missing | TailState::Empty => Tail::EMPTY,
        TailState::Clean(t) => t,
        TailState::Torn { .. } => panic!("torn tail under the lock"),
    };
    let opts = AppendOptions { create: true };
    append_lines(&mut lock, path, &expected, &[line], opts).unwrap();
}

#[test]
fn four_threads_append_2000_lines_without_interleaving() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.jsonl");
    thread::scope(|s| {
        for t in 0..4 {
            let (dir, path) = (dir.path(), path.as_path());
            s.spawn(move || {
                for n in 0..500 {
                    // Varying sizes, so a lost lock would show as torn lines.
                    locked_append(
                        dir,
                        path,
                        &common::append_lines::line(&format!("t{t}"), n, (n as usize * 37) % 300),
                    );
                }
            });
        }
    });
    let (lines, torn) = common::append_lines::read_ledger(&path);
    assert!(torn.is_empty(), "the file must end with a newline");
    assert_eq!(lines.len(), 2000);
    let counts = common::append_lines::check_order(&lines);
    for t in 0..4 {
        assert_eq!(counts[&format!("t{t}")], 500, "thread {t}");
    }
}

#[test]
fn two_processes_append_4000_lines_without_interleaving() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.jsonl");
    let workers: Vec<_> = ["p0", "p1"]
        .iter()
        .map(|tag| {
            common::append_worker::command(&[path.to_str().unwrap(), "2000", tag, "200"])
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for w in workers {
        let out = w.wait_with_output().unwrap();
        assert!(out.status.success(), "worker failed: {:?}", out.status);
        let acks = String::from_utf8(out.stdout).unwrap();
        assert_eq!(common::append_worker::acks(&acks).count(), 2000);
    }
    let (lines, torn) = common::append_lines::read_ledger(&path);
    assert!(torn.is_empty());
    assert_eq!(lines.len(), 4000);
    let counts = common::append_lines::check_order(&lines);
    assert_eq!((counts["p0"], counts["p1"]), (2000, 2000));
}

/// A writer that ignores the lock (here: one that locks a different
/// directory) can make appends fail, but never makes one acknowledge a
/// record that is not exactly where the acknowledgement says.
#[test]
fn a_writer_ignoring_the_lock_cannot_cause_a_wrong_ack() {
    let root = tempfile::tempdir().unwrap();
    let sub = root.path().join("ledgers");
    std::fs::create_dir(&sub).unwrap();
    let path = sub.join("chain.jsonl");
    let acks = thread::scope(|s| {
        let workers: Vec<_> = [root.path(), sub.as_path()]
            .into_iter()
            .enumerate()
            .map(|(w, lock_dir)| {
                let path = path.as_path();
                s.spawn(move || {
                    let mut acks = Vec::new();
                    for n in 0..150 {
                        // Two different lock files: no exclusion at all.
                        let mut lock = LedgerLock::acquire(lock_dir).unwrap();
                        let Ok(state) = Tail::read(path) else {
                            continue;
                        };
                        let line = common::append_lines::line(&format!("w{w}"), n, 4000);
                        let opts = AppendOptions { create: true };
                        if let Ok(done) =
                            append_lines(&mut lock, path, &state.complete(), &[&line], opts)
                        {
                            acks.push((done.offset, line));
                        }
                    }
                    acks
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect::<Vec<_>>()
    });
    let data = std::fs::read(&path).unwrap();
    assert!(!acks.is_empty());
    for (offset, line) in &acks {
        let record = format!("{line}\n");
        let at = usize::try_from(*offset).unwrap();
        assert_eq!(&data[at..at + record.len()], record.as_bytes());
    }
}
