//! The workstation in a real terminal: a detached tmux session, keys sent
//! to it, and its screen read until some text shows (or a clear failure
//! that shows the screen). One helper for every test that drives `iss` in
//! tmux; the session is killed however the test ends.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// How long [`wait_for`] waits for its text.
pub const WAIT: Duration = Duration::from_secs(15);

/// Whether tmux is installed (nothing printed).
pub fn installed() -> bool {
    Command::new("tmux").arg("-V").output().is_ok()
}

/// Whether tmux can run here; says why a test is skipped when it cannot.
pub fn available() -> bool {
    let ok = installed();
    if !ok {
        eprintln!("skipped: tmux is not installed (CI installs it)");
    }
    ok
}

/// A tmux session; killed when dropped. `.0` is its name.
pub struct Session(pub String);

impl Session {
    /// A shell `command` in a new detached 120x30 tmux session named after
    /// `name` and this process ([`new_session`]).
    pub fn new(name: &str, command: &str) -> Session {
        let session = Session(format!("{name}-{}", std::process::id()));
        new_session(&session.0, command);
        session
    }

    /// `iss LEDGER` in a new session (see [`Session::start_command`]).
    pub fn start(name: &str, ledger: &Path) -> Session {
        let command = format!("{} {}", super::iss_shell(&[]), ledger.display());
        Session::start_command(name, &command)
    }

    /// A shell `command` in a new session; its first command (the
    /// workstation) reads a fixed clock, never the machine's (`P` and the
    /// form record the time), and neither reads nor writes the user's
    /// remembered checkpoints (`ISS_NO_STATE`): another run's ledger of the
    /// same origin there made a fresh one a ROLLBACK.
    pub fn start_command(name: &str, command: &str) -> Session {
        let command = format!(
            "ISS_NO_STATE=1 {}='{}' {command}",
            super::CLOCK_ENV,
            super::next_clock()
        );
        Session::new(name, &command)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}

/// The text on the session's screen now.
pub fn capture(session: &str) -> String {
    let out = Command::new("tmux")
        .args(["capture-pane", "-p", "-t", session])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Send one key (or a string of them: tmux's `send-keys` names).
pub fn send(session: &str, keys: &str) {
    send_all(session, &[keys]);
}

/// Send several keys, in order, in one `send-keys`.
pub fn send_all(session: &str, keys: &[&str]) {
    Command::new("tmux")
        .args(["send-keys", "-t", session])
        .args(keys)
        .status()
        .unwrap();
}

/// The screen once `ok` holds for it; `Err` with the last screen when
/// `timeout` passed first.
pub fn poll(session: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> Result<String, String> {
    let start = Instant::now();
    loop {
        let screen = capture(session);
        if ok(&screen) {
            return Ok(screen);
        }
        if start.elapsed() >= timeout {
            return Err(screen);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The screen once `ok` holds for it; fails naming `what` and showing the
/// screen when `timeout` passed first.
pub fn wait_until(
    session: &str,
    what: &str,
    timeout: Duration,
    ok: impl Fn(&str) -> bool,
) -> String {
    poll(session, timeout, ok)
        .unwrap_or_else(|screen| panic!("{what} never showed; screen:\n{screen}"))
}

/// The screen once it shows `needle` (within [`WAIT`]).
pub fn wait_for(session: &str, needle: &str) -> String {
    wait_until(session, &format!("{needle:?}"), WAIT, |s| {
        s.contains(needle)
    })
}

/// Wait until the session has ended (the workstation quit).
pub fn wait_until_quit(session: &str) {
    let start = Instant::now();
    while Command::new("tmux")
        .args(["has-session", "-t", session])
        .output()
        .unwrap()
        .status
        .success()
    {
        // A deadline for a failure only: a loaded machine (load 20) is slow to exit.
        assert!(start.elapsed() < Duration::from_secs(30), "q did not quit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `tmux new-session -d -s NAME -x 120 -y 30 COMMAND`. Retried: when
/// several tests start sessions at once and no tmux server runs yet, each
/// tries to start one and all but one can fail ("server exited
/// unexpectedly"); a session that exists after a failed start counts.
pub fn new_session(name: &str, command: &str) {
    let mut last = String::new();
    for attempt in 0..8 {
        let out = std::process::Command::new("tmux")
            .args(["new-session", "-d", "-s", name, "-x", "120", "-y", "30"])
            .arg(command)
            .output()
            .expect("tmux runs");
        if out.status.success() {
            return;
        }
        let exists = std::process::Command::new("tmux")
            .args(["has-session", "-t", name])
            .output()
            .is_ok_and(|o| o.status.success());
        if exists {
            return;
        }
        last = String::from_utf8_lossy(&out.stderr).into_owned();
        std::thread::sleep(std::time::Duration::from_millis(100 << attempt.min(4)));
    }
    panic!("tmux new-session {name}: {last}");
}
