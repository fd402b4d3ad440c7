//! Running the read commands on a mutated ledger: each `iss` command in a
//! child process (this very executable, started as `iss`: the real `main`
//! of the binary, its exit code and its panics) with a time limit, and the
//! workstation in this process on a ratatui `TestBackend`, on a thread of
//! its own with a time limit.

use crossterm::event::{KeyCode, KeyEvent};
use iss_workstation::tui::app::App;
use iss_workstation::tui::event_loop::run_all_blocking;
use iss_workstation::tui::load::load_blocking;
use iss_workstation::tui::msg::Msg;
use iss_workstation::tui::theme::{Theme, ThemeName};
use iss_workstation::tui::ui;
use iss_workstation::tui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Set in a child's environment: run as `iss`, not as the fuzzer.
pub const AS_ISS: &str = "ISS_FUZZ_AS_ISS";

/// What one command did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The command line, as a user would type it.
    pub command: String,
    /// Its exit code (`None`: killed by a signal, or by us).
    pub code: Option<i32>,
    /// Its standard output.
    pub stdout: Vec<u8>,
    /// Its standard error.
    pub stderr: Vec<u8>,
    /// Whether it was still running at the time limit (and was killed).
    pub timed_out: bool,
}

impl Outcome {
    /// What went wrong, if anything: a panic, a hang, or an exit code
    /// outside the contract (0 clean, 1 violation, 2 error or incomplete,
    /// 3 native append durable but checkpoint failed).
    pub fn failure(&self) -> Option<Failure> {
        let stderr = String::from_utf8_lossy(&self.stderr);
        if self.timed_out {
            Some(Failure::Hang)
        } else if self.code == Some(101) || stderr.contains("panicked at") {
            Some(Failure::Panic)
        } else if !matches!(self.code, Some(0..=3)) {
            Some(Failure::Exit)
        } else {
            None
        }
    }
}

/// A failure of a command or of the workstation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// It panicked.
    Panic,
    /// It did not finish in time.
    Hang,
    /// It exited outside the exit-code contract (or was killed).
    Exit,
    /// It said clean after a change to hashed bytes.
    Miss,
}

impl Failure {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Failure::Panic => "panic",
            Failure::Hang => "hang",
            Failure::Exit => "exit",
            Failure::Miss => "miss",
        }
    }
}

/// Run `iss ARGS` with a time limit.
pub fn iss(args: &[String], limit: Duration) -> Outcome {
    let command = format!("iss {}", shell_words(args));
    let exe = std::env::current_exe().expect("this executable");
    let child = Command::new(exe)
        .arg0("iss")
        .args(args)
        .env(AS_ISS, "1")
        .env_remove("ISS_MAC_KEY")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return Outcome {
                command,
                code: None,
                stdout: Vec::new(),
                stderr: format!("could not start: {e}").into_bytes(),
                timed_out: false,
            };
        }
    };
    // Read both pipes while waiting: a full pipe must not stall the child.
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let deadline = Instant::now() + limit;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if Instant::now() >= deadline => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().ok();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(_) => break None,
        }
    };
    Outcome {
        command,
        code: status.and_then(|s| s.code()),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        timed_out,
    }
}

fn shell_words(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The message of the last panic caught on a thread of the workstation.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Keep panics of the workstation's threads quiet (they are counted and
/// saved, not printed mid-report).
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let where_ = info
            .location()
            .map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if let Ok(mut p) = LAST_PANIC.lock() {
            *p = Some(format!("panicked{where_}: {msg}"));
        }
    }));
}

/// The keys the workstation is driven with, pane by pane.
const KEYS: &str = "2jjeE3GkkeE4jj5jj1GckG/zz\n:goto 3\n?";

/// Open the workstation on `ledger` at 80x24 and 120x40, type through
/// every pane, draw after each key. `Err` says what went wrong.
pub fn workstation(ledger: &Path, limit: Duration) -> Result<(), (Failure, String)> {
    let (tx, rx) = mpsc::channel();
    let dir: PathBuf = ledger.to_owned();
    std::thread::spawn(move || {
        let result = std::panic::catch_unwind(|| drive(&dir));
        let _ = tx.send(result.is_ok());
    });
    match rx.recv_timeout(limit) {
        Ok(true) => Ok(()),
        Ok(false) => Err((
            Failure::Panic,
            LAST_PANIC
                .lock()
                .ok()
                .and_then(|mut p| p.take())
                .unwrap_or_default(),
        )),
        Err(_) => Err((
            Failure::Hang,
            format!("the workstation was still busy after {limit:?}"),
        )),
    }
}

fn drive(ledger: &Path) {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut app = App::new(ledger.to_owned(), Theme::new(ThemeName::Dark, true));
        update(&mut app, Msg::Resize(w, h));
        for msg in load_blocking(ledger) {
            update(&mut app, msg);
        }
        run_all_blocking(&mut app);
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("a test backend");
        for c in KEYS.chars() {
            let code = match c {
                '\n' => KeyCode::Enter,
                c => KeyCode::Char(c),
            };
            update(&mut app, Msg::Key(KeyEvent::from(code)));
            run_all_blocking(&mut app);
            terminal.draw(|f| ui::render(&app, f)).expect("a frame");
        }
        update(&mut app, Msg::Key(KeyEvent::from(KeyCode::Esc)));
        terminal.draw(|f| ui::render(&app, f)).expect("a frame");
    }
}
