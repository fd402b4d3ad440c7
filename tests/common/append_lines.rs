//! Helpers shared by the integration tests: the worker line format and a
//! strict parser, so any interleaved or damaged line fails loudly.

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

/// Pads are compared with this (a memcmp), not byte by byte: the crash test
/// reads tens of megabytes per run in a debug build.
static XS: LazyLock<Vec<u8>> = LazyLock::new(|| vec![b'x'; 1 << 20]);

/// One line as the worker (and the thread test) writes it.
pub fn line(tag: &str, n: u64, pad: usize) -> String {
    format!(
        r#"{{"worker":"{tag}","n":{n},"pad":"{}"}}"#,
        "x".repeat(pad)
    )
}

/// `(tag, n)` of a well-formed line, `None` for anything else.
pub fn parse(line: &[u8]) -> Option<(String, u64)> {
    let s = std::str::from_utf8(line).ok()?;
    let rest = s.strip_prefix(r#"{"worker":""#)?;
    let (tag, rest) = rest.split_once(r#"","n":"#)?;
    let (n, rest) = rest.split_once(r#","pad":""#)?;
    let pad = rest.strip_suffix(r#""}"#)?;
    let all_x = pad.len() <= XS.len() && pad.as_bytes() == &XS[..pad.len()];
    (all_x && !tag.contains('"')).then_some(())?;
    Some((tag.to_string(), n.parse().ok()?))
}

/// The ledger's complete lines as `(tag, n)` in file order, and its torn
/// bytes after the last newline (empty when clean). Panics on any complete
/// line that is not well formed.
pub fn read_ledger(path: &Path) -> (Vec<(String, u64)>, Vec<u8>) {
    let data = std::fs::read(path).unwrap();
    let mut lines = Vec::new();
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', &data) {
        let l = &data[start..nl];
        let number = lines.len() + 1;
        let shown = || String::from_utf8_lossy(&l[..l.len().min(80)]).into_owned();
        lines.push(parse(l).unwrap_or_else(|| panic!("line {number} is damaged: {:?}", shown())));
        start = nl + 1;
    }
    let end = start;
    (lines, data[end..].to_vec())
}

/// Assert every `(tag, n)` appears at most once and, per tag, in increasing
/// order (a writer's lines never overtake each other). Returns counts per tag.
pub fn check_order(lines: &[(String, u64)]) -> HashMap<String, u64> {
    let mut next: HashMap<String, u64> = HashMap::new();
    let mut count: HashMap<String, u64> = HashMap::new();
    for (tag, n) in lines {
        let want = next.entry(tag.clone()).or_insert(0);
        assert!(*n >= *want, "{tag} {n} is duplicated or out of order");
        *want = n + 1;
        *count.entry(tag.clone()).or_insert(0) += 1;
    }
    count
}
