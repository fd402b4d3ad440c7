//! Fault injection through the storage seam, for tests only.
//!
//! Compiled into test builds only (`debug_assertions`, which `cargo build`
//! and `cargo test` have and `cargo build --release` / `cargo install` do
//! not): a release `iss` contains none of this and reads no variable.
//!
//! A [`FaultyStorage`] wraps [`OsStorage`] and numbers every step a write
//! takes (1, 2, ...). A [`FaultPlan`] says what to do at given steps: fail
//! it with an OS error without doing it, write only part of it, or stop the
//! process with `SIGKILL` before or after it — a real `kill -9` at a known
//! instant, so that a test can visit every intermediate state of a write
//! sequence instead of the ones random kills happen to hit.
//!
//! Library tests hand a `FaultyStorage` to a lock
//! ([`LedgerLock::with_storage`](super::LedgerLock::with_storage)), or to
//! every lock their thread takes (`storage::with_thread_storage`). A test that
//! runs the `iss` binary sets the environment variable `ISS_FAULT_PLAN`
//! (read once per process, only in a test build; `iss` then says on
//! standard error that a fault plan is active, and refuses to run with a
//! plan it cannot parse, so a typo never silently tests nothing):
//!
//! ```text
//! ISS_FAULT_PLAN=trace=/tmp/steps            # only number the steps, one line each: "<n> <step> <path>"
//! ISS_FAULT_PLAN=3:kill                      # SIGKILL before step 3
//! ISS_FAULT_PLAN=3:kill-after,trace=/tmp/s   # do step 3, then SIGKILL; and trace
//! ISS_FAULT_PLAN=5:enospc                    # step 5 fails with ENOSPC, not done
//! ISS_FAULT_PLAN=5:eio,6:eio                 # steps 5 and 6 fail with EIO
//! ISS_FAULT_PLAN=4:short                     # a write step writes half its bytes, then fails with ENOSPC
//! ISS_FAULT_PLAN=4:short-kill                # ... writes half its bytes, then SIGKILL
//! ISS_FAULT_PLAN=4:stop,7:stop               # SIGSTOP before steps 4 and 7 (a test resumes it with SIGCONT)
//! ```
//!
//! `stop` pauses the writer at a known instant, so that a reader (the
//! watcher) can be run against every state the write passes through; in a
//! library test a [`Gate`] does the same without stopping the process.
//!
//! `short` on a step that is not a write acts as `enospc`, `short-kill` as
//! `kill`.

use super::error::Op;
use super::storage::{OsStorage, Storage, SyncKind};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// The environment variable a test build reads its fault plan from.
pub const ENV: &str = "ISS_FAULT_PLAN";

/// What to do at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `SIGKILL` this process before the step.
    Kill,
    /// Do the step, then `SIGKILL` this process.
    KillAfter,
    /// Fail the step with this OS error (`errno`), without doing it.
    Fail(i32),
    /// A write step writes half its bytes, then fails with `ENOSPC`.
    Short,
    /// A write step writes half its bytes, then `SIGKILL`.
    ShortKill,
    /// `SIGSTOP` this process before the step; it continues (with the
    /// step) when it gets `SIGCONT`.
    Stop,
}

/// `ENOSPC`.
const ENOSPC: i32 = 28;
/// `EIO`.
const EIO: i32 = 5;

/// Which steps to fault, and where to trace them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultPlan {
    /// `(step, action)`, steps numbered from 1.
    pub faults: Vec<(u64, Action)>,
    /// A file to append one line per step to.
    pub trace: Option<PathBuf>,
}

impl FaultPlan {
    /// Parse the text of [`ENV`] (see the module documentation).
    pub fn parse(text: &str) -> Result<FaultPlan, String> {
        let mut plan = FaultPlan::default();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if let Some(path) = item.strip_prefix("trace=") {
                plan.trace = Some(PathBuf::from(path));
                continue;
            }
            let (step, action) = item
                .split_once(':')
                .ok_or_else(|| format!("{item:?}: expected STEP:ACTION or trace=PATH"))?;
            let step: u64 = step
                .parse()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{item:?}: the step is a number from 1"))?;
            let action = match action {
                "kill" => Action::Kill,
                "kill-after" => Action::KillAfter,
                "eio" => Action::Fail(EIO),
                "enospc" => Action::Fail(ENOSPC),
                "short" => Action::Short,
                "short-kill" => Action::ShortKill,
                "stop" => Action::Stop,
                other => {
                    return Err(format!(
                        "{item:?}: unknown action {other:?} (kill, kill-after, eio, enospc, short, short-kill, stop)"
                    ));
                }
            };
            plan.faults.push((step, action));
        }
        Ok(plan)
    }
}

/// Called before every step with its number, name and path, before the
/// plan's fault for it, and within a write between its pieces (a write
/// under a gate is made in up to three pieces, name `write-part`): a test
/// holds the writer there (a pause) while it looks at the files, and lets
/// it go on by returning.
pub type Gate = Arc<dyn Fn(u64, &str, &Path) + Send + Sync>;

/// [`OsStorage`] with numbered steps and the faults of a plan.
pub struct FaultyStorage {
    inner: OsStorage,
    plan: FaultPlan,
    steps: AtomicU64,
    gate: Option<Gate>,
}

impl std::fmt::Debug for FaultyStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultyStorage")
            .field("plan", &self.plan)
            .field("steps", &self.steps)
            .field("gate", &self.gate.is_some())
            .finish_non_exhaustive()
    }
}

impl FaultyStorage {
    /// A storage that follows `plan`.
    pub fn new(plan: FaultPlan) -> Self {
        FaultyStorage {
            inner: OsStorage,
            plan,
            steps: AtomicU64::new(0),
            gate: None,
        }
    }

    /// A storage that follows `plan` and calls `gate` before every step.
    pub fn with_gate(plan: FaultPlan, gate: Gate) -> Self {
        FaultyStorage {
            gate: Some(gate),
            ..FaultyStorage::new(plan)
        }
    }

    /// How many steps were taken so far.
    pub fn steps(&self) -> u64 {
        self.steps.load(Ordering::SeqCst)
    }

    /// Number the next step, trace it, and say what to do at it.
    fn step(&self, name: &str, path: &Path) -> Option<Action> {
        let n = self.steps.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(trace) = &self.plan.trace {
            // One write per line on an O_APPEND handle: lines from a killed
            // process are whole, and the step is traced before it is taken.
            let line = format!("{n} {name} {}\n", path.display());
            let _ = OpenOptions::new()
                .create(true)
                .append(true)
                .open(trace)
                .and_then(|mut f| f.write_all(line.as_bytes()));
        }
        if let Some(gate) = &self.gate {
            gate(n, name, path);
        }
        let action = self
            .plan
            .faults
            .iter()
            .find(|(s, _)| *s == n)
            .map(|(_, a)| *a);
        if action == Some(Action::Stop) {
            // Paused here until SIGCONT; then the step is taken as planned.
            stop_self();
            return None;
        }
        action
    }

    /// Run a step that is not a write under the plan.
    fn run<T>(&self, name: &str, path: &Path, op: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
        match self.step(name, path) {
            // `Stop` paused the process in `step`; the step is then taken.
            None | Some(Action::Stop) => op(),
            Some(Action::Kill | Action::ShortKill) => kill_self(),
            Some(Action::Fail(errno)) => Err(io::Error::from_raw_os_error(errno)),
            Some(Action::Short) => Err(io::Error::from_raw_os_error(ENOSPC)),
            Some(Action::KillAfter) => {
                let _ = op();
                kill_self()
            }
        }
    }
}

impl FaultyStorage {
    /// A write under a gate, in pieces, the gate called between them: up
    /// to the end of the first line, up to half, the rest. A reader can
    /// then be run against a write of several lines seen part way, as a
    /// concurrent reader may see it (a write is not atomic to readers).
    fn write_gated(&self, file: &File, path: &Path, buf: &[u8]) -> io::Result<()> {
        let first_line = buf
            .iter()
            .position(|&b| b == b'\n')
            .map_or(buf.len(), |i| i + 1);
        let mut cuts = vec![first_line, buf.len() / 2];
        cuts.retain(|&c| c > 0 && c < buf.len());
        cuts.sort_unstable();
        cuts.dedup();
        let mut at = 0;
        for cut in cuts {
            self.inner.write_all(file, path, &buf[at..cut])?;
            at = cut;
            if let Some(gate) = &self.gate {
                gate(self.steps(), "write-part", path);
            }
        }
        self.inner.write_all(file, path, &buf[at..])
    }
}

/// Stop this process as `kill -9` does: no destructor, no flush, no exit code.
fn kill_self() -> ! {
    let _ = rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
    // SIGKILL cannot be caught; this is not reached.
    std::process::abort()
}

/// Pause this process as `kill -STOP` does, until a `SIGCONT`.
fn stop_self() {
    let _ = rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::STOP);
}

/// The name of an open step in traces.
fn open_name(op: Op) -> &'static str {
    match op {
        Op::Create => "create",
        Op::ReadBack => "open-read-back",
        Op::Backup => "create-backup",
        Op::TempFile => "create-temp",
        Op::RecordFile => "create-record",
        _ => "open",
    }
}

impl Storage for FaultyStorage {
    fn open(&self, path: &Path, options: &OpenOptions, op: Op) -> io::Result<File> {
        self.run(open_name(op), path, || self.inner.open(path, options, op))
    }

    fn write_all(&self, file: &File, path: &Path, buf: &[u8]) -> io::Result<()> {
        let half = &buf[..buf.len() / 2];
        match self.step("write", path) {
            None | Some(Action::Stop) if self.gate.is_some() => self.write_gated(file, path, buf),
            None | Some(Action::Stop) => self.inner.write_all(file, path, buf),
            Some(Action::Kill) => kill_self(),
            Some(Action::KillAfter) => {
                let _ = self.inner.write_all(file, path, buf);
                kill_self()
            }
            Some(Action::Fail(errno)) => Err(io::Error::from_raw_os_error(errno)),
            Some(Action::Short) => {
                self.inner.write_all(file, path, half)?;
                Err(io::Error::from_raw_os_error(ENOSPC))
            }
            Some(Action::ShortKill) => {
                let _ = self.inner.write_all(file, path, half);
                kill_self()
            }
        }
    }

    fn sync(&self, file: &File, path: &Path, kind: SyncKind) -> io::Result<()> {
        let name = match kind {
            SyncKind::Data => "fdatasync",
            SyncKind::All => "fsync",
        };
        self.run(name, path, || self.inner.sync(file, path, kind))
    }

    fn set_len(&self, file: &File, path: &Path, len: u64) -> io::Result<()> {
        self.run("truncate", path, || self.inner.set_len(file, path, len))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.run("rename", to, || self.inner.rename(from, to))
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        self.run("remove", path, || self.inner.remove_file(path))
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        self.run("sync-dir", dir, || self.inner.sync_dir(dir))
    }

    fn create_dir(&self, path: &Path) -> io::Result<()> {
        self.run("mkdir", path, || self.inner.create_dir(path))
    }
}

/// The process's plan from [`ENV`], parsed once: `Ok(None)` when unset.
fn env_plan() -> &'static Result<Option<Arc<FaultyStorage>>, String> {
    static PLAN: OnceLock<Result<Option<Arc<FaultyStorage>>, String>> = OnceLock::new();
    PLAN.get_or_init(|| match std::env::var(ENV) {
        Err(_) => Ok(None),
        Ok(text) => FaultPlan::parse(&text)
            .map(|p| Some(Arc::new(FaultyStorage::new(p))))
            .map_err(|e| format!("{ENV}={text:?}: {e}")),
    })
}

/// The storage of [`ENV`]'s plan, shared by every lock of this process (the
/// steps are numbered across all of a command's writes).
///
/// # Panics
/// When the plan cannot be parsed: the `iss` binary checks it first with
/// [`check_env`] and exits with a message instead.
pub fn from_env() -> Option<Arc<dyn Storage>> {
    match env_plan() {
        Ok(Some(s)) => Some(s.clone() as Arc<dyn Storage>),
        Ok(None) => None,
        Err(e) => panic!("{e}"),
    }
}

/// For the `iss` binary at start: the banner to print when a plan is
/// active, or why the plan cannot be used.
pub fn check_env() -> Result<Option<String>, String> {
    match env_plan() {
        Ok(Some(s)) => Ok(Some(format!(
            "iss: test build: fault plan active ({ENV}): {:?}",
            s.plan
        ))),
        Ok(None) => Ok(None),
        Err(e) => Err(e.clone()),
    }
}
