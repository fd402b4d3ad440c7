//! Invariant: a reader that closes the pipe early (`iss verify --json BIG |
//! head -c 100`) ends the output quietly, in JSON as in text, and the exit
//! status stays the command's verdict (0 clean, 1 violated): no "Broken
//! pipe" message, no exit 2. Tested with real pipes: one whose reader is
//! gone before the first write, and one whose reader takes 100 bytes and
//! leaves while the command is blocked on a full pipe buffer.

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Output, Stdio};

/// A ledger of `n` descriptors; with `tamper`, every descriptor's process
/// name is forged (one `HASH_MISMATCH` per record: a long findings list).
fn ledger(n: u64, tamper: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let spec = iss_workstation::ledger::legacy::write::sample::SampleSpec {
        seed: 3,
        descriptors: n,
        ..Default::default()
    };
    iss_workstation::ledger::legacy::write::sample::write_sample_ledger(dir.path(), &spec).unwrap();
    if tamper {
        let chain = dir.path().join("data/spice_layer/spice_chain.jsonl");
        common::edit_lines(&chain, |lines| {
            for l in lines.iter_mut() {
                common::forge_process_name(l, "Forged_Process");
            }
        });
    }
    dir
}

/// Run `iss ARGS` with its standard output on a pipe whose reader reads
/// `take` bytes (0: none, the read end is closed before the command starts)
/// and then closes it.
fn run_into_closed_pipe(args: &[&str], path: &Path, take: usize) -> (Output, usize) {
    let (mut reader, writer) = std::io::pipe().unwrap();
    let mut cmd = common::iss_process();
    cmd.args(args)
        .arg(path)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped());
    if take == 0 {
        drop(reader);
        let out = cmd.output().unwrap();
        return (out, 0);
    }
    let child = cmd.spawn().unwrap();
    // The command's copy of the write end is the only one left.
    drop(cmd);
    let mut buf = vec![0u8; take];
    reader.read_exact(&mut buf).unwrap();
    drop(reader);
    let out = child.wait_with_output().unwrap();
    (out, buf.len())
}

fn assert_quiet(args: &[&str], out: &Output, code: i32) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.to_lowercase().contains("broken pipe") && !err.contains("os error 32"),
        "{args:?}: no broken-pipe message, got {err:?}"
    );
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: the verdict's exit status, stderr {err:?}"
    );
}

#[test]
fn every_output_path_is_quiet_into_a_pipe_closed_before_the_first_write() {
    let clean = ledger(40, false);
    let forged = ledger(40, true);
    let id = common::field(
        &common::read_lines(&clean.path().join("data/spice_layer/spice_chain.jsonl"))[0],
        "descriptor_id",
    );
    // (command, whether it reads the SPICE layer, which the forgery breaks;
    // the time commands verify the time layer only, which stays clean).
    let commands: &[(&[&str], bool)] = &[
        (&["verify"], true),
        (&["verify", "--json"], true),
        (&["report", "time"], false),
        (&["report", "time", "--json"], false),
        (&["report", "maturity"], true),
        (&["report", "maturity", "--json"], true),
        (&["pulses"], false),
        (&["pulses", "--json"], false),
        (&["find"], true),
        (&["find", "--json"], true),
        (&["refs"], true),
        (&["refs", "--json"], true),
        (&["health"], true),
        (&["health", "--json"], true),
    ];
    for (dir, forged) in [(&clean, false), (&forged, true)] {
        let code = i32::from(forged);
        for (args, spice) in commands {
            let (out, _) = run_into_closed_pipe(args, dir.path(), 0);
            assert_quiet(args, &out, if *spice { code } else { 0 });
        }
        for args in [
            &["show"][..],
            &["show", "--json"],
            &["audit"],
            &["audit", "--json"],
        ] {
            let mut cmd = common::iss_process();
            let (reader, writer) = std::io::pipe().unwrap();
            drop(reader);
            let out = cmd
                .args(args)
                .arg(dir.path())
                .arg(&id[..8])
                .stdout(Stdio::from(writer))
                .output()
                .unwrap();
            // The forged ledger's first record is excluded, and the ledger violated.
            assert_quiet(args, &out, code);
        }
    }
}

#[test]
fn json_larger_than_the_pipe_buffer_stops_quietly_when_the_reader_leaves() {
    // 400 forged records: hundreds of KiB of findings, well over the 64 KiB
    // a pipe buffers, so the command is blocked writing when `head` leaves.
    let forged = ledger(400, true);
    let clean = ledger(400, false);
    let cases: &[(&[&str], &tempfile::TempDir, i32)] = &[
        (&["verify", "--json"], &forged, 1),
        (&["verify", "--max-findings", "100000"], &forged, 1),
        (&["pulses", "--limit", "0", "--json"], &clean, 0),
        (&["pulses", "--limit", "0", "--json"], &forged, 0),
        (&["find", "--json", "--limit", "0"], &clean, 0),
        (&["find", "--json", "--limit", "0"], &forged, 1),
    ];
    for (args, dir, code) in cases {
        // First make sure the output really exceeds the pipe buffer.
        let full = common::iss_process()
            .args(*args)
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            full.stdout.len() > 128 * 1024,
            "{args:?}: {} bytes is not enough to fill a pipe",
            full.stdout.len()
        );
        let (out, read) = run_into_closed_pipe(args, dir.path(), 100);
        assert_eq!(read, 100);
        assert_quiet(args, &out, *code);
    }
}

#[test]
fn watch_ends_with_its_verdict_when_its_reader_is_gone() {
    let forged = ledger(40, true);
    let clean = ledger(40, false);
    for (dir, code) in [(&clean, 0), (&forged, 1)] {
        let start = std::time::Instant::now();
        // `--timeout` only so that a regression fails instead of hanging.
        let (out, _) = run_into_closed_pipe(&["watch", "--json", "--timeout", "60"], dir.path(), 0);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "the watch ended when nobody read it"
        );
        assert_quiet(&["watch"], &out, code);
    }
}
