//! Invariant: many ledgers at once. `iss watch --fleet FILE --json` streams
//! the events of every ledger of a fleet file, each naming its ledger (name
//! and location); a ledger that cannot be read, or a published location
//! (not readable in this build), gets its own `error` event and the others
//! go on; a bad fleet file is refused with its file and line. In a real
//! terminal (tmux), `iss tui --fleet FILE` lists the ledgers and a record
//! appended to one with `iss append` changes its row.

mod common;

use common::tmux;
use common::watch::{Watcher, next};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

/// `iss watch --fleet FILE --json ARGS`, its events on the receiver.
fn watch_fleet(fleet: &Path, args: &[&str]) -> (Watcher, Receiver<Value>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_iss"))
        .args(["watch", "--json", "--fleet"])
        .arg(fleet)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let v: Value = serde_json::from_str(&line).expect("each line is one JSON object");
            if tx.send(v).is_err() {
                return;
            }
        }
    });
    (Watcher(child), rx)
}

/// Two generated ledgers (`alpha`, `beta`), a path holding nothing and a
/// published location, in a fleet file beside them.
fn fleet_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let root = tempfile::tempdir().unwrap();
    for (name, seed) in [("alpha", 31), ("beta", 32)] {
        let dir = common::generated_ledger(seed);
        let to = root.path().join(name);
        // A rename within /tmp: the ledger moves whole (its temp dir is then empty).
        std::fs::rename(dir.path(), &to).unwrap();
    }
    let fleet = root.path().join("fleet.txt");
    std::fs::write(
        &fleet,
        "# two services, a missing one, a published one\nalpha  alpha\nbeta beta\n\nmissing gone\nhttps://audit.example.org/hr/ hr\n",
    )
    .unwrap();
    (root, fleet)
}

#[test]
fn watch_fleet_json_events_name_their_ledger_and_a_bad_entry_does_not_stop_the_others() {
    let (root, fleet) = fleet_dir();
    let (_w, rx) = watch_fleet(&fleet, &["--timeout", "60"]);
    let mut first: BTreeMap<String, Value> = BTreeMap::new();
    while first.len() < 4 {
        let ev = next(&rx);
        let name = ev["name"]
            .as_str()
            .expect("every event names its ledger")
            .to_owned();
        assert!(ev["location"].is_string(), "{ev}");
        first.entry(name).or_insert(ev);
    }
    for name in ["alpha", "beta"] {
        let ev = &first[name];
        assert_eq!(
            (ev["event"].as_str(), ev["status"].as_str()),
            (Some("ready"), Some("clean")),
            "{ev}"
        );
        assert_eq!(ev["location"], root.path().join(name).display().to_string());
    }
    let gone = &first["gone"];
    assert_eq!(gone["event"], "error");
    assert!(
        gone["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot watch:"),
        "{gone}"
    );
    assert_eq!(
        gone["location"],
        root.path().join("missing").display().to_string()
    );
    let hr = &first["hr"];
    assert_eq!(
        (
            hr["event"].as_str(),
            hr["message"].as_str(),
            hr["location"].as_str()
        ),
        (
            Some("error"),
            Some("published locations need remote review, not in this build"),
            Some("https://audit.example.org/hr/")
        )
    );

    common::append_descriptor_cli(&root.path().join("beta"), "Fleet_Append", &[]);
    let rec = next(&rx);
    assert_eq!(
        (
            rec["event"].as_str(),
            rec["name"].as_str(),
            rec["file"].as_str(),
            rec["status"].as_str()
        ),
        (
            Some("record"),
            Some("beta"),
            Some("spice_chain"),
            Some("verified")
        ),
        "{rec}"
    );
}

#[test]
fn watch_fleet_exit_status_and_text_lines() {
    let (root, _) = fleet_dir();
    let fleet = root.path().join("clean.txt");
    std::fs::write(&fleet, "alpha\nbeta b\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_iss"))
        .args(["watch", "--fleet"])
        .arg(&fleet)
        .args(["--max-events", "2"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    assert!(lines[0].starts_with("[alpha] watching "), "{text}");
    assert!(lines[1].starts_with("[b] watching "), "{text}");

    // A ledger without a verdict (published) makes the fleet's status 2.
    std::fs::write(&fleet, "alpha\ns3://bucket/x\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_iss"))
        .args(["watch", "--json", "--fleet"])
        .arg(&fleet)
        .args(["--max-events", "2"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A violated ledger makes it 1.
    let chain = root.path().join("alpha/data/spice_layer/spice_chain.jsonl");
    let text = std::fs::read_to_string(&chain).unwrap();
    std::fs::write(
        &chain,
        text.replacen("\"process_name\":\"", "\"process_name\":\"X", 1),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_iss"))
        .args(["watch", "--json", "--fleet"])
        .arg(&fleet)
        .args(["--max-events", "2"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_bad_fleet_file_is_refused_with_its_line_and_what_was_expected() {
    let root = tempfile::tempdir().unwrap();
    let fleet = root.path().join("fleet.txt");
    std::fs::write(&fleet, "a one\nftp://x/y two\n").unwrap();
    for cmd in [&["watch", "--fleet"][..], &["tui", "--fleet"][..]] {
        let out = Command::new(env!("CARGO_BIN_EXE_iss"))
            .args(cmd)
            .arg(&fleet)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd:?}: {err}");
        assert!(
            err.contains(&format!(
                "{}:2: expected a path, or an https://, http:// or s3:// location; found the scheme `ftp://`",
                fleet.display()
            )),
            "{cmd:?}: {err}"
        );
    }
}

/// The screen once `ok` holds for it (within 20 s).
fn wait_until(session: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
    tmux::wait_until(session, what, Duration::from_secs(20), ok)
}

/// The row of the fleet table naming `name`.
fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen.lines().find(|l| {
        (l.contains(&format!(" {name} ")) || l.contains(&format!(">{name} ")))
            && l.contains("CLEAN")
    })
}

/// The records column of a row: the first number after the format.
fn records(row: &str) -> Option<u64> {
    let after = row.split("legacy").nth(1)?;
    after.split_whitespace().next()?.parse().ok()
}

#[test]
fn fleet_in_tmux_shows_an_appended_record_in_its_row_and_opens_a_ledger() {
    if !tmux::available() {
        return;
    }
    let (root, fleet) = fleet_dir();
    let command = format!(
        "{} tui --fleet {}",
        env!("CARGO_BIN_EXE_iss"),
        fleet.display()
    );
    let session = tmux::Session::start_command("iss-fleet", &command);
    let screen = wait_until(&session.0, "both verdicts", |s| {
        row(s, "alpha").is_some() && row(s, "beta").is_some()
    });
    assert!(
        screen.contains("published locations need remote review"),
        "{screen}"
    );
    let before = records(row(&screen, "beta").unwrap()).expect("a record count");
    let alpha = records(row(&screen, "alpha").unwrap()).expect("a record count");

    common::append_descriptor_cli(&root.path().join("beta"), "Fleet_Tmux", &[]);
    let screen = wait_until(&session.0, "beta's new record", |s| {
        row(s, "beta").and_then(records) == Some(before + 1)
    });
    assert_eq!(
        row(&screen, "alpha").and_then(records),
        Some(alpha),
        "alpha did not change"
    );

    // Enter opens beta (second row) in the five panes; Esc comes back.
    let send = |keys: &str| tmux::send(&session.0, keys);
    send("j");
    send("Enter");
    wait_until(&session.0, "beta's browser", |s| s.contains("[1 Chains]"));
    send("G");
    wait_until(&session.0, "beta's new record", |s| {
        s.contains("Fleet_Tmux")
    });
    send("Escape");
    wait_until(&session.0, "the fleet again", |s| s.contains("ISS fleet"));
    send("q");
}
