//! Invariant: many ledgers at once. `iss watch --fleet FILE --json` streams
//! the events of every ledger of a fleet file, each naming its ledger (name
//! and location); a ledger that cannot be read, or a published location
//! that cannot be reached, gets its own `error` event and the others go on;
//! a published location served over HTTP is reviewed and monitored like a
//! local ledger (a tampered tile: violated); a bad fleet file is refused
//! with its file and line. In a real terminal (tmux), `iss tui --fleet
//! FILE` lists the ledgers (published ones with their verdicts), a
//! record appended to one with `iss append` changes its row, and Enter on
//! a published location opens it in the five panes (Esc comes back).

mod common;
mod publish;

use common::http::{Http, serve};
use common::tmux;
use common::watch::{Watcher, json_lines, next};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc::Receiver;
use std::time::Duration;

/// The state directory of the `iss` runs on one fleet file: beside it, so
/// that no two tests (whose published ledgers share an origin and a key but
/// not their contents) remember each other's checkpoints, and no run of the
/// suite the machine's (`~/.local/state/iss`).
fn state_of(fleet: &Path) -> std::path::PathBuf {
    fleet.with_extension("state")
}

/// `iss watch --fleet FILE --json ARGS`, its events on the receiver.
fn watch_fleet(fleet: &Path, args: &[&str]) -> (Watcher, Receiver<Value>) {
    let mut child = common::iss_process()
        .env(common::STATE_ENV, state_of(fleet))
        .args(["watch", "--json", "--fleet"])
        .arg(fleet)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = json_lines(child.stdout.take().unwrap());
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
        "# two services, a missing one, a published one not reachable\nalpha  alpha\nbeta beta\n\nmissing gone\nhttp://127.0.0.1:9/hr/ hr\n",
    )
    .unwrap();
    (root, fleet)
}

/// A fleet of a local legacy ledger (`alpha`) and a native ledger of 600
/// records published twice under one web server: intact (`ok`) and with
/// one hash of a tile changed (`bad`). Also returns the ledger, to grow it.
fn fleet_with_published() -> Option<(tempfile::TempDir, std::path::PathBuf, publish::Ledger, Http)>
{
    let root = tempfile::tempdir().unwrap();
    let dir = common::generated_ledger(31);
    std::fs::rename(dir.path(), root.path().join("alpha")).unwrap();
    let l = publish::Ledger::new(600, 300);
    for site in ["ok", "bad"] {
        let st = publish::iss()
            .arg("publish")
            .arg(&l.dir)
            .arg(root.path().join("www").join(site))
            .output()
            .unwrap();
        assert!(st.status.success(), "{st:?}");
    }
    let tile = root.path().join("www/bad/descriptors/tile/0/001");
    let mut bytes = std::fs::read(&tile).unwrap();
    bytes[5 * 32] ^= 1;
    std::fs::write(&tile, &bytes).unwrap();
    let Some(http) = serve(&root.path().join("www")) else {
        eprintln!("skipped: python3 -m http.server could not be started");
        return None;
    };
    let fleet = root.path().join("fleet.txt");
    std::fs::write(
        &fleet,
        format!("alpha alpha\n{0}/ok ok\n{0}/bad bad\n", http.url),
    )
    .unwrap();
    Some((root, fleet, l, http))
}

/// The finding kinds of a `ready` event.
fn kinds(ev: &Value) -> Vec<&str> {
    ev["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["finding"]["kind"].as_str().unwrap())
        .collect()
}

#[test]
fn watch_fleet_reviews_and_monitors_published_locations_over_http() {
    let Some((root, fleet, mut l, http)) = fleet_with_published() else {
        return;
    };
    let (_w, rx) = watch_fleet(&fleet, &["--timeout", "120", "--poll", "0.2"]);
    let mut first: BTreeMap<String, Value> = BTreeMap::new();
    while first.len() < 3 {
        let ev = next(&rx);
        first
            .entry(ev["name"].as_str().unwrap().to_owned())
            .or_insert(ev);
    }
    let ok = &first["ok"];
    assert_eq!(
        (ok["event"].as_str(), ok["status"].as_str()),
        (Some("ready"), Some("clean")),
        "{ok}"
    );
    assert_eq!(ok["location"], format!("{}/ok", http.url));
    let records = ok["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "descriptors")
        .map(|f| f["records"].clone());
    assert_eq!(records, Some(600.into()), "{ok}");
    let bad = &first["bad"];
    assert_eq!(
        (bad["event"].as_str(), bad["status"].as_str()),
        (Some("ready"), Some("violated")),
        "{bad}"
    );
    assert_eq!(kinds(bad), ["TILE_MISMATCH"], "{bad}");
    assert_eq!(first["alpha"]["status"], "clean");

    // The publisher grows the log: the monitor follows the new checkpoint
    // and the new records are verified one by one, named `ok`.
    l.append(3);
    let st = publish::iss()
        .arg("publish")
        .arg(&l.dir)
        .arg(root.path().join("www/ok"))
        .output()
        .unwrap();
    assert!(st.status.success(), "{st:?}");
    let mut lines = Vec::new();
    while lines.len() < 3 {
        let ev = next(&rx);
        if ev["name"] == "ok" && ev["event"] == "record" && ev["file"] == "descriptors" {
            assert_eq!(ev["status"], "verified", "{ev}");
            lines.push(ev["line"].as_u64().unwrap());
        }
    }
    assert_eq!(lines, [601, 602, 603]);
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
    // Read through remote review now: unreachable, it says so.
    let hr = &first["hr"];
    assert_eq!(
        (hr["event"].as_str(), hr["location"].as_str()),
        (Some("error"), Some("http://127.0.0.1:9/hr/")),
        "{hr}"
    );
    assert!(
        hr["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot read: http://127.0.0.1:9/hr/"),
        "{hr}"
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
    let out = common::iss_process()
        .env(common::STATE_ENV, state_of(&fleet))
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

    // A ledger without a verdict (unreachable) makes the fleet's status 2.
    std::fs::write(&fleet, "alpha\nhttp://127.0.0.1:9/x\n").unwrap();
    let out = common::iss_process()
        .env(common::STATE_ENV, state_of(&fleet))
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
    let out = common::iss_process()
        .env(common::STATE_ENV, state_of(&fleet))
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
        let out = common::iss_process()
            .env(common::STATE_ENV, state_of(&fleet))
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
    let command = format!("{} tui --fleet {}", common::iss_shell(&[]), fleet.display());
    let session = tmux::Session::start_command("iss-fleet", &command);
    wait_until(&session.0, "both verdicts", |s| {
        row(s, "alpha").is_some() && row(s, "beta").is_some()
    });
    // The unreachable published location: read through remote review,
    // no verdict, and why.
    let screen = wait_until(&session.0, "hr's read error", |s| {
        s.lines()
            .any(|l| l.contains(" hr ") && l.contains("? NO VERDICT"))
            && s.contains("cannot read: http://127.0.0.1:9/hr/")
    });
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

#[test]
fn fleet_in_tmux_shows_the_verdicts_of_published_locations() {
    if !tmux::available() {
        return;
    }
    let Some((_root, fleet, _l, _http)) = fleet_with_published() else {
        return;
    };
    let command = format!("{} tui --fleet {}", common::iss_shell(&[]), fleet.display());
    let session = tmux::Session::start_command("iss-fleet-pub", &command);
    let line = |s: &str, name: &str| -> Option<String> {
        s.lines()
            .find(|l| l.contains(&format!(" {name} ")) || l.contains(&format!(">{name} ")))
            .map(str::to_owned)
    };
    let screen = wait_until(&session.0, "the published verdicts", |s| {
        line(s, "ok").is_some_and(|l| l.contains("✔ CLEAN"))
            && line(s, "bad").is_some_and(|l| l.contains("✘ VIOLATED"))
    });
    // 600 descriptors and the genesis event; the newest checkpoint signs 600.
    let ok = line(&screen, "ok").unwrap();
    assert!(ok.contains("native     601 600 "), "{screen}");
    assert!(screen.contains("2 ✔ clean, 1 ✘ violated"), "{screen}");
}

#[test]
fn fleet_in_tmux_opens_a_published_location_in_the_five_panes_and_esc_comes_back() {
    if !tmux::available() {
        return;
    }
    let Some((root, fleet, _l, _http)) = fleet_with_published() else {
        return;
    };
    // The copies (the rows' and the opened location's) and the disk cache
    // in folders of the test's own.
    let (tmp, cache) = (root.path().join("tmp"), root.path().join("cache"));
    std::fs::create_dir(&tmp).unwrap();
    let command = format!(
        "{} tui --fleet {}",
        common::iss_shell(&[("TMPDIR", &tmp), (common::CACHE_ENV, &cache)]),
        fleet.display()
    );
    let session = tmux::Session::start_command("iss-fleet-open-pub", &command);
    wait_until(&session.0, "the published verdict", |s| {
        row(s, "ok").is_some()
    });
    // `ok` is the second row: Enter opens it as `iss tui URL` does.
    tmux::send_all(&session.0, &["j", "Enter"]);
    let panes = wait_until(&session.0, "the five panes on `ok`", |s| {
        s.contains("CLEAN: 0 violations") && s.contains("descriptors 1/600")
    });
    assert!(panes.contains("[1 Chains]"), "{panes}");
    assert!(
        panes.contains("ENG.0 ") && panes.contains("ENG.9 "),
        "{panes}"
    );
    assert!(!panes.contains("ISS fleet"), "{panes}");
    // Esc with nothing to close: back to the fleet, `ok` still selected.
    tmux::send(&session.0, "Escape");
    let back = wait_until(&session.0, "the fleet again", |s| s.contains("ISS fleet"));
    assert!(back.contains(">ok "), "{back}");
    // Enter again: the panes as they were left (nothing fetched again to show them).
    tmux::send(&session.0, "Enter");
    wait_until(&session.0, "the five panes again", |s| {
        s.contains("descriptors 1/600") && !s.contains("ISS fleet")
    });
    tmux::send(&session.0, "q");
    tmux::wait_until_quit(&session.0);
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    // (Also those whose fetch was still under way: `bad`'s may be.)
    assert!(left.is_empty(), "copies left in TMPDIR: {left:?}");
}

#[test]
fn watch_fleet_removes_the_copies_of_published_locations_when_it_ends() {
    let Some((_root, fleet, _l, _http)) = fleet_with_published() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = common::iss_process()
        .env(common::STATE_ENV, state_of(&fleet))
        .env("TMPDIR", tmp.path())
        .args(["watch", "--json", "--fleet"])
        .arg(&fleet)
        .args(["--max-events", "3"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(r#""name":"ok""#) || text.contains(r#""name":"bad""#),
        "a published location was fetched: {text}"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
}
