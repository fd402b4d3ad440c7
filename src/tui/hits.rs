//! The search's hit count (`3/17`) and its highlighted matches.
//!
//! `/` finds the next hit at once ([`crate::tui::search`]); the count needs
//! every line read, so it is a second job on its own worker thread that
//! keeps the matching lines (8 bytes each). Until it answers the title
//! says `/query …`; then `/query 3/17` (the cursor on the 3rd of 17 lines
//! that match), or `-/17` when the cursor is on none. Matching is the
//! search's own: the stored line, ASCII case ignored. The cells of the
//! rows shown have the matched text highlighted.

use crate::tui::browser::Browser;
use crate::tui::chain::ChainKind;
use crate::tui::panes::Work;
use crate::tui::queue::Queue;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use std::sync::atomic::AtomicU64;

/// The lines a search matches in one chain.
#[derive(Debug, Clone)]
pub struct Hits {
    /// The search, as typed.
    pub query: String,
    /// The chain.
    pub kind: ChainKind,
    /// The 0-based lines that match, ascending; `None` while counting.
    pub lines: Option<Vec<u64>>,
}

/// A count to run off the UI thread.
#[derive(Debug)]
pub struct CountJob {
    /// The search.
    pub query: String,
    /// The chain.
    pub kind: ChainKind,
    /// Its file.
    pub path: std::path::PathBuf,
}

/// A finished count.
#[derive(Debug)]
pub struct Counted {
    /// The search.
    pub query: String,
    /// The chain.
    pub kind: ChainKind,
    /// The lines that match, or why the chain could not be read.
    pub result: Result<Vec<u64>, String>,
}

impl CountJob {
    /// Read every line and keep those that match.
    pub fn run(self) -> Counted {
        let needle = self.query.to_ascii_lowercase();
        let mut lines = Vec::new();
        let done = AtomicU64::new(0);
        let result = crate::tui::narrow::for_each_line(&self.path, &done, |line, text| {
            if text.is_some_and(|t| t.to_ascii_lowercase().contains(&needle)) {
                lines.push(line);
            }
        })
        .map(|_| lines)
        .map_err(|e| format!("{}: {e}", self.path.display()));
        Counted {
            query: self.query,
            kind: self.kind,
            result,
        }
    }
}

/// Count the hits of `query` in the browsed chain, unless they are known.
pub fn count(b: &mut Browser, work: &mut Work, query: &str) {
    let kind = b.current().kind;
    if b.hits().is_some_and(|h| h.query == query && h.kind == kind) {
        return;
    }
    let Some(path) = b.current().file().map(|f| f.path().to_path_buf()) else {
        return;
    };
    b.set_hits(Some(Hits {
        query: query.to_owned(),
        kind,
        lines: None,
    }));
    work.jobs
        .push(crate::tui::panes::jobs::Job::CountHits(Box::new(
            CountJob {
                query: query.to_owned(),
                kind,
                path,
            },
        )));
}

/// A count finished: keep it, if it is still the search shown.
pub fn on_counted(b: &mut Browser, queue: &mut Queue, c: Counted) {
    let Some(h) = b.hits_mut() else {
        return;
    };
    if h.query != c.query || h.kind != c.kind {
        return;
    }
    match c.result {
        Ok(lines) => h.lines = Some(lines),
        Err(e) => {
            b.set_hits(None);
            queue.say(
                crate::tui::app::Level::Error,
                crate::tui::strings::read_error(&e),
            );
        }
    }
}

/// The title's words for the search of the chain shown: `/q 3/17`.
pub fn title(b: &crate::tui::browser::Browser) -> Option<String> {
    let h = b.hits()?;
    let view = b.current();
    if h.kind != view.kind {
        return None;
    }
    Some(match &h.lines {
        None => format!("/{} …", h.query),
        Some(lines) => {
            let at = lines
                .binary_search(&view.cursor)
                .map_or_else(|_| "-".to_owned(), |i| (i + 1).to_string());
            format!("/{} {at}/{}", h.query, lines.len())
        }
    })
}

/// `text` with every match of `query` (ASCII case ignored) in `style`.
pub fn highlight(text: String, query: Option<&str>, style: Style) -> Line<'static> {
    let Some(q) = query.filter(|q| !q.is_empty()) else {
        return Line::from(text);
    };
    let (hay, needle) = (text.to_ascii_lowercase(), q.to_ascii_lowercase());
    let mut spans = Vec::new();
    let mut from = 0;
    // ASCII lowercasing keeps byte positions, so they index `text` too.
    while let Some(i) = hay[from..].find(&needle) {
        let (start, end) = (from + i, from + i + needle.len());
        spans.push(Span::raw(text[from..start].to_owned()));
        spans.push(Span::styled(text[start..end].to_owned(), style));
        from = end;
    }
    if spans.is_empty() {
        return Line::from(text);
    }
    spans.push(Span::raw(text[from..].to_owned()));
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_highlighted_ascii_case_ignored() {
        let l = highlight("Backup_Restore backup".into(), Some("BACKUP"), Style::new());
        let parts: Vec<&str> = l.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(parts, ["", "Backup", "_Restore ", "backup", ""]);
        assert_eq!(
            highlight("x".into(), Some("y"), Style::new()).spans.len(),
            1
        );
        assert_eq!(highlight("x".into(), None, Style::new()).spans.len(), 1);
    }
}
