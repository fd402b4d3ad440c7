//! A watcher running while our own writer appends never reports a
//! violation for a state the writer passes through.
//!
//! The writer (the same batch append `iss append` and `iss serve --write`
//! use) runs on its own thread through the storage seam, with a gate that
//! holds it before every step (open, write, fdatasync, read-back, rename,
//! ...) and between the pieces of each write. A rescan looks at the
//! ledger's files one at a time; a look hook moves the writer on between
//! two of those looks. So for every pair of writer states `a <= b` (those
//! a reader can tell apart) and every look `k` of a rescan at a file the
//! writer writes, one watcher
//! (baselined before the write) starts a rescan at state `a` and does its
//! looks from the `k`-th on at state `b`: every instant at which a real
//! watcher and writer can interleave, visited deterministically. None may
//! report a violation, an alert or an error; at most a line is pending.

use super::descriptor;
use crate::ledger::append::fault::{FaultPlan, FaultyStorage, Gate};
use crate::ledger::append::with_thread_storage;
use crate::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use crate::ledger::model::report::LedgerStatus;
use crate::ledger::native::secret::read_signer;
use crate::ledger::native::write::NativeWriter;
use crate::ledger::native::write::init::{InitOptions, init};
use crate::ledger::watch::file_state::set_before_look;
use crate::ledger::watch::{RecordStatus, Watch, WatchEvent, WatchOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

const NOW_MICROS: i64 = 1_767_225_600_000_000;

/// A write to watch: makes its ledger, then writes to it.
#[derive(Clone, Copy)]
enum Kind {
    Legacy,
    Native,
}

/// Make a ledger of `kind` under `dir`; its root.
fn make(kind: Kind, dir: &Path) -> PathBuf {
    let root = dir.join("ledger");
    match kind {
        Kind::Legacy => {
            let spec = SampleSpec {
                descriptors: 5,
                ..SampleSpec::default()
            };
            write_sample_ledger(&root, &spec).unwrap();
        }
        Kind::Native => {
            init(
                &root,
                &InitOptions {
                    origin: "iss.test/during-writes".into(),
                    key_path: dir.join("ledger.key"),
                    mac_key_path: None,
                    created: "2026-11-27T00:00:00.000000Z".into(),
                    genesis_extra: None,
                },
            )
            .unwrap();
        }
    }
    root
}

/// Append a batch of `n` descriptors to the ledger at `root`, as `iss
/// append` and `iss serve --write` do (native: then sign a checkpoint).
fn write(kind: Kind, root: &Path, n: usize) {
    let inputs: Vec<_> = (0..n).map(|i| descriptor(&format!("Batch_{i}"))).collect();
    match kind {
        Kind::Legacy => {
            crate::ledger::legacy::write::append::append_descriptors(
                root,
                inputs,
                NOW_MICROS,
                &mut |_| {},
            )
            .unwrap();
        }
        Kind::Native => {
            let key = root.with_file_name("ledger.key");
            let mut w = NativeWriter::open(root, Some(read_signer(&key).unwrap()), None).unwrap();
            let (_, cp) = crate::ledger::native::write::descriptors::append_descriptors(
                &mut w, inputs, NOW_MICROS, true,
            )
            .unwrap();
            assert!(
                matches!(
                    cp,
                    crate::ledger::native::write::CheckpointStatus::Signed(_)
                ),
                "{cp:?}"
            );
        }
    }
}

/// Where the writer and the parked watchers are.
#[derive(Default)]
struct Shared {
    /// The step the writer waits before (0: not there yet).
    reached: u64,
    /// Steps it may take.
    allowed: u64,
    /// The writer returned.
    done: bool,
    /// The writer state the watchers see now (steps taken).
    state: u64,
    /// Watchers running (not parked, not finished): the writer waits for 0.
    busy: usize,
    /// Watchers parked until a state: how many per state.
    parked_for: BTreeMap<u64, usize>,
}

struct Pace {
    m: Mutex<Shared>,
    cv: Condvar,
}

impl Pace {
    fn wait<'a>(
        &'a self,
        mut g: std::sync::MutexGuard<'a, Shared>,
        until: impl Fn(&Shared) -> bool,
    ) -> std::sync::MutexGuard<'a, Shared> {
        while !until(&g) {
            g = self.cv.wait(g).unwrap();
        }
        g
    }

    /// The writer's gate: hold it before its next pause until it is allowed.
    fn gate(&self) {
        let mut g = self.m.lock().unwrap();
        g.reached += 1;
        let n = g.reached;
        self.cv.notify_all();
        drop(self.wait(g, |s| s.allowed >= n));
    }

    /// Wait until the writer has taken `s` steps and holds before the next (or returned).
    fn writer_at(&self, s: u64) {
        let g = self.m.lock().unwrap();
        drop(self.wait(g, |x| x.done || (x.reached == s + 1 && x.allowed == s)));
    }

    /// A watcher at its `k`-th look: wait (parked) until the writer is at state `b`.
    fn park_until(&self, b: u64) {
        let mut g = self.m.lock().unwrap();
        if g.state == b {
            return;
        }
        g.busy -= 1;
        *g.parked_for.entry(b).or_default() += 1;
        self.cv.notify_all();
        drop(self.wait(g, |x| x.state == b));
    }

    fn finished(&self) {
        let mut g = self.m.lock().unwrap();
        g.busy -= 1;
        self.cv.notify_all();
    }
}

/// One watcher's part: rescan from state `a`, the looks from the `k`-th on at state `b`.
struct Run {
    a: u64,
    b: u64,
    k: usize,
    watch: Watch,
    events: Vec<WatchEvent>,
}

/// What must never be seen while our own writer writes.
fn wrong(e: &WatchEvent) -> bool {
    match e {
        WatchEvent::Record(r) => r.status != RecordStatus::Verified,
        WatchEvent::Alert(_) | WatchEvent::Error(_) => true,
        WatchEvent::Reverified(r) | WatchEvent::Ready(r) => r.status != LedgerStatus::Clean,
        WatchEvent::Pending(_) | WatchEvent::Reverifying { .. } => false,
    }
}

/// What a reader can see of the files under `dir`: each file's path,
/// length and inode (our writers only append and rename).
fn visible(dir: &Path) -> Vec<(PathBuf, u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let mut v = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                v.push((e.path(), m.len(), m.ino()));
            }
        }
    }
    v.sort();
    v
}

/// The writer's pauses in a batch of `n` (before each step, within each
/// write), counted on a twin ledger, and the states a reader can tell
/// apart: the pause counts after which the files differ from the state
/// before (a sync or a read-back changes nothing a reader sees).
fn pauses(kind: Kind, n: usize) -> (u64, Vec<u64>) {
    let tmp = tempfile::tempdir().unwrap();
    let root = make(kind, tmp.path());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (s, dir) = (seen.clone(), tmp.path().to_path_buf());
    let gate: Gate = Arc::new(move |_, _, _| s.lock().unwrap().push(visible(&dir)));
    let storage = Arc::new(FaultyStorage::with_gate(FaultPlan::default(), gate));
    with_thread_storage(storage, || write(kind, &root, n));
    let mut states = seen.lock().unwrap().clone();
    states.push(visible(tmp.path()));
    let total = states.len() as u64 - 1;
    let distinct = (0..=total)
        .filter(|&i| i == 0 || states[i as usize] != states[i as usize - 1])
        .collect();
    (total, distinct)
}

/// Whether the writer of `kind` writes the file at `path` (looks at the
/// other files cannot fall between two of its steps in a way that matters).
fn written(kind: Kind, path: &Path) -> bool {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    match kind {
        Kind::Legacy => name == "spice_chain.jsonl" || name == "integrity_manifest.jsonl",
        Kind::Native => name.starts_with("descriptors."),
    }
}

/// Looks a rescan takes at most at the files the writer writes, plus one.
fn looks(kind: Kind, root: &Path) -> usize {
    let (mut w, _) = Watch::start(root, WatchOptions::default()).unwrap();
    let count = Arc::new(Mutex::new(0usize));
    let c = count.clone();
    set_before_look(Some(Box::new(move |p| {
        if written(kind, p) {
            *c.lock().unwrap() += 1;
        }
    })));
    let events = w.rescan(Instant::now());
    set_before_look(None);
    assert!(events.is_empty(), "{events:?}");
    let n = *count.lock().unwrap();
    n + 1
}

/// Every watcher/writer interleaving of a batch of `n` on a `kind` ledger:
/// the rescans that reported something wrong, as text.
fn interleavings(kind: Kind, n: usize) -> (usize, Vec<String>) {
    let (total, distinct) = pauses(kind, n);
    let tmp = tempfile::tempdir().unwrap();
    let root = make(kind, tmp.path());
    let looks = looks(kind, &root);
    let mut planned = Vec::new();
    for &a in &distinct {
        for &b in distinct.iter().filter(|&&b| b >= a) {
            for k in 1..=looks {
                if a == b && k > 1 {
                    continue; // the same as k = 1
                }
                let (watch, report) = Watch::start(&root, WatchOptions::default()).unwrap();
                assert_eq!(report.status, LedgerStatus::Clean);
                planned.push(Run {
                    a,
                    b,
                    k,
                    watch,
                    events: Vec::new(),
                });
            }
        }
    }
    let pace = Arc::new(Pace {
        m: Mutex::new(Shared::default()),
        cv: Condvar::new(),
    });
    let gate: Gate = {
        let pace = pace.clone();
        Arc::new(move |_, _, _| pace.gate())
    };
    let writer = {
        let (root, pace) = (root.clone(), pace.clone());
        std::thread::spawn(move || {
            let storage = Arc::new(FaultyStorage::with_gate(FaultPlan::default(), gate));
            with_thread_storage(storage, || write(kind, &root, n));
            pace.m.lock().unwrap().done = true;
            pace.cv.notify_all();
        })
    };
    let mut handles = Vec::new();
    let mut planned = planned.into_iter().peekable();
    for s in 0..=total {
        pace.writer_at(s);
        {
            let mut g = pace.m.lock().unwrap();
            g.state = s;
            let woken = g.parked_for.remove(&s).unwrap_or(0);
            g.busy += woken;
            pace.cv.notify_all();
        }
        while let Some(mut run) = planned.next_if(|r| r.a == s) {
            pace.m.lock().unwrap().busy += 1;
            let pace = pace.clone();
            handles.push(std::thread::spawn(move || {
                let mut seen = 0;
                let (p, b, k) = (pace.clone(), run.b, run.k);
                set_before_look(Some(Box::new(move |path| {
                    if written(kind, path) {
                        seen += 1;
                        if seen == k {
                            p.park_until(b);
                        }
                    }
                })));
                run.events = run.watch.rescan(Instant::now());
                set_before_look(None);
                pace.finished();
                run
            }));
        }
        // Every watcher of this state has looked at what it looks at now.
        let g = pace.m.lock().unwrap();
        let g = pace.wait(g, |x| x.busy == 0);
        let parked: usize = g.parked_for.values().sum();
        drop(g);
        if s < total {
            assert!(!pace.m.lock().unwrap().done, "the writer took fewer steps");
            pace.m.lock().unwrap().allowed = s + 1;
            pace.cv.notify_all();
        } else {
            assert_eq!(parked, 0, "watchers left parked");
        }
    }
    writer.join().unwrap();
    let runs = handles.len();
    let bad = handles
        .into_iter()
        .flat_map(|h| judge(kind, n, total, h.join().unwrap()))
        .collect();
    (runs, bad)
}

/// What a watcher reported wrong during the write and once it caught up
/// with the finished write (`run` is its part; a batch of `n` in `total`
/// pauses).
fn judge(kind: Kind, n: usize, total: u64, mut run: Run) -> Vec<String> {
    let mut bad = Vec::new();
    // Then the watcher catches up with the finished write.
    let more = run.watch.rescan(Instant::now());
    for e in run.events.iter().chain(&more) {
        if wrong(e) {
            bad.push(format!(
                "rescan from state {} with looks from #{} at state {} (of {total}): {}",
                run.a,
                run.k,
                run.b,
                e.text()
            ));
        }
    }
    let records = |file: &str| {
        run.events
            .iter()
            .chain(&more)
            .filter(|e| matches!(e, WatchEvent::Record(r) if r.file == file))
            .count()
    };
    let reverified = run
        .events
        .iter()
        .chain(&more)
        .any(|e| matches!(e, WatchEvent::Reverified(_)));
    if let Kind::Legacy = kind
        && !reverified
    {
        // Every appended line judged, each once.
        assert_eq!(
            (records("spice_chain"), records("integrity_manifest")),
            (n, n),
            "{} {} {}",
            run.a,
            run.k,
            run.b
        );
    }
    bad
}

fn check(kind: Kind, n: usize) {
    let (runs, bad) = interleavings(kind, n);
    assert!(runs > 20, "{runs} interleavings");
    assert!(
        bad.is_empty(),
        "{} of {runs} interleavings reported something wrong, first ones:\n{}",
        bad.len(),
        bad.iter().take(8).cloned().collect::<Vec<_>>().join("\n")
    );
    eprintln!("{runs} interleavings of a batch of {n}: none reported anything wrong");
}

#[test]
fn a_watcher_never_reports_a_violation_while_a_legacy_append_of_one_is_written() {
    check(Kind::Legacy, 1);
}

#[test]
fn a_watcher_never_reports_a_violation_while_a_legacy_batch_is_written() {
    check(Kind::Legacy, 3);
}

#[test]
fn a_watcher_never_reports_a_violation_while_a_native_append_of_one_is_written() {
    check(Kind::Native, 1);
}

#[test]
fn a_watcher_never_reports_a_violation_while_a_native_batch_is_written() {
    check(Kind::Native, 3);
}
