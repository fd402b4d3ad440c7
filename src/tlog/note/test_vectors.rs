//! Test-only reader for the shared vector files in `../shared/vectors/`.

use std::path::Path;

/// Reads a vector file, or prints why it is skipped and returns `None`, so a
/// checkout without `shared/` still passes.
pub(crate) fn load(file: &str) -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/vectors")
        .join(file);
    match std::fs::read_to_string(&path) {
        Ok(content) => Some(content),
        Err(e) => {
            eprintln!("SKIP: test vector {} unavailable: {e}", path.display());
            None
        }
    }
}

/// The trimmed value of the first `key = value` line.
pub(crate) fn value<'a>(content: &'a str, key: &str) -> Option<&'a str> {
    content.lines().find_map(|line| {
        let rest = line.strip_prefix(key)?.trim_start().strip_prefix('=')?;
        Some(rest.trim())
    })
}

/// Every block between a `-----BEGIN...` line and the next `-----END...` line,
/// with each line terminated by `\n`.
pub(crate) fn blocks(content: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in content.lines() {
        if line.starts_with("-----BEGIN") {
            current = Some(String::new());
        } else if line.starts_with("-----END") {
            blocks.extend(current.take());
        } else if let Some(block) = current.as_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    blocks
}

/// Undoes Go string quoting for the escapes the vectors use.
pub(crate) fn go_unquote(quoted: &str) -> String {
    let inner = quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(quoted);
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The text after `start` up to the next `end` within `line`.
pub(crate) fn between<'a>(line: &'a str, start: &str, end: char) -> Option<&'a str> {
    let rest = &line[line.find(start)? + start.len()..];
    Some(rest.split(end).next().unwrap_or(rest))
}
