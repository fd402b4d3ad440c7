//! A writer killed at any moment never loses an acknowledged line: the file
//! is clean or ends in one torn line, and after a repair it is clean with
//! every acknowledged line still there.

mod common;

/// Not a check: the append worker the tests below start in a new process
/// (see `common::append_worker`); returns at once in an ordinary run.
#[test]
fn worker_entry() {
    common::append_worker::entry();
}

use iss_workstation::ledger::append::{LedgerLock, Repair, Tail, TailState, repair_torn_tail};
use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::Stdio;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const RUNS: u64 = 30;
/// Start a new ledger past this size, to bound the test's reading.
const ROTATE_AT: u64 = 16 << 20;

#[test]
fn killed_writers_lose_no_acknowledged_line() {
    let seed = std::env::var("APPEND_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("APPEND_CRASH_SEED={seed}");
    let mut rng = seed | 1;
    let dir = tempfile::tempdir().unwrap();
    let mut path = dir.path().join("chain0.jsonl");
    let mut acked: HashSet<(String, u64)> = HashSet::new();
    let (mut torn_runs, mut total_acks, mut ledgers) = (0, 0, 1);

    for run in 0..RUNS {
        if fs::metadata(&path).is_ok_and(|m| m.len() > ROTATE_AT) {
            path = dir.path().join(format!("chain{ledgers}.jsonl"));
            ledgers += 1;
            acked.clear();
        }
        let tag = format!("run{run}");
        // Big lines in multi-line batches: a write takes long enough to be cut.
        let mut child = common::append_worker::command(&[
            path.to_str().unwrap(),
            "1000000",
            &tag,
            "400000",
            "4",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        thread::sleep(Duration::from_micros(xorshift(&mut rng) % 30_000));
        // Every other run, aim the kill at a write in progress.
        if run % 2 == 1 {
            wait_for_growth(&path);
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        for ack in common::append_worker::acks(&out) {
            let mut parts = ack.split(' ');
            assert_eq!(parts.next(), Some("ack"), "bad ack {ack:?}");
            let (t, n) = (
                parts.next().unwrap(),
                parts.next().unwrap().parse().unwrap(),
            );
            acked.insert((t.to_string(), n));
            total_acks += 1;
        }

        if !path.exists() {
            // Killed before its first append created the file (the worker
            // starts as a whole test binary): a valid crash, as long as
            // nothing was acknowledged.
            assert!(
                acked.is_empty(),
                "run {run}: acknowledged lines but no ledger file"
            );
            continue;
        }
        let (lines, torn) = common::append_lines::read_ledger(&path);
        common::append_lines::check_order(&lines);
        assert!(
            br#"{"worker":""#.starts_with(&torn[..torn.len().min(11)]),
            "run {run}: the torn tail is not the start of a line"
        );
        assert_all_present(&acked, &lines, run);

        let mut lock = LedgerLock::acquire(dir.path()).unwrap();
        let repaired = repair_torn_tail(&mut lock, &path, dir.path()).unwrap();
        assert_eq!(
            matches!(repaired, Repair::Truncated(_)),
            !torn.is_empty(),
            "run {run}"
        );
        if let Repair::Truncated(t) = &repaired {
            torn_runs += 1;
            assert_eq!(fs::read(&t.backup).unwrap(), torn, "run {run}: backup");
            fs::remove_file(&t.backup).unwrap(); // checked; keeps the disk use bounded
        }
        let state = Tail::read(&path).unwrap();
        assert!(matches!(
            state,
            TailState::Clean(_) | TailState::Empty | TailState::Missing
        ));
        let (after, rest) = common::append_lines::read_ledger(&path);
        assert!(rest.is_empty());
        assert_eq!(after, lines, "run {run}: repair touched a complete line");
    }
    eprintln!(
        "{RUNS} runs on {ledgers} ledgers: {total_acks} acks, {torn_runs} torn tails repaired"
    );
}

/// Return as soon as the ledger is seen growing (or after 200 ms): a kill
/// then likely lands in the middle of a `write`, where torn lines come from.
fn wait_for_growth(path: &Path) {
    let len = || fs::metadata(path).map_or(0, |m| m.len());
    let (start, before) = (Instant::now(), len());
    while len() == before && start.elapsed() < Duration::from_millis(200) {}
}

fn assert_all_present(acked: &HashSet<(String, u64)>, lines: &[(String, u64)], run: u64) {
    let present: HashSet<&(String, u64)> = lines.iter().collect();
    for a in acked {
        assert!(
            present.contains(a),
            "run {run}: acknowledged {a:?} is missing"
        );
    }
}

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}
