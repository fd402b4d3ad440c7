//! Test harness: open a ledger synchronously, type key strings, render to a
//! test backend, and redact temporary paths from what was drawn.

use crate::ledger::discover::discover;
use crate::ledger::io::line_index::IndexedFile;
use crate::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use crate::tui::app::App;
use crate::tui::chain::ChainKind;
use crate::tui::event_loop::run_all_blocking;
use crate::tui::load::load_blocking;
use crate::tui::msg::Msg;
use crate::tui::theme::{Theme, ThemeName};
use crate::tui::ui;
use crate::tui::update::update;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The sample ledger shipped in the repository (tests run from the crate root).
pub const SAMPLE: &str = "data/sample-ledger";

/// An app with its ledger fully loaded, and the temporary folder it lives
/// in when it has one.
pub struct Harness {
    /// The app under test.
    pub app: App,
    /// Keeps a generated ledger alive.
    tmp: Option<TempDir>,
}

impl Harness {
    /// Open `path` at `w`x`h`, with every background message applied.
    pub fn open(path: &Path, w: u16, h: u16) -> Self {
        let mut app = new_app(path);
        update(&mut app, Msg::Resize(w, h));
        for msg in load_blocking(path) {
            update(&mut app, msg);
        }
        run_all_blocking(&mut app);
        Harness { app, tmp: None }
    }

    /// A workstation on `path` before any background message arrived.
    pub fn unloaded(path: &Path, w: u16, h: u16) -> Self {
        let mut app = new_app(path);
        update(&mut app, Msg::Resize(w, h));
        Harness { app, tmp: None }
    }

    /// Open `path` as [`Harness::open`] does, but drop the verification
    /// result (for tests of the browser alone on files that are not ledgers).
    pub fn open_unverified(path: &Path, w: u16, h: u16) -> Self {
        let mut app = new_app(path);
        update(&mut app, Msg::Resize(w, h));
        let d = discover(path).expect("a ledger");
        update(&mut app, Msg::Discovered(Ok(d.clone())));
        for chain in ChainKind::ALL {
            if let Some(p) = d.path_of(chain.file_kind()) {
                let result = IndexedFile::open(p, |_| {}).map_err(|e| e.to_string());
                update(&mut app, Msg::Indexed { chain, result });
            }
        }
        Harness { app, tmp: None }
    }

    /// The shipped sample ledger.
    pub fn sample(w: u16, h: u16) -> Self {
        Self::open(Path::new(SAMPLE), w, h)
    }

    /// A generated ledger whose `spice_chain.jsonl` line 10 has had its
    /// `process_name` edited: one `HASH_MISMATCH` at line 10.
    pub fn tampered(w: u16, h: u16) -> Self {
        let (tmp, ledger) = tampered_ledger();
        let mut h = Self::open(&ledger, w, h);
        h.tmp = Some(tmp);
        h
    }

    /// Open a ledger in a temporary folder the harness keeps alive.
    pub fn open_owned(tmp: TempDir, ledger: &Path, w: u16, h: u16) -> Self {
        let mut t = Self::open(ledger, w, h);
        t.tmp = Some(tmp);
        t
    }

    /// Keep `tmp` alive with the harness, and redact it from the screen.
    pub fn keeping(mut self, tmp: TempDir) -> Self {
        self.tmp = Some(tmp);
        self
    }

    /// Type a key string (see [`keys`]).
    pub fn keys(&mut self, s: &str) -> &mut Self {
        for ev in keys(s) {
            update(&mut self.app, Msg::Key(ev));
            // Background work runs to completion between keys.
            run_all_blocking(&mut self.app);
        }
        self
    }

    /// Type a key string without running the background work it queues:
    /// the state as the user sees it while that work is under way.
    pub fn keys_pending(&mut self, s: &str) -> &mut Self {
        for ev in keys(s) {
            update(&mut self.app, Msg::Key(ev));
        }
        self
    }

    /// Run the background work queued so far, as the threads would.
    pub fn finish_jobs(&mut self) -> &mut Self {
        run_all_blocking(&mut self.app);
        self
    }

    /// Take the panes' background work queued so far, to run it by hand.
    pub fn take_jobs(&mut self) -> Vec<crate::tui::panes::Job> {
        self.app.panes.jobs.drain(..).collect()
    }

    /// Draw at the app's size and return the buffer.
    pub fn buffer(&self) -> Buffer {
        let (w, h) = self.app.size;
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
        terminal.draw(|f| ui::render(&self.app, f)).expect("draw");
        terminal.backend().buffer().clone()
    }

    /// Draw and return the screen as text, temporary paths redacted.
    pub fn screen(&self) -> String {
        let buf = self.buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        match &self.tmp {
            Some(tmp) => redact(&out, &tmp.path().display().to_string()),
            None => out,
        }
    }
}

/// The first reading of the clock every workstation under test reads:
/// 2026-12-01T09:00:00Z (a month after the generated ledgers' pulses) on
/// the system clock, one hour of uptime on the monotonic clock; each
/// reading one second later. Never the machine's clocks.
pub const TEST_CLOCK_UTC_NS: i64 = 1_796_115_600_000_000_000;
/// The monotonic reading of that first reading.
pub const TEST_CLOCK_MONO_NS: u64 = 3_600_000_000_000;

/// The message shown, or "" when there is none.
pub fn message(t: &Harness) -> String {
    t.app
        .message
        .as_ref()
        .map(|(_, m)| m.clone())
        .unwrap_or_default()
}

/// Every line the browser shows (under a filter too), in its order, by
/// walking it with `j` from the top.
pub fn walk(t: &mut Harness) -> Vec<u64> {
    t.keys("g");
    let mut seen = vec![t.app.current().cursor];
    loop {
        t.keys("j");
        let c = t.app.current().cursor;
        if Some(&c) == seen.last() {
            return seen;
        }
        seen.push(c);
    }
}

/// A workstation on `path` (not loaded) whose clock is the test clock.
pub fn new_app(path: &Path) -> App {
    let mut app = App::new(path.to_path_buf(), Theme::new(ThemeName::Dark, false));
    app.writing.clock = std::sync::Arc::new(crate::ledger::clock::FixedClock::at(
        TEST_CLOCK_UTC_NS,
        TEST_CLOCK_MONO_NS,
    ));
    app
}

/// Write a generated ledger into a temporary folder and edit one covered
/// field of descriptor 10.
pub fn tampered_ledger() -> (TempDir, PathBuf) {
    let tmp = redactable_tempdir("iss-tui-");
    let ledger = tmp.path().join("tampered-ledger");
    let summary = write_sample_ledger(&ledger, &SampleSpec::default()).expect("sample");
    let chain = summary.paths.spice_chain;
    let text = std::fs::read_to_string(&chain).expect("read chain");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let key = "\"process_name\":\"";
    let line = &mut lines[9];
    let start = line.find(key).expect("process_name") + key.len();
    let end = start + line[start..].find('"').expect("closing quote");
    line.replace_range(start..end, "Tampered_Process");
    std::fs::write(&chain, lines.join("\n") + "\n").expect("write chain");
    (tmp, ledger)
}

/// A temporary folder for a test whose screens are [`redact`]ed: its
/// name ends in a fixed `Q`, a character no name below it ends with.
/// `redact` takes `…X/` for the end of the folder's name when the folder
/// ends in X; a random folder ending in `r` made the status bar's
/// `…r/spice_chain.jsonl` (the end of `spice_layer`) read
/// `…[TMP]/spice_chain.jsonl`, about one run in thirty. Five random
/// characters and the fixed one keep the name's usual length.
pub fn redactable_tempdir(prefix: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .rand_bytes(5)
        .suffix("Q")
        .tempdir()
        .expect("tempdir")
}

/// Replace the temporary folder in `text` by `[TMP]`, also where the status
/// bar shortened the path to its end (`…`).
pub fn redact(text: &str, tmp: &str) -> String {
    let mut out = text.replace(tmp, "[TMP]");
    let chars: Vec<char> = tmp.chars().collect();
    // The longest tail of the folder's path that follows an ellipsis, and
    // is followed by the separator before the ledger's own name (without
    // it, a random folder name ending like the ledger's visible part, say
    // in `r` before `…red-ledger`, would be redacted too: a flaky snapshot).
    for k in (1..chars.len()).rev() {
        let tail: String = chars[chars.len() - k..].iter().collect();
        let cut = format!("…{tail}/");
        if out.contains(&cut) {
            out = out.replace(&cut, "…[TMP]/");
            break;
        }
    }
    out
}

/// Parse a key string: characters stand for themselves (upper case ones
/// with Shift, as terminals send them); `<enter>`, `<esc>`, `<tab>`,
/// `<backtab>`, `<bs>`, `<up>`, `<down>`, `<pgup>`, `<pgdn>`, `<home>`,
/// `<end>`, `<lt>` and `<c-x>` (Control-x) name the others.
pub fn keys(s: &str) -> Vec<KeyEvent> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
        {
            out.push(named(&rest[1..end]));
            rest = &rest[end + 1..];
            continue;
        }
        let mods = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        out.push(KeyEvent::new(KeyCode::Char(c), mods));
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn named(name: &str) -> KeyEvent {
    let none = KeyModifiers::NONE;
    let code = match name {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => return KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT),
        "bs" => KeyCode::Backspace,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "pgup" => KeyCode::PageUp,
        "pgdn" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "lt" => KeyCode::Char('<'),
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "space" => KeyCode::Char(' '),
        other => {
            let c = other
                .strip_prefix("c-")
                .and_then(|c| c.chars().next())
                .unwrap_or_else(|| panic!("unknown key <{other}>"));
            return KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        }
    };
    KeyEvent::new(code, none)
}

/// The audit pane's document of the page shown, at the app's size.
pub fn current_doc(app: &App) -> Option<crate::tui::audit::Doc> {
    app.audit.doc(&app.ctx())
}
