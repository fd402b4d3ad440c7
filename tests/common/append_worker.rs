//! The append worker of the process tests (the seed of `iss append`):
//! appends numbered lines to a ledger, one locked, durable batch at a time,
//! and prints an acknowledgement for each line only after its batch is read
//! back.
//!
//! It runs inside the test binary itself: [`command`] re-runs the current
//! test executable on its `worker_entry` test with the worker's arguments in
//! `ISS_APPEND_WORKER`; [`entry`] then runs the worker and exits the
//! process. In an ordinary test run the variable is unset and `entry`
//! returns at once. Arguments: `LEDGER COUNT TAG [PAD_MAX [BATCH_MAX]]`.
//!
//! Each line is `{"worker":"TAG","n":N,"pad":"xxx…"}`, written in batches of
//! `1..=BATCH_MAX` lines. Each ack is `ack TAG N` on stdout. Exit codes: 0
//! done, 1 append failed, 2 bad usage.
//!
//! Pads are pseudo-random, `0..=PAD_MAX` bytes, except on the last line of a
//! batch, which stays short: every append hashes the ledger's last line to
//! check the tail, and a short one keeps that cheap, so most of the worker's
//! time goes to writing the big lines, where a kill tears a line.

use iss_workstation::ledger::append::{
    AppendError, AppendOptions, LedgerLock, Tail, TailState, append_lines,
};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

struct Args {
    ledger: PathBuf,
    count: u64,
    tag: String,
    pad_max: u64,
    batch_max: u64,
}

const ENV: &str = "ISS_APPEND_WORKER";
/// Separates the arguments inside the environment variable.
const SEP: char = '\u{1f}';

/// A command that runs the worker with `args` in a new process.
pub fn command(args: &[&str]) -> Command {
    let mut c = Command::new(std::env::current_exe().expect("test executable"));
    c.args(["--exact", "worker_entry", "--nocapture", "--test-threads=1"])
        .env(ENV, args.join(&SEP.to_string()));
    c
}

/// Run the worker if this process was started by [`command`], then exit.
pub fn entry() {
    let Ok(raw) = std::env::var(ENV) else { return };
    // The harness has printed "test worker_entry ... " without a newline:
    // end that line so every ack stands on its own.
    println!();
    let words: Vec<String> = raw.split(SEP).map(str::to_owned).collect();
    let Some(args) = parse(&words) else {
        eprintln!("usage: LEDGER COUNT TAG [PAD_MAX [BATCH_MAX]]");
        std::process::exit(2);
    };
    match run(&args) {
        Ok(()) => std::process::exit(0),
        Err(e) => {
            eprintln!("append worker {}: {e}", args.tag);
            std::process::exit(1);
        }
    }
}

/// The worker's acknowledgements in its output (the test harness may print
/// its own lines around them).
pub fn acks(stdout: &str) -> impl Iterator<Item = &str> {
    stdout.lines().filter(|l| l.starts_with("ack "))
}

fn parse(v: &[String]) -> Option<Args> {
    let num = |i: usize, default: u64| v.get(i).map_or(Some(default), |s| s.parse().ok());
    Some(Args {
        ledger: PathBuf::from(v.first()?),
        count: v.get(1)?.parse().ok()?,
        tag: v.get(2)?.clone(),
        pad_max: num(3, 0)?,
        batch_max: num(4, 1)?.max(1),
    })
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let dir = match args.ledger.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Seeded by the tag so each worker's pads differ but runs are repeatable.
    let mut rng = args.tag.bytes().fold(0x9E37_79B9_7F4A_7C15_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
    });
    let mut stdout = io::stdout().lock();
    let mut n = 0;
    while n < args.count {
        let size = (next(&mut rng) % args.batch_max + 1).min(args.count - n);
        let lines: Vec<String> = (n..n + size)
            .map(|i| {
                let max = if i + 1 == n + size {
                    args.pad_max.min(16)
                } else {
                    args.pad_max
                };
                let pad = "x".repeat((next(&mut rng) % (max + 1)) as usize);
                format!(r#"{{"worker":"{}","n":{i},"pad":"{pad}"}}"#, args.tag)
            })
            .collect();
        append_batch(&dir, &args.ledger, &lines)?;
        for i in n..n + size {
            // Line-buffered even on a pipe: each ack leaves before the next append.
            writeln!(stdout, "ack {} {i}", args.tag)?;
        }
        n += size;
    }
    Ok(())
}

/// Lock, read the tail (standing in for a full verification), append.
fn append_batch(dir: &Path, ledger: &Path, lines: &[String]) -> Result<(), AppendError> {
    let mut lock = LedgerLock::acquire(dir)?;
    let expected = match Tail::read(ledger)? {
        TailState::Missing | TailState::Empty => Tail::EMPTY,
        TailState::Clean(t) => t,
        TailState::Torn {
            complete,
            torn_bytes,
        } => {
            return Err(AppendError::TornTail {
                path: ledger.into(),
                complete_len: complete.len,
                torn_bytes,
            });
        }
    };
    append_lines(
        &mut lock,
        ledger,
        &expected,
        lines,
        AppendOptions { create: true },
    )?;
    Ok(())
}

/// xorshift64*: enough randomness for pad sizes, no dependency.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}
