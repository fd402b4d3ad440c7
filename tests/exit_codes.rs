//! Invariant: the exit-status table in README.md is what the commands do.
//! The test reads the table itself, so the two cannot drift apart: every
//! command of the command line has a row, every row is a command, every
//! code a row lists is produced here by running that command in a
//! situation that calls for it, and every situation run here ends with a
//! code its row lists. Unreadable files are made so for an unprivileged
//! user (`setpriv` to nobody when the tests run as root, as CI does).

mod common;

use clap::CommandFactory;
use common::tmux;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The codes each command's row lists (cells other than `—`), by command
/// (`verify`, `report time`, `tui`, ...).
fn readme_table() -> BTreeMap<String, BTreeSet<i32>> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let section = readme
        .split("\n## Exit status\n")
        .nth(1)
        .expect("README.md has a `## Exit status` section");
    let mut rows = section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'));
    let cells = |line: &str| -> Vec<String> {
        line.trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_owned())
            .collect()
    };
    let header = cells(rows.next().expect("a table"));
    assert_eq!(header[0], "command");
    let codes: Vec<i32> = header[1..]
        .iter()
        .map(|h| h.parse().expect("code columns"))
        .collect();
    rows.next().expect("the separator row");
    let mut table = BTreeMap::new();
    for line in rows {
        let c = cells(line);
        assert_eq!(c.len(), codes.len() + 1, "{line}");
        let name = c[0]
            .split('`')
            .nth(1)
            .and_then(|n| n.strip_prefix("iss "))
            .unwrap_or_else(|| panic!("a row names `iss COMMAND` first: {line}"))
            .to_owned();
        let listed = codes
            .iter()
            .zip(&c[1..])
            .filter(|(_, cell)| !cell.starts_with('—'))
            .map(|(code, _)| *code)
            .collect();
        assert!(table.insert(name, listed).is_none(), "one row per command");
    }
    table
}

/// Every command the command line has, as its row names it: a command
/// with subcommands or with a first argument of fixed values (`report
/// maturity|time`) is one command per subcommand or value.
fn cli_commands() -> BTreeSet<String> {
    let cli = iss_workstation::cli::Cli::command();
    let mut out = BTreeSet::new();
    for sub in cli.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = sub.get_name();
        let kinds: Vec<String> = sub
            .get_positionals()
            .next()
            .map(|a| {
                a.get_possible_values()
                    .iter()
                    .map(|v| v.get_name().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        if sub.has_subcommands() {
            out.extend(
                sub.get_subcommands()
                    .map(|s| format!("{name} {}", s.get_name())),
            );
        } else if !kinds.is_empty() {
            out.extend(kinds.iter().map(|k| format!("{name} {k}")));
        } else {
            out.insert(name.to_owned());
        }
    }
    out
}

/// How running a situation ended.
enum Outcome {
    Code(i32),
    Skipped(String),
}

fn os(x: impl AsRef<OsStr>) -> OsString {
    x.as_ref().to_owned()
}

/// `iss ARGS` with `stdin` as its input; its exit code.
fn iss_with(args: &[OsString], stdin: &str) -> Outcome {
    let mut child = common::iss_process()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    Outcome::Code(
        child
            .wait()
            .unwrap()
            .code()
            .expect("an exit code, not a signal"),
    )
}

macro_rules! iss {
    ($($a:expr),* $(,)?) => { iss_with(&[$(os($a)),*], "") };
}

/// `iss ARGS` as an unprivileged user, for whom a mode-000 file is
/// unreadable (root reads it anyway).
fn unprivileged(args: &[&OsStr]) -> Outcome {
    let mut cmd = if rustix::process::geteuid().is_root() {
        common::iss_under(
            "setpriv",
            &["--reuid=65534", "--regid=65534", "--clear-groups"],
        )
    } else {
        common::iss_process()
    };
    match cmd
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(s) if s.code() == Some(127) || s.code() == Some(126) => Outcome::Skipped(
            "the iss binary cannot be run as nobody here (its folder is not open to others)".into(),
        ),
        Ok(s) => Outcome::Code(s.code().expect("an exit code")),
        Err(e) => Outcome::Skipped(format!("setpriv is not available ({e}); CI installs it")),
    }
}

/// A generated legacy ledger whose `file` (relative) is mode 000, in a
/// folder others may enter.
fn with_unreadable(seed: u64, file: &str) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = common::generated_ledger(seed);
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        dir.path().join(file),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    dir
}

/// A folder of chain files holding only a mode-000 `spice_chain.jsonl`.
fn unreadable_chain_only() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let src = common::generated_ledger(31);
    let dir = tempfile::tempdir().unwrap();
    let chain = dir.path().join("spice_chain.jsonl");
    std::fs::copy(
        src.path().join("data/spice_layer/spice_chain.jsonl"),
        &chain,
    )
    .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&chain, std::fs::Permissions::from_mode(0o000)).unwrap();
    dir
}

/// The ledgers the situations run on (read-only ones are shared; a
/// situation that writes makes its own).
struct Fixtures {
    clean: tempfile::TempDir,
    forged: tempfile::TempDir,
    forged_time: tempfile::TempDir,
    /// The start log unreadable: every command that reads the time layer
    /// or the whole ledger is incomplete.
    unreadable_log: tempfile::TempDir,
    /// The only chain file unreadable: the SPICE-layer commands too.
    unreadable_chain: tempfile::TempDir,
    id: String,
    missing: PathBuf,
    _nowhere: tempfile::TempDir,
}

fn fixtures() -> Fixtures {
    let clean = common::generated_ledger(30);
    let chain = |d: &Path| d.join("data/spice_layer/spice_chain.jsonl");
    let id = common::field(
        &common::read_lines(&chain(clean.path()))[0],
        "descriptor_id",
    );
    let forged = common::generated_ledger(30);
    common::edit_lines(&chain(forged.path()), |l| {
        common::forge_process_name(&mut l[0], "Forged_Process");
    });
    let forged_time = common::generated_ledger(32);
    common::edit_lines(
        &forged_time
            .path()
            .join("logs/forensic_logs/glyph_chain.jsonl"),
        |l| l[2] = l[2].replace("\"source_node\": \"", "\"source_node\": \"forged-"),
    );
    let nowhere = tempfile::tempdir().unwrap();
    Fixtures {
        clean,
        forged,
        forged_time,
        unreadable_log: with_unreadable(33, "logs/forensic_logs/forensic_audit.log"),
        unreadable_chain: unreadable_chain_only(),
        id,
        missing: nowhere.path().join("nonexistent"),
        _nowhere: nowhere,
    }
}

/// A native ledger with one descriptor, signed (its key beside it).
fn native() -> common::NewNative {
    let n = common::new_native("iss.test/exit-codes", false);
    common::append_descriptor_cli(&n.dir, "Exit_Codes", &[]);
    n
}

/// [`native`] with its record's body changed (a `HASH_MISMATCH`).
fn native_forged() -> common::NewNative {
    let n = native();
    common::edit_lines(&n.dir.join("descriptors.jsonl"), |l| {
        l[0] = l[0].replace("Exit_Codes", "Exit_Forged");
    });
    n
}

const DESCRIPTOR: &str = r#"{"process_name":"ENG.1","process_version":"1.0","capability_level":2,"process_outcome":"compliant","compliance_score":0.7,"assessed_by":"a","assessment_method":"interview"}"#;

/// One situation: the command (as its row names it), what is the case, the
/// code expected, and how to run it.
struct Case {
    command: &'static str,
    situation: &'static str,
    expect: i32,
    run: fn(&Fixtures) -> Outcome,
}

#[path = "exit_codes/cases.rs"]
mod cases;

/// Codes a row lists that are produced by a test elsewhere, not here: the
/// command, the code, and where and why.
const ELSEWHERE: &[(&str, i32, &str)] = &[
    (
        "witness serve",
        0,
        "a witness stopped by SIGTERM: tests/witness_cli.rs (sigterm_stops_a_witness_...)",
    ),
    (
        "serve",
        0,
        "a server stopped by SIGTERM after serving: tests/serve/ (every read test ends so)",
    ),
    (
        "append descriptor",
        3,
        "a checkpoint that fails after the record is durable needs the append module's \
         fault seam (the crash and disk-full tests of the native writer)",
    ),
    (
        "key rotate",
        3,
        "a checkpoint with the new key that fails after the rotation record is \
         durable needs the fault seam: tests/write_faults_rotate.rs",
    ),
    (
        "append pulse",
        3,
        "as for append descriptor: the native writer's fault-injection tests",
    ),
    (
        "checkpoint",
        3,
        "--tsa with the TSA down after the checkpoints are durable needs a TSA \
         certificate made with openssl: tests/timestamps/",
    ),
];

#[test]
fn the_readme_table_names_every_command_and_only_commands() {
    let table: BTreeSet<String> = readme_table().into_keys().collect();
    let mut cli = cli_commands();
    assert!(cli.contains("tui"));
    cli.insert("tui".into());
    assert_eq!(table, cli, "README rows vs the command line's commands");
}

#[test]
fn every_command_exits_with_the_codes_the_readme_lists() {
    let table = readme_table();
    let f = fixtures();
    let mut produced: BTreeMap<&str, BTreeSet<i32>> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in cases::all() {
        let listed = table
            .get(case.command)
            .unwrap_or_else(|| panic!("no README row for `iss {}`", case.command));
        match (case.run)(&f) {
            Outcome::Skipped(why) => {
                eprintln!("skipped: iss {} ({}): {why}", case.command, case.situation);
                produced
                    .entry(case.command)
                    .or_default()
                    .insert(case.expect);
            }
            Outcome::Code(code) => {
                if code != case.expect {
                    failures.push(format!(
                        "iss {} ({}): exit {code}, expected {}",
                        case.command, case.situation, case.expect
                    ));
                }
                if !listed.contains(&code) {
                    failures.push(format!(
                        "iss {} ({}): exit {code}, which its README row does not list",
                        case.command, case.situation
                    ));
                }
                produced.entry(case.command).or_default().insert(code);
            }
        }
    }
    for (command, codes) in &table {
        for code in codes {
            let elsewhere = ELSEWHERE.iter().any(|(c, k, _)| c == command && k == code);
            let here = produced
                .get(command.as_str())
                .is_some_and(|p| p.contains(code));
            match (here, elsewhere) {
                (false, false) => failures.push(format!(
                    "iss {command}: the README lists exit {code}, and no situation here produces it"
                )),
                (true, true) => failures.push(format!(
                    "iss {command}: exit {code} is produced here now; remove it from ELSEWHERE"
                )),
                _ => {}
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_usage_error_exits_2_for_every_command() {
    for command in cli_commands().into_iter().chain(["tui".to_owned()]) {
        let mut args: Vec<OsString> = command.split(' ').map(os).collect();
        args.push(os("--no-such-option"));
        let Outcome::Code(code) = iss_with(&args, "") else {
            unreachable!()
        };
        assert_eq!(code, 2, "iss {command} --no-such-option");
    }
    for flag in ["--help", "--version"] {
        let Outcome::Code(code) = iss!(flag) else {
            unreachable!()
        };
        assert_eq!(code, 0, "iss {flag}");
    }
}

/// `iss LEDGER` in a real terminal (tmux), quit with `q`: its exit code.
fn workstation_quit(ledger: &Path) -> Outcome {
    if !tmux::installed() {
        return Outcome::Skipped("tmux is not installed (CI installs it)".into());
    }
    let command = format!(
        "{} {}; echo \"exit=$?\"; sleep 60",
        common::iss_shell(&[]),
        ledger.display()
    );
    let session = tmux::Session::new("iss-exit", &command);
    let shown = tmux::poll(&session.0, tmux::WAIT, |s| s.contains("Chains")).is_ok();
    tmux::send(&session.0, "q");
    let ended = tmux::poll(&session.0, tmux::WAIT, |s| s.contains("exit=")).is_ok();
    let text = tmux::capture(&session.0);
    drop(session);
    assert!(shown && ended, "the workstation in tmux: {text}");
    let code = text
        .split("exit=")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|t| t.parse().ok())
        .expect("an exit code on screen");
    Outcome::Code(code)
}
