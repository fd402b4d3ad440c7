//! `iss publish` continues from the destination's checkpoint: only what the
//! ledger added since is read, verified and hashed, and the result is the
//! same, byte for byte, as a publish that verifies everything (`--full`).
//! A ledger that no longer extends the published log is refused with what
//! differs; a record too long for an entry bundle is refused naming its
//! line; `--watch` retries a destination that failed; an interrupted
//! incremental publish resumes to the same bytes.

mod common;
mod publish;

use publish::{
    Ledger, check_with_tlog_tiles, iss, publish_killed_half_way, published_size, wait_until, walk,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

struct Run {
    code: Option<i32>,
    out: String,
    err: String,
}

fn publish(ledger: &Path, dest: &Path, extra: &[&str]) -> Run {
    let out = iss()
        .arg("publish")
        .arg(ledger)
        .arg(dest)
        .args(extra)
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Publish with `--json`, expecting success: the descriptors chain's report.
fn descriptors(ledger: &Path, dest: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--json"];
    args.extend_from_slice(extra);
    let r = publish(ledger, dest, &args);
    assert_eq!(r.code, Some(0), "{}", r.err);
    let v: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    v["chains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["chain"] == "descriptors")
        .unwrap()
        .clone()
}

/// Key → bytes of every object under `dir` (temporary files left by a
/// killed publish aside).
fn objects(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walk(dir)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (rel, std::fs::read(&p).unwrap())
        })
        .filter(|(k, _)| !k.contains(".tmp-"))
        .collect()
}

/// Rewrite line `n` (1-based) of a chain file: one byte of its body changed.
fn tamper_line(ledger: &Ledger, chain: &str, n: usize) {
    let path = ledger.dir.join(format!("{chain}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let line = &mut lines[n - 1];
    assert!(line.contains("ENG."), "{line}");
    *line = line.replacen("ENG.", "ENH.", 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

/// `grown` (published step by step) holds every object of `whole` (one
/// publish of the same ledger) with the same bytes, and besides them only
/// the narrower partial tiles of its earlier checkpoints.
fn same_log(grown: &BTreeMap<String, Vec<u8>>, whole: &BTreeMap<String, Vec<u8>>, what: &str) {
    for (key, bytes) in whole {
        assert!(
            grown.get(key) == Some(bytes),
            "{what}: {key} differs or is missing"
        );
    }
    let extra: Vec<&String> = grown.keys().filter(|k| !whole.contains_key(*k)).collect();
    assert!(extra.iter().all(|k| k.contains(".p/")), "{what}: {extra:?}");
}

#[test]
fn growing_publishes_continue_the_log_byte_for_byte_as_a_full_publish_writes_it() {
    // Sizes where the published log ends inside a tile, on a tile's end
    // (512: the last leaf is read from a full tile below a partial one),
    // and one past it.
    let mut ledger = Ledger::new(300, 300);
    let dest = ledger.tmp.path().join("published");
    let d = descriptors(&ledger.dir, &dest, &[]);
    assert_eq!(d["size"], 300);
    for (add, old) in [(212u64, 300u64), (1, 512), (300, 513)] {
        ledger.append(add);
        let d = descriptors(&ledger.dir, &dest, &[]);
        assert_eq!(
            (d["previous"].as_u64(), d["size"].as_u64()),
            (Some(old), Some(old + add)),
            "{d}"
        );
        assert_eq!(d["tiles_present"], 0, "nothing rewritten: {d}");
        let full = ledger.tmp.path().join(format!("full-{}", old + add));
        descriptors(&ledger.dir, &full, &["--full"]);
        same_log(
            &objects(&dest),
            &objects(&full),
            &format!("after {old} + {add}"),
        );
    }
    check_with_tlog_tiles(&dest, "descriptors", &ledger.lines("descriptors"));
    // Up to date: nothing written, by either path.
    let d = descriptors(&ledger.dir, &dest, &[]);
    assert_eq!(
        (
            d["bytes_written"].as_u64(),
            d["checkpoint_written"].as_bool()
        ),
        (Some(0), Some(false)),
        "{d}"
    );
}

#[test]
fn records_before_the_published_checkpoint_are_not_read_again_and_full_reads_them() {
    let mut ledger = Ledger::new(300, 300);
    let dest = ledger.tmp.path().join("published");
    descriptors(&ledger.dir, &dest, &[]);
    ledger.append(10);
    let signed = ledger.lines("descriptors");
    // A published record changed in the local copy afterwards: the
    // incremental publish does not read it (the published log already
    // holds it, and its tiles are never rewritten) ...
    tamper_line(&ledger, "descriptors", 5);
    let d = descriptors(&ledger.dir, &dest, &[]);
    assert_eq!(d["size"], 310, "{d}");
    // ... and what it publishes is the log the ledger signed, not the
    // changed copy.
    check_with_tlog_tiles(&dest, "descriptors", &signed);
    // `--full` verifies everything, and refuses the changed copy.
    let r = publish(&ledger.dir, &ledger.tmp.path().join("other"), &["--full"]);
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    assert!(r.err.contains("the ledger is violated"), "{}", r.err);
}

#[test]
fn a_ledger_whose_last_published_record_changed_is_refused_naming_it() {
    let mut ledger = Ledger::new(300, 300);
    let dest = ledger.tmp.path().join("published");
    descriptors(&ledger.dir, &dest, &[]);
    ledger.append(10);
    tamper_line(&ledger, "descriptors", 300);
    let before = objects(&dest);
    let r = publish(&ledger.dir, &dest, &[]);
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    assert!(
        r.err.contains("chain descriptors")
            && r.err.contains("line 300 of")
            && r.err.contains("is not the record published at index 299")
            && r.err.contains("expected leaf hash"),
        "{}",
        r.err
    );
    assert!(objects(&dest) == before, "nothing written");
}

#[test]
fn a_violation_in_the_new_records_is_refused_with_its_file_and_line() {
    let mut ledger = Ledger::new(300, 300);
    let dest = ledger.tmp.path().join("published");
    descriptors(&ledger.dir, &dest, &[]);
    ledger.append(10);
    tamper_line(&ledger, "descriptors", 305);
    let before = objects(&dest);
    let r = publish(&ledger.dir, &dest, &[]);
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    assert!(
        r.err.contains("descriptors.jsonl:305: HASH_MISMATCH")
            && r.err.contains("expected ")
            && r.err.contains("nothing more of descriptors was published"),
        "{}",
        r.err
    );
    assert!(objects(&dest) == before, "nothing written");
}

#[test]
fn changed_published_tiles_are_refused_not_built_upon() {
    let mut ledger = Ledger::new(300, 300);
    let dest = ledger.tmp.path().join("published");
    descriptors(&ledger.dir, &dest, &[]);
    ledger.append(10);
    // The right edge of level 0 (300 = 256 + 44): its partial tile.
    let tile = dest.join("descriptors/tile/0/001.p/44");
    let mut bytes = std::fs::read(&tile).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&tile, &bytes).unwrap();
    let r = publish(&ledger.dir, &dest, &[]);
    assert_eq!(r.code, Some(2), "{}{}", r.out, r.err);
    assert!(
        r.err.contains("the right-edge tiles hash to") && r.err.contains("were changed"),
        "{}",
        r.err
    );
}

#[test]
fn a_record_too_long_for_an_entry_bundle_is_refused_naming_its_line() {
    let mut ledger = Ledger::new(20, 20);
    let dest = ledger.tmp.path().join("published");
    descriptors(&ledger.dir, &dest, &[]);
    // A record line of more than 65,535 bytes (the ledger allows 16 MiB).
    ledger.append_body(&format!(
        r#"{{"descriptor_id":"long","process_name":"ENG.1","pad":"{}"}}"#,
        "y".repeat(70_000)
    ));
    let before = objects(&dest);
    for (extra, how) in [(&[][..], "incremental"), (&["--full"][..], "full")] {
        let r = publish(&ledger.dir, &dest, extra);
        assert_eq!(r.code, Some(2), "{how}: {}{}", r.out, r.err);
        assert!(
            r.err.contains("descriptors.jsonl: line 21: a record of 70")
                && r.err.contains("at most 65535 bytes")
                && r.err.contains("nothing more of descriptors was published"),
            "{how}: {}",
            r.err
        );
        assert_eq!(
            objects(&dest).get("descriptors/checkpoint"),
            before.get("descriptors/checkpoint"),
            "{how}: no checkpoint names it"
        );
    }
}

#[test]
fn an_interrupted_incremental_publish_resumes_to_the_same_bytes() {
    if !common::faults::seam_available() {
        return;
    }
    let mut ledger = Ledger::new(1000, 1000);
    let dest = ledger.tmp.path().join("published");
    descriptors(&ledger.dir, &dest, &[]);
    ledger.append(1300);
    // Number the write steps of the incremental publish on a copy.
    let scratch = ledger.tmp.path().join("scratch");
    common::copy_tree(&dest, &scratch);
    let killed = publish_killed_half_way(&ledger, &dest, &scratch, 6);
    assert_eq!(killed.status.code(), None, "killed");
    let cp = std::fs::read_to_string(dest.join("descriptors/checkpoint")).unwrap();
    assert_eq!(cp.lines().nth(1), Some("1000"), "the old checkpoint stays");
    let d = descriptors(&ledger.dir, &dest, &[]);
    assert!(d["tiles_present"].as_u64().unwrap() > 0, "{d}");
    let (resumed, clean) = (objects(&dest), objects(&scratch));
    assert_eq!(
        resumed.keys().collect::<Vec<_>>(),
        clean.keys().collect::<Vec<_>>()
    );
    same_log(&resumed, &clean, "resumed");
    check_with_tlog_tiles(&dest, "descriptors", &ledger.lines("descriptors"));
}

#[test]
fn watch_retries_a_destination_that_failed_until_it_recovers() {
    use std::os::unix::fs::PermissionsExt;
    let Some(runner) = common::unprivileged::Runner::new() else {
        return;
    };
    let mut ledger = Ledger::new(100, 100);
    let dest = ledger.tmp.path().join("published");
    std::fs::create_dir(&dest).unwrap();
    common::unprivileged::open_to_all(ledger.tmp.path());
    // The destination refuses writes (to the unprivileged publisher).
    std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o555)).unwrap();
    let cmd = runner.command();
    let mut child = std::process::Command::new(&cmd[0])
        .args(&cmd[1..])
        .args(["publish", "--watch", "--interval", "0.2"])
        .arg(&ledger.dir)
        .arg(&dest)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(120)).unwrap();
    assert!(
        first.contains("publishing to") && first.contains("Permission denied"),
        "{first}"
    );
    assert_eq!(published_size(&dest, "descriptors"), None);
    // The destination recovers: the next round publishes, with no new
    // change in the ledger to wake it.
    std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o777)).unwrap();
    let recovered = wait_until(Duration::from_secs(120), || {
        published_size(&dest, "descriptors") == Some(100)
    });
    // It fails again, and recovers again, for a grown ledger.
    std::fs::set_permissions(
        dest.join("descriptors"),
        std::fs::Permissions::from_mode(0o555),
    )
    .unwrap();
    ledger.append(300);
    common::unprivileged::open_to_all(&ledger.dir);
    // (The first failures were at the top of the destination, this one
    // is under descriptors/.)
    let failed_again = rx
        .iter()
        .take(1000)
        .any(|l| l.contains("Permission denied") && l.contains("descriptors/"));
    assert_eq!(published_size(&dest, "descriptors"), Some(100));
    std::fs::set_permissions(
        dest.join("descriptors"),
        std::fs::Permissions::from_mode(0o777),
    )
    .unwrap();
    let grown = wait_until(Duration::from_secs(120), || {
        published_size(&dest, "descriptors") == Some(400)
    });
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap(),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert!(recovered && failed_again && grown);
    // The rounds that failed make the exit status an error's.
    assert_eq!(status.code(), Some(2));
    check_with_tlog_tiles(&dest, "descriptors", &ledger.lines("descriptors"));
}
