//! Invariant: the workstation runs in a real terminal (tmux), shows the
//! ledger and its verdict, answers keys, quits on `q`, and leaves every
//! ledger file byte-identical (review is read-only).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

/// Kills the tmux session however the test ends.
struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}

fn capture(session: &str) -> String {
    let out = Command::new("tmux")
        .args(["capture-pane", "-p", "-t", session])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_for(session: &str, needle: &str) -> String {
    let start = Instant::now();
    loop {
        let screen = capture(session);
        if screen.contains(needle) {
            return screen;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{needle:?} never appeared; screen:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn files_state(root: &Path) -> Vec<(String, Vec<u8>, SystemTime)> {
    let mut v = Vec::new();
    for entry in walk(root) {
        let meta = std::fs::metadata(&entry).unwrap();
        v.push((
            entry.display().to_string(),
            std::fs::read(&entry).unwrap(),
            meta.modified().unwrap(),
        ));
    }
    v.sort();
    v
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn workstation_in_tmux_shows_the_ledger_and_changes_nothing() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("skipped: tmux is not installed (CI installs it)");
        return;
    }
    let dir = common::generated_ledger(81);
    let before = files_state(dir.path());
    let session = Session(format!("iss-e2e-{}", std::process::id()));
    let command = format!("{} {}", env!("CARGO_BIN_EXE_iss"), dir.path().display());
    let started = Command::new("tmux")
        .args([
            "new-session",
            "-d",
            "-s",
            &session.0,
            "-x",
            "120",
            "-y",
            "30",
            &command,
        ])
        .status()
        .unwrap();
    assert!(started.success());

    let screen = wait_for(&session.0, "CLEAN");
    assert!(
        screen.contains("READ-ONLY") && screen.contains("spice_chain"),
        "{screen}"
    );
    Command::new("tmux")
        .args(["send-keys", "-t", &session.0, "2"])
        .status()
        .unwrap();
    wait_for(&session.0, "No findings");
    Command::new("tmux")
        .args(["send-keys", "-t", &session.0, "q"])
        .status()
        .unwrap();
    let start = Instant::now();
    while Command::new("tmux")
        .args(["has-session", "-t", &session.0])
        .output()
        .unwrap()
        .status
        .success()
    {
        assert!(start.elapsed() < Duration::from_secs(5), "q did not quit");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        files_state(dir.path()),
        before,
        "the ledger is byte-identical, mtimes included"
    );
}
