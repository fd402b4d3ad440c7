//! The fleet file: one location per line, an optional name after it.
//!
//! ```text
//! # the billing services
//! /srv/ledgers/billing            billing
//! "/srv/ledgers/old ledger"       archive 2025
//! https://audit.example.org/hr/   hr
//! ../copies/ledger-7f3a
//! ```
//!
//! A line is a location — a path (relative to the fleet file's folder), or
//! in double quotes when it holds spaces, or a published location
//! (`https://`, `http://`, `s3://`, a directory of tiles) — then, after
//! white space, the entry's name (the rest of the line); without a name the
//! entry is named by its location as written. `#` starts a comment line;
//! blank lines are skipped. A line that cannot be taken is refused with its
//! file and line and what was expected: the fleet is read whole or not at
//! all.

use super::{Entry, Location};
use std::path::Path;

/// A fleet file that cannot be taken: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", line.map_or_else(String::new, |l| format!(":{l}")))]
pub struct ListError {
    /// The fleet file as given.
    pub file: String,
    /// The 1-based line (`None`: the file as a whole).
    pub line: Option<usize>,
    /// What was expected and what was found.
    pub message: String,
}

/// Read the fleet file at `file`.
pub fn read(file: &Path) -> Result<Vec<Entry>, ListError> {
    let shown = file.display().to_string();
    let text = std::fs::read(file).map_err(|e| ListError {
        file: shown.clone(),
        line: None,
        message: format!("cannot read the fleet file: {e}"),
    })?;
    let text = String::from_utf8(text).map_err(|e| ListError {
        file: shown.clone(),
        line: None,
        message: format!(
            "expected UTF-8 text, found a byte that is not at offset {}",
            e.utf8_error().valid_up_to()
        ),
    })?;
    let base = file.parent().unwrap_or(Path::new(""));
    parse(&shown, &text, base)
}

/// The entries of a fleet file's `text`; `file` names it in errors, `base`
/// is the folder relative paths start from.
pub fn parse(file: &str, text: &str, base: &Path) -> Result<Vec<Entry>, ListError> {
    let mut entries: Vec<(usize, Entry)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let fail = |message: String| ListError {
            file: file.to_owned(),
            line: Some(n),
            message,
        };
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (written, rest) = split_location(line).map_err(fail)?;
        let location = Location::parse(written, base).map_err(fail)?;
        let name = rest.trim();
        if let Some(c) = name.chars().find(|c| c.is_control()) {
            return Err(fail(format!(
                "expected a name of printable characters, found {c:?}"
            )));
        }
        let entry = Entry {
            name: if name.is_empty() {
                written.to_owned()
            } else {
                name.to_owned()
            },
            location,
        };
        if let Some((m, _)) = entries.iter().find(|(_, e)| e.name == entry.name) {
            return Err(fail(format!(
                "expected a name not used above, found `{}` (also line {m}): events and rows are told apart by name",
                entry.name
            )));
        }
        if let Some((m, _)) = entries.iter().find(|(_, e)| e.location == entry.location) {
            return Err(fail(format!(
                "expected each location once, found `{written}` again (line {m})"
            )));
        }
        entries.push((n, entry));
    }
    if entries.is_empty() {
        return Err(ListError {
            file: file.to_owned(),
            line: None,
            message: "expected at least one location (one per line, an optional name after it, `#` comments), found none".into(),
        });
    }
    Ok(entries.into_iter().map(|(_, e)| e).collect())
}

/// The location at the start of `line` (trimmed, not empty) and the rest.
fn split_location(line: &str) -> Result<(&str, &str), String> {
    if let Some(quoted) = line.strip_prefix('"') {
        let Some(end) = quoted.find('"') else {
            return Err(
                "expected a closing `\"` after the quoted location, found the end of the line"
                    .into(),
            );
        };
        let (location, rest) = (&quoted[..end], &quoted[end + 1..]);
        if location.trim().is_empty() {
            return Err("expected a location between the quotes, found nothing".into());
        }
        if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
            return Err(format!(
                "expected white space and a name after the quoted location, found `{rest}`"
            ));
        }
        return Ok((location, rest));
    }
    Ok(line.split_once(char::is_whitespace).unwrap_or((line, "")))
}
