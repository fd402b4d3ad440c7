//! Invariant: in a real terminal (tmux), `v` gives the selected record to
//! `$PAGER` as a read-only temporary copy, with the terminal in cooked
//! mode; the copy is gone after, the workstation draws again and answers
//! keys; a pager that is not installed is said, and the workstation stays.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Kills the tmux session however the test ends.
struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}

fn start(name: &str, ledger: &Path, pager: &str) -> Session {
    let session = Session(format!("{name}-{}", std::process::id()));
    let command = format!(
        "{} {}",
        common::iss_shell(&[("PAGER", Path::new(pager))]),
        ledger.display()
    );
    common::tmux_new_session(&session.0, &command);
    session
}

fn send(session: &str, keys: &[&str]) {
    Command::new("tmux")
        .args(["send-keys", "-t", session])
        .args(keys)
        .status()
        .unwrap();
}

fn screen(session: &str) -> String {
    let out = Command::new("tmux")
        .args(["capture-pane", "-p", "-t", session])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_until(what: &str, session: &str, done: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let s = screen(session);
        if done(&s) {
            return s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{what} never happened; screen:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn tmux_missing() -> bool {
    let missing = Command::new("tmux").arg("-V").output().is_err();
    if missing {
        eprintln!("skipped: tmux is not installed (CI installs it)");
    }
    missing
}

#[test]
fn v_opens_the_record_in_the_pager_in_cooked_mode_and_comes_back() {
    if tmux_missing() {
        return;
    }
    let dir = common::generated_ledger(83);
    let out = tempfile::tempdir().unwrap();
    let o = out.path().display();
    // The pager: what it was given, its mode, the terminal's mode, then
    // it waits for a line typed on the terminal (cooked mode: Enter ends it).
    let script = out.path().join("pager.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncp \"$1\" '{o}/copy'\nstat -c %a \"$1\" > '{o}/mode'\nprintf %s \"$1\" > '{o}/path'\nstty -a > '{o}/stty'\necho PAGER-WAITING\nread line\nprintf %s \"$line\" > '{o}/typed'\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let s = start("iss-pager", dir.path(), &script.display().to_string());
    wait_until("the verdict", &s.0, |x| x.contains("CLEAN"));
    send(&s.0, &["j", "j", "v"]);
    wait_until("the pager", &s.0, |x| x.contains("PAGER-WAITING"));
    // Keys now go to the pager, not to the workstation.
    send(&s.0, &["-l", "hello q"]);
    send(&s.0, &["Enter"]);
    let back = wait_until("the workstation back", &s.0, |x| x.contains("pager closed"));
    assert!(back.contains(">✔    3 "), "the cursor stayed: {back}");
    assert_eq!(
        std::fs::read_to_string(out.path().join("typed")).unwrap(),
        "hello q"
    );

    let chain =
        std::fs::read_to_string(dir.path().join("data/spice_layer/spice_chain.jsonl")).unwrap();
    let stored = chain.lines().nth(2).unwrap();
    let copy = std::fs::read_to_string(out.path().join("copy")).unwrap();
    let v: serde_json::Value = serde_json::from_str(stored).unwrap();
    let id = v["descriptor_id"].as_str().unwrap();
    assert!(
        copy.contains(&format!("\"descriptor_id\": \"{id}\"")),
        "{copy}"
    );
    assert!(copy.contains("spice_chain.jsonl line 3"), "{copy}");
    assert_eq!(
        std::fs::read_to_string(out.path().join("mode"))
            .unwrap()
            .trim(),
        "400"
    );
    let path = std::fs::read_to_string(out.path().join("path")).unwrap();
    assert!(!Path::new(&path).exists(), "the copy is removed: {path}");
    let stty = std::fs::read_to_string(out.path().join("stty")).unwrap();
    assert!(
        stty.split_whitespace().any(|w| w == "icanon")
            && stty.split_whitespace().any(|w| w == "echo"),
        "cooked mode for the pager: {stty}"
    );
    // The workstation answers keys again.
    send(&s.0, &["j"]);
    wait_until("the next record", &s.0, |x| x.contains(">✔    4 "));
    send(&s.0, &["q"]);
}

#[test]
fn a_pager_that_is_not_installed_is_said_and_the_workstation_stays() {
    if tmux_missing() {
        return;
    }
    let dir = common::generated_ledger(83);
    let s = start("iss-nopager", dir.path(), "/nonexistent/pager -R");
    wait_until("the verdict", &s.0, |x| x.contains("CLEAN"));
    send(&s.0, &["v"]);
    let said = wait_until("the message", &s.0, |x| x.contains("not found"));
    assert!(said.contains("set PAGER"), "{said}");
    send(&s.0, &["j"]);
    wait_until("the next record", &s.0, |x| x.contains(">✔    2 "));
    send(&s.0, &["q"]);
}
