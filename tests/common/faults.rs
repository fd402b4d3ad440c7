//! Driving `iss` through the storage seam: a write command is run once to
//! number its steps, then once per step and fault (a `kill -9` before the
//! step, an ENOSPC or EIO instead of it, a short write), each on a fresh
//! copy of the same ledger, and every outcome is checked against the
//! exit-code contract (see `ledger::append` and docs/WRITES.md):
//!
//! - killed: every record it acknowledged (printed) is in the ledger; the
//!   ledger verifies clean or with only the documented recoverable findings;
//!   after the command that finishes an interrupted write it verifies as the
//!   ledger did before, and the next write succeeds;
//! - exit 2: nothing acknowledged, every file byte-identical;
//! - exit 3: the records acknowledged are in the ledger, the message names
//!   the command that finishes the write, and after that command the ledger
//!   verifies as before;
//! - no other exit status, and no temporary file left (but by a kill).
//!
//! The seam exists in test builds only (`debug_assertions`): a release
//! build of the tests skips these checks, saying so.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// Whether the `iss` under test has the fault seam; prints why not.
pub fn seam_available() -> bool {
    if cfg!(debug_assertions) {
        true
    } else {
        eprintln!(
            "skipped: a release build has no fault injection (ISS_FAULT_PLAN is read by test builds only)"
        );
        false
    }
}

/// What a run of `iss` did.
#[derive(Debug)]
pub struct Run {
    /// Exit status, `None` when killed by a signal.
    pub code: Option<i32>,
    /// The signal that stopped it.
    pub signal: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error (without the test build's fault-plan banner).
    pub stderr: String,
}

/// Run `iss args` with `stdin`, under fault `plan` when given.
pub fn iss(args: &[String], stdin: Option<&str>, plan: Option<&str>) -> Run {
    let mut cmd = super::iss_process();
    cmd.args(args)
        .env_remove("ISS_FAULT_PLAN")
        .env_remove("ISS_SIGNING_KEY")
        .env_remove("ISS_MAC_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = plan {
        cmd.env("ISS_FAULT_PLAN", p);
    }
    let mut child = cmd.spawn().expect("iss starts");
    {
        let mut input = child.stdin.take().unwrap();
        // A child killed before reading its input closes the pipe.
        let _ = input.write_all(stdin.unwrap_or("").as_bytes());
    }
    let out = child.wait_with_output().unwrap();
    let mut stderr = String::new();
    for l in String::from_utf8_lossy(&out.stderr).lines() {
        if !l.contains("fault plan active") {
            stderr.push_str(l);
            stderr.push('\n');
        }
    }
    Run {
        code: out.status.code(),
        signal: out.status.signal(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    }
}

/// Copy a folder tree, keeping every file's mode (a key file stays 0600).
pub fn copy_dir(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// Arguments with `{L}` replaced by `ledger`.
pub fn args_for(template: &[&str], ledger: &Path) -> Vec<String> {
    template
        .iter()
        .map(|a| a.replace("{L}", &ledger.display().to_string()))
        .collect()
}

/// The steps a command takes, as `"<step> <file name>"` (process ids and
/// nanosecond stamps in names replaced by `N`), from one traced run.
pub fn steps_of(
    base: &Path,
    ledger_rel: &str,
    template: &[&str],
    stdin: Option<&str>,
) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(base, dir.path());
    let trace = dir.path().join("trace");
    let r = iss(
        &args_for(template, &dir.path().join(ledger_rel)),
        stdin,
        Some(&format!("trace={}", trace.display())),
    );
    assert_eq!(r.code, Some(0), "traced run: {r:?}");
    fs::read_to_string(&trace)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            let (_, step, path) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
            let name = Path::new(path).file_name().unwrap().to_string_lossy();
            format!("{step} {}", normalise(&name))
        })
        .collect()
}

/// Digits after `tmp-`, `torn-` or `completion-` become `N`.
fn normalise(name: &str) -> String {
    let mut out = name.to_owned();
    for tag in ["tmp-", "torn-", "completion-", "batch-"] {
        if let Some(i) = out.find(tag) {
            let start = i + tag.len();
            let end = out[start..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(out.len(), |e| start + e);
            out.replace_range(start..end, "N");
        }
    }
    out
}

/// Every file under `dir` (but lock files) and its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut m = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else if e.file_name() != ".iss-lock" {
                m.insert(
                    e.path().strip_prefix(dir).unwrap().to_path_buf(),
                    fs::read(e.path()).unwrap(),
                );
            }
        }
    }
    m
}

/// Temporary files (`.<file>.tmp-<pid>`) anywhere under `dir`.
pub fn temp_files(dir: &Path) -> Vec<PathBuf> {
    snapshot(dir)
        .into_keys()
        .filter(|p| p.to_string_lossy().contains(".tmp-"))
        .collect()
}

/// A finding as (file, kind, severity).
pub type Found = BTreeSet<(String, String, String)>;

/// `iss verify --json`: exit status, the findings, and the records after
/// the newest signed checkpoint over a native ledger's chains (0 for a
/// legacy ledger, which signs nothing).
pub fn verify(ledger: &Path) -> (Option<i32>, Found, u64) {
    let r = iss(
        &[
            "verify".into(),
            "--json".into(),
            ledger.display().to_string(),
        ],
        None,
        None,
    );
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r:?}"));
    let mut found = BTreeSet::new();
    for f in v["files"].as_array().into_iter().flatten() {
        for x in f["findings"].as_array().into_iter().flatten() {
            found.insert((
                f["name"].as_str().unwrap_or_default().to_owned(),
                x["kind"].as_str().unwrap_or_default().to_owned(),
                x["severity"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    let unsigned = v["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["native"]["unsigned_records"].as_u64())
        .sum();
    (r.code, found, unsigned)
}

/// The record hashes a run acknowledged: `descriptor_hash`, `glyph_hash` or
/// `hash` of each JSON line of its output that is a record's acknowledgement.
pub fn acknowledged(stdout: &str) -> Vec<String> {
    let mut v = Vec::new();
    for line in stdout.lines() {
        let Ok(j) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        for key in ["descriptor_hash", "glyph_hash", "hash"] {
            if let Some(h) = j.get(key).and_then(Value::as_str) {
                v.push(h.to_owned());
                break;
            }
        }
    }
    v
}

/// Every record hash in the ledger's chain files.
pub fn present(dir: &Path) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    for (path, bytes) in snapshot(dir) {
        if path.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        for line in String::from_utf8_lossy(&bytes).lines() {
            let Ok(j) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            for key in ["descriptor_hash", "glyph_hash", "hash"] {
                if let Some(h) = j.get(key).and_then(Value::as_str) {
                    set.insert(h.to_owned());
                }
            }
        }
    }
    set
}

/// The command an exit-3 message says finishes the write (after "run", in backticks).
pub fn finisher(stderr: &str) -> Vec<String> {
    let start = stderr
        .rfind("run `iss ")
        .unwrap_or_else(|| panic!("no command to finish with in {stderr:?}"))
        + "run `iss ".len();
    let end = start + stderr[start..].find('`').unwrap();
    stderr[start..end]
        .split(' ')
        .map(|s| s.trim_matches('\'').to_owned())
        .collect()
}

/// Faults to try at a step: a kill before it; ENOSPC and EIO instead of it;
/// for a write, half of it then ENOSPC, and half of it then a kill.
pub fn faults_for(step: &str) -> Vec<&'static str> {
    let mut v = vec!["kill", "enospc", "eio"];
    if step.starts_with("write ") {
        v.extend(["short", "short-kill"]);
    }
    v
}

/// A write command to put through every fault at every step.
#[derive(Debug, Clone, Copy)]
pub struct Scenario<'a> {
    /// What it is, for messages.
    pub name: &'a str,
    /// A folder holding the ledger (and its key files), copied for each run.
    pub base: &'a Path,
    /// The ledger, relative to `base`.
    pub ledger: &'a str,
    /// The command; `{L}` stands for the ledger.
    pub command: &'a [&'a str],
    /// Its standard input.
    pub stdin: Option<&'a str>,
    /// The steps it takes, in order: its write sequence, enumerated.
    pub steps: &'a [&'a str],
    /// Finding kinds a stopped write may leave until it is finished: the
    /// documented recoverable ones.
    pub recoverable: &'a [&'a str],
    /// What finishes a write stopped by a kill.
    pub finish: &'a [&'a str],
    /// A write that must succeed afterwards (and completes what is left).
    pub next: &'a [&'a str],
    /// Its standard input.
    pub next_stdin: Option<&'a str>,
}

/// How many runs ended which way.
#[derive(Debug, Default)]
pub struct Tally {
    /// Runs in all.
    pub runs: usize,
    /// Stopped by the kill.
    pub killed: usize,
    /// Exit 2, nothing changed.
    pub unchanged: usize,
    /// Exit 3, durable with a follow-up to finish.
    pub follow_up: usize,
}

impl Scenario<'_> {
    /// Check the step list, then every fault at every step; the tally.
    pub fn run_all(&self) -> Tally {
        let steps = steps_of(self.base, self.ledger, self.command, self.stdin);
        assert_eq!(
            steps, self.steps,
            "{}: the write sequence changed; enumerate its new steps (and their states) here",
            self.name
        );
        // What the ledger says that no write of ours left (a recoverable
        // finding the base ledger already has is one to finish too).
        let base_findings: Found = verify(&self.base.join(self.ledger))
            .1
            .into_iter()
            .filter(|(_, k, _)| !self.recoverable.contains(&k.as_str()))
            .collect();
        let mut tally = Tally::default();
        let mut plans: Vec<String> = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            for f in faults_for(step) {
                plans.push(format!("{}:{f}", i + 1));
            }
        }
        // After the last step, before the acknowledgement is printed.
        plans.push(format!("{}:kill-after", steps.len()));
        for plan in plans {
            self.one(&plan, &base_findings, &mut tally);
        }
        eprintln!("{}: {} steps, {tally:?}", self.name, steps.len());
        tally
    }

    fn one(&self, plan: &str, base: &Found, tally: &mut Tally) {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(self.base, dir.path());
        let ledger = dir.path().join(self.ledger);
        let before = snapshot(dir.path());
        let r = iss(&args_for(self.command, &ledger), self.stdin, Some(plan));
        let ctx = format!("{} with {plan}: {r:?}", self.name);
        tally.runs += 1;
        let acked = acknowledged(&r.stdout);
        assert_acked_present(&acked, dir.path(), &ctx);
        match (r.code, r.signal) {
            (None, Some(9)) => {
                tally.killed += 1;
                self.after_kill(&ledger, dir.path(), base, &acked, &ctx);
            }
            (Some(2), _) => {
                tally.unchanged += 1;
                assert!(acked.is_empty(), "exit 2 acknowledged records: {ctx}");
                assert!(
                    !r.stderr.trim().is_empty(),
                    "exit 2 without a message: {ctx}"
                );
                if r.stdout.contains("\"completed\"") {
                    // A completion of an earlier append, reported, stays.
                    self.assert_finished(&ledger, base, &ctx);
                } else {
                    assert!(
                        snapshot(dir.path()) == before,
                        "exit 2 but the files changed: {ctx}"
                    );
                }
            }
            (Some(3), _) => {
                tally.follow_up += 1;
                assert!(
                    !acked.is_empty() || !r.stdout.trim().is_empty(),
                    "exit 3 without an acknowledgement of what is durable: {ctx}"
                );
                assert!(
                    r.stderr.contains("acknowledged, but"),
                    "exit 3 must say what is acknowledged, and what failed: {ctx}"
                );
                assert!(
                    temp_files(dir.path()).is_empty(),
                    "temporary file left: {ctx}"
                );
                self.assert_recoverable(&ledger, base, &ctx);
                let fin = iss(&finisher(&r.stderr), None, None);
                assert_eq!(
                    fin.code,
                    Some(0),
                    "the printed command did not finish: {ctx}\n{fin:?}"
                );
                self.assert_finished(&ledger, base, &ctx);
                assert_acked_present(&acked, dir.path(), &ctx);
            }
            _ => panic!("an outcome outside the contract (0 is not possible with a fault): {ctx}"),
        }
    }

    /// A killed write: recoverable as it is; then finished by the next write
    /// (when nothing blocks it) or by the finishing command; then clean.
    fn after_kill(&self, ledger: &Path, dir: &Path, base: &Found, acked: &[String], ctx: &str) {
        let blocked = self.assert_recoverable(ledger, base, ctx);
        if !blocked {
            let next = iss(&args_for(self.next, ledger), self.next_stdin, None);
            assert_eq!(
                next.code,
                Some(0),
                "the next write after a kill: {ctx}\n{next:?}"
            );
            self.assert_clean(ledger, base, ctx);
        }
        let fin = iss(&args_for(self.finish, ledger), None, None);
        assert_eq!(fin.code, Some(0), "finishing after a kill: {ctx}\n{fin:?}");
        self.assert_finished(ledger, base, ctx);
        assert!(
            temp_files(dir).is_empty(),
            "temporary file left after finishing: {ctx}"
        );
        if blocked {
            let next = iss(&args_for(self.next, ledger), self.next_stdin, None);
            assert_eq!(
                next.code,
                Some(0),
                "the next write after repair: {ctx}\n{next:?}"
            );
            self.assert_finished(ledger, base, ctx);
        }
        assert_acked_present(acked, dir, ctx);
    }

    /// Only recoverable findings beyond the base ledger's; whether one of
    /// them is a violation (which blocks writes until finished).
    fn assert_recoverable(&self, ledger: &Path, base: &Found, ctx: &str) -> bool {
        let (code, found, _) = verify(ledger);
        let new: Vec<_> = found.difference(base).collect();
        for (file, kind, _) in &new {
            assert!(
                self.recoverable.contains(&kind.as_str()),
                "{file}: {kind} is not a recoverable finding: {ctx}\n{new:?}"
            );
        }
        let violated = new.iter().any(|(_, _, s)| s == "violation");
        assert_eq!(
            code,
            Some(i32::from(violated)),
            "verify's exit: {ctx}\n{new:?}"
        );
        violated
    }

    /// Verifies as the base ledger did (no recoverable finding left), every
    /// record signed where the format signs.
    fn assert_finished(&self, ledger: &Path, base: &Found, ctx: &str) {
        let unsigned = self.assert_clean(ledger, base, ctx);
        assert_eq!(unsigned, 0, "records left unsigned: {ctx}");
    }

    /// Verifies as the base ledger did (no recoverable finding left); the
    /// records not signed yet.
    fn assert_clean(&self, ledger: &Path, base: &Found, ctx: &str) -> u64 {
        let (code, found, unsigned) = verify(ledger);
        let new: Vec<_> = found
            .difference(base)
            .filter(|(_, k, s)| s == "violation" || self.recoverable.contains(&k.as_str()))
            .collect();
        assert!(new.is_empty(), "not finished: {ctx}\n{new:?}");
        assert_eq!(code, Some(0), "verify after finishing: {ctx}");
        unsigned
    }
}

fn assert_acked_present(acked: &[String], dir: &Path, ctx: &str) {
    let have = present(dir);
    for a in acked {
        assert!(
            have.contains(a),
            "acknowledged record {a} is not in the ledger: {ctx}"
        );
    }
}
