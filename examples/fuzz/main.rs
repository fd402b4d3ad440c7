//! The project's mutation fuzzer: genuine legacy, native and migrated
//! ledgers, mutated (bytes flipped, inserted, deleted; lines duplicated,
//! swapped, deleted; files cut), then every read command and the
//! workstation on each. It asserts no panic, no hang, exit codes within the
//! contract, and no clean verdict after a change to hashed bytes (see
//! `oracle.rs` for what that means in each format). A failure is saved
//! with its seed and files, and the command that replays it is printed.
//!
//! ```sh
//! cargo run --release --example fuzz -- --minutes 10 [--seed S] [--out DIR]
//! cargo run --release --example fuzz -- --seed S --run N     # one run again
//! cargo run --release --example fuzz -- --replay DIR/mutated # saved files
//! ```

mod corpus;
mod exec;
mod mutate;
mod oracle;
mod rng;
mod session;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// What the command line asked for.
#[derive(Debug)]
struct Args {
    minutes: f64,
    seed: Option<u64>,
    run: Option<u64>,
    out: PathBuf,
    replay: Option<PathBuf>,
    limit: Duration,
}

const USAGE: &str =
    "usage: fuzz [--minutes N] [--seed S] [--run N] [--out DIR] [--timeout-secs N] | --replay DIR";

fn parse() -> Result<Args, String> {
    let mut a = Args {
        minutes: 1.0,
        seed: None,
        run: None,
        out: PathBuf::from("fuzz-failures"),
        replay: None,
        limit: Duration::from_secs(60),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value; {USAGE}"));
        let bad = |v: &str| format!("{flag} {v:?}: not a number; {USAGE}");
        match flag.as_str() {
            "--minutes" => {
                let v = value()?;
                a.minutes = v.parse().map_err(|_| bad(&v))?;
            }
            "--seed" => {
                let v = value()?;
                a.seed = Some(v.parse().map_err(|_| bad(&v))?);
            }
            "--run" => {
                let v = value()?;
                a.run = Some(v.parse().map_err(|_| bad(&v))?);
            }
            "--timeout-secs" => {
                let v = value()?;
                a.limit = Duration::from_secs(v.parse().map_err(|_| bad(&v))?);
            }
            "--out" => a.out = PathBuf::from(value()?),
            "--replay" => a.replay = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}; {USAGE}")),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    // Started by the fuzzer itself to run one `iss` command: the binary's
    // own entry point, with its own exit codes and panics.
    if std::env::var_os(exec::AS_ISS).is_some() {
        return iss_workstation::cli::main();
    }
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    exec::quiet_panics();
    let ok = if let Some(dir) = &args.replay {
        session::replay(dir, args.limit)
    } else {
        let seed = args.seed.unwrap_or_else(fresh_seed);
        session::fuzz(&session::Plan {
            seed,
            only_run: args.run,
            duration: Duration::from_secs_f64(args.minutes.max(0.0) * 60.0),
            out: args.out.clone(),
            limit: args.limit,
        })
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// A seed from the operating system's generator (printed, so the session
/// can be replayed).
fn fresh_seed() -> u64 {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("random bytes from the OS");
    u64::from_le_bytes(b) >> 12
}

#[cfg(test)]
mod tests;
