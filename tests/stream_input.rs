//! Invariant: a ledger that arrives as a stream (`-`, `/dev/stdin`, a
//! pipe, a named pipe) is read exactly once and gets the verdict the same
//! bytes get in a file, or the command refuses it at once with one line
//! and exit 2. No command waits for a named pipe's writer (issue 10,
//! item 1).

mod common;

use serde_json::Value;
use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn iss() -> assert_cmd::Command {
    common::iss_cmd()
}

fn mkfifo(path: &Path) {
    rustix::fs::mkfifoat(rustix::fs::CWD, path, rustix::fs::Mode::from(0o600)).unwrap();
}

/// A report with what differs between a file and a stream of the same
/// bytes taken out: the path as given, and what belongs to the file on
/// disk rather than to its bytes (its OS attribute and mode).
fn comparable(mut v: Value, path: &str) -> String {
    if let Some(files) = v.get_mut("files").and_then(Value::as_array_mut) {
        for f in files {
            if let Some(o) = f.as_object_mut() {
                o.remove("os_attribute");
                o.remove("mode_allows_writes");
            }
        }
    }
    v.to_string()
        .replace(&format!("\"{path}\""), "\"<LEDGER>\"")
}

/// `iss ARGS <path> AFTER` on the file, then on the same bytes piped into
/// standard input as `/dev/stdin` and as `-`: same exit status, same JSON.
fn same_from_a_pipe(args: &[&str], file: &Path, after: &[&str]) {
    let bytes = fs::read(file).unwrap();
    let from_file = iss().args(args).arg(file).args(after).output().unwrap();
    let expected = comparable(
        serde_json::from_slice(&from_file.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?} on the file: {e}: {}",
                String::from_utf8_lossy(&from_file.stderr)
            )
        }),
        &file.display().to_string(),
    );
    for given in ["/dev/stdin", "-"] {
        let out = iss()
            .args(args)
            .arg(given)
            .args(after)
            .write_stdin(bytes.clone())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            from_file.status.code(),
            "{args:?} {given}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?} {given}: {e}: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        // JSON escapes nothing in these paths; compare the documents.
        assert_eq!(comparable(got, given), expected, "{args:?} {given}");
    }
}

#[test]
fn every_read_command_gives_a_piped_chain_the_verdict_of_the_file() {
    let dir = common::generated_ledger(61);
    let chain = dir.path().join("data/spice_layer/spice_chain.jsonl");
    let pulses = dir.path().join("logs/forensic_logs/glyph_chain.jsonl");
    let first: Value =
        serde_json::from_str(fs::read_to_string(&chain).unwrap().lines().next().unwrap()).unwrap();
    let id = first["descriptor_id"].as_str().unwrap();
    // The verdict first: the whole chain, every record, clean.
    let v: Value = serde_json::from_slice(
        &iss()
            .args(["verify", "--json", "/dev/stdin"])
            .write_stdin(fs::read(&chain).unwrap())
            .assert()
            .code(0)
            .get_output()
            .stdout,
    )
    .unwrap();
    assert_eq!(v["status"], "clean", "{v}");
    assert_eq!(v["files"][0]["records"], 40);
    same_from_a_pipe(&["verify", "--json"], &chain, &[]);
    same_from_a_pipe(&["report", "maturity", "--json"], &chain, &[]);
    same_from_a_pipe(&["find", "--json"], &chain, &[]);
    same_from_a_pipe(&["show", "--json"], &chain, &[id]);
    same_from_a_pipe(&["audit", "--json"], &chain, &[id]);
    same_from_a_pipe(&["refs", "--json"], &chain, &[]);
    same_from_a_pipe(&["health", "--json"], &chain, &[]);
    same_from_a_pipe(&["pulses", "--json"], &pulses, &[]);
    same_from_a_pipe(&["report", "time", "--json"], &pulses, &[]);
    // The evidence bundle fingerprints the bytes that were verified.
    let out = dir.path().join("bundle.json");
    iss()
        .args(["export", "-", "--out"])
        .arg(&out)
        .write_stdin(fs::read(&chain).unwrap())
        .assert()
        .code(0);
    let bundle: Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(bundle["verification"]["status"], "clean");
    let bytes = fs::read(&chain).unwrap();
    let sha = iss_workstation::ledger::hash::sha256_hex(&[&bytes]);
    assert_eq!(
        bundle["files"][0]["sha256"],
        iss_workstation::ledger::hash::hex_str(&sha)
    );
}

#[test]
fn a_piped_chain_with_a_changed_record_is_violated_where_the_file_is() {
    let dir = common::generated_ledger(62);
    let chain = dir.path().join("data/spice_layer/spice_chain.jsonl");
    let mut lines = common::read_lines(&chain);
    lines[9] = lines[9].replacen("\"process_name\":\"", "\"process_name\":\"X", 1);
    common::write_lines(&chain, &lines);
    same_from_a_pipe(&["verify", "--json"], &chain, &[]);
    let v: Value = serde_json::from_slice(
        &iss()
            .args(["verify", "--json", "-"])
            .write_stdin(fs::read(&chain).unwrap())
            .assert()
            .code(1)
            .get_output()
            .stdout,
    )
    .unwrap();
    let kinds: Vec<(String, u64)> = v["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds, vec![("HASH_MISMATCH".to_owned(), 10)]);
}

/// Open a named pipe for reading without waiting, so that a writer can
/// open it at once; the bytes stay in the pipe while this is held.
fn hold_reader(fifo: &Path) -> fs::File {
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits().cast_signed())
        .open(fifo)
        .unwrap()
}

#[test]
fn a_named_pipe_with_a_writer_is_read_once_and_verified() {
    let dir = common::generated_ledger(63);
    let chain = dir.path().join("data/spice_layer/spice_chain.jsonl");
    let fifo = dir.path().join("stream");
    mkfifo(&fifo);
    let held = hold_reader(&fifo);
    let mut w = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    let bytes = fs::read(&chain).unwrap();
    let writer = std::thread::spawn(move || {
        w.write_all(&bytes).unwrap();
    });
    // The writer is connected before iss opens the pipe; iss reads until
    // the writer closes.
    let out = iss()
        .args(["verify", "--json"])
        .arg(&fifo)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    writer.join().unwrap();
    drop(held);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["status"].as_str(), v["files"][0]["records"].as_u64()),
        (Some("clean"), Some(40))
    );
}

/// Run `iss ARGS` and wait at most `limit`: a process still running then
/// is killed and the test fails (it would have waited for ever).
fn run_bounded(args: &[&std::ffi::OsStr], limit: Duration) -> (Option<i32>, String) {
    let mut child = common::iss_process()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            return (status.code(), err);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("iss {args:?} still running after {limit:?}: it waits for the pipe's writer");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn no_command_waits_for_a_named_pipe_without_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("ledger");
    mkfifo(&fifo);
    let d = dir.path().join("d.json");
    fs::write(&d, "{}").unwrap();
    let out = dir.path().join("bundle.json");
    let new_key = dir.path().join("new.key");
    let native = dir.path().join("native");
    let f = fifo.as_os_str();
    let o = std::ffi::OsStr::new;
    let commands: Vec<Vec<&std::ffi::OsStr>> = vec![
        vec![o("verify"), f],
        vec![o("verify"), o("--json"), f],
        vec![o("report"), o("maturity"), f],
        vec![o("report"), o("time"), f],
        vec![o("pulses"), f],
        vec![o("show"), f, o("abc")],
        vec![o("find"), f],
        vec![o("audit"), f, o("abc")],
        vec![o("health"), f],
        vec![o("refs"), f],
        vec![o("export"), f, o("--out"), out.as_os_str()],
        vec![o("watch"), f, o("--timeout"), o("1")],
        vec![o("tui"), f],
        vec![f],
        vec![o("append"), o("descriptor"), f, o("--file"), d.as_os_str()],
        vec![o("append"), o("pulse"), f],
        vec![o("repair"), f],
        vec![o("checkpoint"), f],
        vec![o("key"), o("verifier"), f],
        vec![
            o("key"),
            o("rotate"),
            f,
            o("--new-key"),
            new_key.as_os_str(),
        ],
        vec![o("migrate"), f, native.as_os_str()],
        vec![o("prove"), f, o("--record"), o("0")],
        vec![o("protect"), f],
    ];
    for args in commands {
        let (code, err) = run_bounded(&args, Duration::from_secs(20));
        assert_eq!(code, Some(2), "iss {args:?}: {err}");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "iss {args:?}: one line, said {err:?}"
        );
        assert!(
            err.contains("pipe"),
            "iss {args:?}: the message says it is a pipe: {err:?}"
        );
    }
}

#[test]
fn a_named_pipe_in_a_chain_files_place_is_unreadable_not_waited_on() {
    let dir = common::generated_ledger(64);
    let manifest = dir.path().join("data/spice_layer/integrity_manifest.jsonl");
    fs::remove_file(&manifest).unwrap();
    mkfifo(&manifest);
    let ledger: PathBuf = dir.path().to_path_buf();
    let (code, err) = run_bounded(
        &[std::ffi::OsStr::new("verify"), ledger.as_os_str()],
        Duration::from_secs(30),
    );
    assert_eq!(code, Some(2), "{err}");
    let v = common::iss_json(&["verify", "--json"], &ledger, 2);
    assert_eq!(v["status"], "incomplete");
    let findings: Vec<&Value> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap())
        .collect();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["kind"], "UNREADABLE");
    assert!(
        findings[0]["found"]
            .as_str()
            .unwrap()
            .contains("a pipe, not a regular file"),
        "{findings:?}"
    );
}

#[test]
fn a_named_pipe_as_a_native_latest_checkpoint_is_unreadable_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger");
    iss()
        .args(["init"])
        .arg(&ledger)
        .args(["--origin", "iss.test/stream"])
        .assert()
        .code(0);
    let latest = ledger.join("events.jsonl.checkpoint");
    fs::remove_file(&latest).unwrap();
    mkfifo(&latest);
    let (code, err) = run_bounded(
        &[std::ffi::OsStr::new("verify"), ledger.as_os_str()],
        Duration::from_secs(30),
    );
    assert_eq!(code, Some(2), "{err}");
    let v = common::iss_json(&["verify", "--json"], &ledger, 2);
    assert_eq!(v["status"], "incomplete");
    let unreadable: Vec<&Value> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap())
        .filter(|f| f["kind"] == "UNREADABLE")
        .collect();
    assert_eq!(unreadable.len(), 1, "{v}");
    assert!(
        unreadable[0]["detail"]
            .as_str()
            .unwrap()
            .contains("events.jsonl.checkpoint"),
        "{unreadable:?}"
    );
}

#[test]
fn a_stream_that_cannot_be_copied_is_refused_in_one_line() {
    let dir = common::generated_ledger(65);
    let chain = dir.path().join("data/spice_layer/spice_chain.jsonl");
    let out = iss()
        .args(["verify", "-"])
        .env("TMPDIR", dir.path().join("no-such-folder"))
        .write_stdin(fs::read(&chain).unwrap())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("cannot copy standard input into a temporary file"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "no verdict is printed");
}
