//! `v`: open the selected record in `$PAGER` (`less` when unset), as less
//! and lnav do, for searching, copying and reading at the pager's own pace.
//!
//! The pager gets a read-only temporary copy (mode 0400, in a private
//! temporary folder removed when the pager exits): the stored line
//! pretty-printed in stored order, then the record view's text (its
//! findings and fields). The ledger itself is never handed to the pager.
//!
//! `update` only asks for the text to be paged ([`Internal::Page`], which
//! puts it in the app's outbox); the event loop gives the
//! terminal back in cooked mode, runs the pager, and draws again after, so
//! the tests see what the pager would get and run [`show`] themselves.

use crate::tui::app::Level;
use crate::tui::browser::{Browser, Env};
use crate::tui::detail::Detail;
use crate::tui::queue::{Internal, Queue};
use crate::tui::strings::{self, pager as s};
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::Path;

/// Bytes of the stored line copied at most (a line can be up to 16 MiB).
const COPY_MAX_BYTES: usize = 16 << 20;

/// The pager when `$PAGER` is unset or empty.
pub const DEFAULT_PAGER: &str = "less";

/// A record to show in the pager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagerJob {
    /// The temporary file's name (`spice_chain-line-12.txt`).
    pub name: String,
    /// What the pager shows.
    pub text: String,
}

/// `v`: the selected record's text for the pager, into the outbox.
pub fn request(b: &Browser, env: &Env, queue: &mut Queue) {
    let view = b.current();
    let Some(file) = view.file().filter(|f| f.lines() > 0) else {
        queue.say(Level::Warn, strings::NOTHING_TO_SHOW);
        return;
    };
    let line = view.cursor;
    let stored = match file.read_line(line, COPY_MAX_BYTES) {
        Ok(Some(t)) => t,
        Ok(None) => {
            queue.say(Level::Warn, strings::NOTHING_TO_SHOW);
            return;
        }
        Err(e) => {
            queue.say(Level::Error, strings::read_error(&e.to_string()));
            return;
        }
    };
    let file_name = view.kind.file_kind().file_name();
    let mut text = s::pager_heading(file_name, line + 1);
    text.push_str("\n\n");
    if stored.truncated {
        text.push_str(&strings::detail_truncated(
            stored.bytes.len(),
            stored.span_len,
        ));
        text.push('\n');
    }
    text.push_str(s::PAGER_STORED);
    text.push('\n');
    text.push_str(&pretty(&String::from_utf8_lossy(&stored.bytes)));
    text.push_str("\n\n");
    text.push_str(&Detail::open(view, env.report, 80).plain_text());
    text.push('\n');
    let name = format!("{}-line-{}.txt", view.kind.name(), line + 1);
    queue.push(Internal::Page(PagerJob { name, text }));
}

/// A JSON line indented, one member or element a line, in stored order
/// with every value's bytes as stored (only whitespace between tokens is
/// changed). Text that is not JSON comes out as it is, with its own line
/// breaks.
pub fn pretty(line: &str) -> String {
    let mut out = String::with_capacity(line.len() * 2);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let mut chars = line.trim().chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => in_string = false,
                _ => escaped = false,
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // An empty object or array stays on one line.
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if chars.peek().is_some_and(|n| matches!(n, '}' | ']')) {
                    out.push(chars.next().unwrap_or(' '));
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// Write `job` to a read-only temporary file, run `pager` (a command and
/// its arguments split at spaces, `less` when `None` or empty) on it and
/// wait for it; the file and its folder are removed afterwards, whatever
/// the pager did. `Err`: what went wrong, in the user's terms.
pub fn show(job: &PagerJob, pager: Option<&OsStr>) -> Result<(), String> {
    let command: OsString = pager
        .filter(|p| !p.to_string_lossy().trim().is_empty())
        .map_or_else(|| OsString::from(DEFAULT_PAGER), OsStr::to_owned);
    let dir = tempfile::Builder::new()
        .prefix("iss-record-")
        .tempdir()
        .map_err(|e| s::pager_copy_failed(&e.to_string()))?;
    let path = dir.path().join(&job.name);
    write_read_only(&path, job.text.as_bytes())
        .map_err(|e| s::pager_copy_failed(&e.to_string()))?;
    let lossy = command.to_string_lossy().into_owned();
    let mut words = lossy.split_whitespace();
    let program = words.next().unwrap_or(DEFAULT_PAGER);
    let status = std::process::Command::new(program)
        .args(words)
        .arg(&path)
        .status();
    // Removed before anything is said: the copy never outlives the pager.
    let removed = dir.close();
    match status {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(s::pager_not_found(&lossy)),
        Err(e) => Err(s::pager_failed(&lossy, &e.to_string())),
        Ok(s) if !s.success() => Err(s::pager_failed(&lossy, &s.to_string())),
        Ok(_) => removed.map_err(|e| s::pager_copy_failed(&e.to_string())),
    }
}

/// Create `path` (it must not exist) readable by its owner only, with `bytes`.
fn write_read_only(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o400)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// What to say of how the pager ended.
pub fn finished(result: Result<(), String>) -> (Level, String) {
    match result {
        Ok(()) => (Level::Info, s::PAGER_CLOSED.to_owned()),
        Err(e) => (Level::Error, e),
    }
}

#[cfg(test)]
mod tests {
    use super::pretty;

    #[test]
    fn pretty_keeps_stored_order_and_value_bytes() {
        let line = r#"{"b": 1.50, "a": "x, {y}: \"z\"", "l": [1, 2], "e": [], "o": {"k": {}}}"#;
        let p = pretty(line);
        assert_eq!(
            p,
            "{\n  \"b\": 1.50,\n  \"a\": \"x, {y}: \\\"z\\\"\",\n  \"l\": [\n    1,\n    2\n  ],\n  \"e\": [],\n  \"o\": {\n    \"k\": {}\n  }\n}"
        );
        let back: serde_json::Value = serde_json::from_str(&p).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(line).unwrap()
        );
    }
}
