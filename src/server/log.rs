//! Log lines on standard error at the level `LOG_LEVEL` names (the legacy
//! service's variable: `DEBUG`, `INFO` (default), `WARNING`, `ERROR`,
//! `CRITICAL`).

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};

/// Levels, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Every request and every watcher event.
    Debug = 0,
    /// Requests, commits, alerts.
    Info = 1,
    /// Problems the server works around.
    Warning = 2,
    /// Failures.
    Error = 3,
}

static LEVEL: AtomicU8 = AtomicU8::new(Level::Info as u8);

/// The level a `LOG_LEVEL` value names; `None` when it names none.
pub fn parse_level(text: &str) -> Option<Level> {
    match text.trim().to_ascii_uppercase().as_str() {
        "DEBUG" | "TRACE" => Some(Level::Debug),
        "INFO" => Some(Level::Info),
        "WARNING" | "WARN" => Some(Level::Warning),
        "ERROR" | "CRITICAL" => Some(Level::Error),
        _ => None,
    }
}

/// Log from `level` up.
pub fn set_level(level: Level) {
    LEVEL.store(level as u8, Ordering::Relaxed);
}

/// Whether a line at `level` is written.
pub fn enabled(level: Level) -> bool {
    level as u8 >= LEVEL.load(Ordering::Relaxed)
}

/// Write one line at `level`.
pub fn line(level: Level, text: &str) {
    if !enabled(level) {
        return;
    }
    let name = match level {
        Level::Debug => "DEBUG",
        Level::Info => "INFO",
        Level::Warning => "WARNING",
        Level::Error => "ERROR",
    };
    let _ = writeln!(
        std::io::stderr().lock(),
        "{} {name} iss.serve: {text}",
        super::shapes::now_iso()
    );
}

/// [`line`](fn@line) at `INFO`.
pub fn info(text: &str) {
    line(Level::Info, text);
}

/// [`line`](fn@line) at `WARNING`.
pub fn warn(text: &str) {
    line(Level::Warning, text);
}
