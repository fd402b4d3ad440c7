//! The record detail view: one line of a chain, pretty-printed, with every
//! finding that concerns it (its own, and those of other files that
//! implicate it). Built once when opened, so drawing only reads it.

use crate::ledger::model::descriptor::PROTECTED_FIELDS;
use crate::ledger::model::finding::Finding;
use crate::ledger::model::report::VerifyReport;
use crate::tui::app::Loading;
use crate::tui::chain::{ChainKind, ChainView, visible};
use crate::tui::strings;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

/// Bytes of a line shown at most (a line can be up to 16 MiB).
const DETAIL_MAX_BYTES: usize = 1 << 20;

/// How a line of the detail is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Record text.
    Plain,
    /// A heading.
    Heading,
    /// Verified.
    Ok,
    /// A warning.
    Warn,
    /// A violation.
    Bad,
    /// Secondary text.
    Dim,
}

/// The open detail view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// Which chain.
    pub chain: ChainKind,
    /// 0-based line shown.
    pub line: u64,
    /// The text, unwrapped.
    raw: Vec<(Tone, String)>,
    /// The text wrapped to `width`.
    pub wrapped: Vec<(Tone, String)>,
    width: usize,
    /// First wrapped line shown.
    pub scroll: usize,
}

impl Detail {
    /// The detail of the line under the cursor of `view`, wrapped to `width`.
    pub fn open(view: &ChainView, report: &Loading<Box<VerifyReport>>, width: usize) -> Self {
        let line = view.cursor;
        let mut raw = Vec::new();
        let name = view.kind.file_kind().file_name();
        raw.push((Tone::Heading, format!("{name} line {}", line + 1)));
        raw.push((Tone::Plain, String::new()));
        raw.push((Tone::Heading, strings::DETAIL_FINDINGS.to_owned()));
        match report {
            Loading::Pending => raw.push((Tone::Dim, format!("  {}", strings::VERIFYING))),
            Loading::Failed(e) => {
                raw.push((Tone::Bad, format!("  {}", strings::ledger_unopenable(e))));
            }
            Loading::Ready(r) => findings_of(r, view.kind.name(), line + 1, &mut raw),
        }
        raw.push((Tone::Plain, String::new()));
        raw.push((Tone::Heading, "Record".to_owned()));
        record_text(view, line, &mut raw);
        let mut d = Detail {
            chain: view.kind,
            line,
            raw,
            wrapped: Vec::new(),
            width: 0,
            scroll: 0,
        };
        d.rewrap(width);
        d
    }

    /// The text as plain lines, unwrapped (for `$PAGER`).
    pub fn plain_text(&self) -> String {
        let lines: Vec<&str> = self.raw.iter().map(|(_, t)| t.as_str()).collect();
        lines.join("\n")
    }

    /// Re-wrap for a new width (on resize).
    pub fn rewrap(&mut self, width: usize) {
        let width = width.max(10);
        if width == self.width {
            return;
        }
        self.width = width;
        self.wrapped = self
            .raw
            .iter()
            .flat_map(|(tone, text)| wrap(text, width).into_iter().map(move |t| (*tone, t)))
            .collect();
        self.scroll = self.scroll.min(self.wrapped.len().saturating_sub(1));
    }

    /// Scroll by `delta` lines within `rows` visible ones.
    pub fn scroll_by(&mut self, delta: i64, rows: usize) {
        let max = self.wrapped.len().saturating_sub(rows);
        self.scroll = self.scroll.saturating_add_signed(delta as isize).min(max);
    }
}

/// Every finding about 1-based `line` of `file`, described.
fn findings_of(r: &VerifyReport, file: &str, line: u64, out: &mut Vec<(Tone, String)>) {
    let before = out.len();
    for (owner, f) in r.findings() {
        let own = owner.name == file && f.line == Some(line);
        let implicates = f
            .related
            .as_ref()
            .is_some_and(|x| x.file == file && (x.first_line..=x.last_line).contains(&line));
        if own {
            describe(f, None, out);
            if let Some(text) = corroboration(r, f) {
                out.push((Tone::Plain, format!("    {text}")));
            }
        } else if implicates {
            let at = f.line.map_or_else(String::new, |l| format!(" line {l}"));
            describe(f, Some(format!("implicated by {}{at}", owner.name)), out);
        }
    }
    if out.len() == before {
        out.push((
            Tone::Ok,
            format!("  {} {}", strings::SYM_OK, strings::DETAIL_NO_FINDINGS),
        ));
    }
}

/// For a legacy `HASH_MISMATCH`: what the other evidence says about the
/// stored hash. The next record's `prev_descriptor_hash` (no `CHAIN_BREAK`
/// on the next line) and the manifest (no finding of it implicating this
/// line) confirming the stored hash mean the protected fields were edited,
/// not the hash; a next link that disagrees too means the hash was changed.
fn corroboration(r: &VerifyReport, f: &Finding) -> Option<&'static str> {
    use crate::ledger::model::finding::FindingKind;
    use crate::ledger::model::report::FileStatus;
    if f.kind != FindingKind::HashMismatch {
        return None;
    }
    let line = f.line?;
    let chain = r.files.iter().find(|x| x.name == "spice_chain")?;
    if !chain.findings.iter().any(|x| std::ptr::eq(x, f)) {
        return None;
    }
    let next = (line < chain.lines).then(|| {
        !chain
            .findings
            .iter()
            .any(|x| x.kind == FindingKind::ChainBreak && x.line == Some(line + 1))
    });
    let manifest = r
        .files
        .iter()
        .find(|x| x.name == "integrity_manifest" && x.status != FileStatus::Unreadable)
        .map(|m| {
            !m.findings.iter().any(|x| {
                x.related.as_ref().is_some_and(|rel| {
                    rel.file == "spice_chain" && (rel.first_line..=rel.last_line).contains(&line)
                })
            })
        });
    match (next, manifest) {
        (Some(true), Some(true)) => Some(strings::HASH_CONFIRMED_BY_BOTH),
        (Some(true), _) => Some(strings::HASH_CONFIRMED_BY_NEXT),
        (None, Some(true)) => Some(strings::HASH_CONFIRMED_BY_MANIFEST),
        (Some(false), _) => Some(strings::HASH_NOT_CONFIRMED),
        _ => None,
    }
}

fn describe(f: &Finding, via: Option<String>, out: &mut Vec<(Tone, String)>) {
    let (tone, sym) = if f.is_violation() {
        (Tone::Bad, strings::SYM_BAD)
    } else {
        (Tone::Warn, strings::SYM_WARN)
    };
    let record = f
        .record_id
        .as_deref()
        .map_or_else(String::new, |r| format!("  record {}", visible(r)));
    out.push((tone, format!("  {sym} {} ({}){record}", f.kind, f.severity)));
    if let Some(via) = via {
        out.push((Tone::Dim, format!("    {via}")));
    }
    out.push((Tone::Plain, format!("    {}", visible(&f.detail))));
    // Indented so that a 64-digit hash fits beside its label on 80 columns.
    if let Some(e) = &f.expected {
        out.push((Tone::Dim, format!("    expected {}", visible(e))));
    }
    if let Some(x) = &f.found {
        out.push((Tone::Dim, format!("    found    {}", visible(x))));
    }
}

/// The record pretty-printed, or the raw line and why it is not a record.
fn record_text(view: &ChainView, line: u64, out: &mut Vec<(Tone, String)>) {
    let Some(file) = view.file() else { return };
    let text = match file.read_line(line, DETAIL_MAX_BYTES) {
        Ok(Some(t)) => t,
        Ok(None) => return,
        Err(e) => {
            out.push((Tone::Bad, strings::read_error(&e.to_string())));
            return;
        }
    };
    if text.truncated {
        out.push((
            Tone::Warn,
            strings::detail_truncated(text.bytes.len(), text.span_len),
        ));
    }
    let lossy = String::from_utf8_lossy(&text.bytes);
    match crate::tui::stored_fields::members(&lossy) {
        Some(members) if view.kind.framed() => native_fields(members, out),
        Some(members) => {
            // Legacy: the hash covers four fields; `#` marks them and the
            // hash itself, as `iss show` does.
            let descriptors = view.kind == ChainKind::Descriptors;
            for (name, v) in &members {
                let covered = descriptors
                    && (PROTECTED_FIELDS.contains(&name.as_str()) || name == "descriptor_hash");
                field_line(covered, name, v.get(), out);
            }
            if descriptors {
                out.push((Tone::Dim, strings::DETAIL_LEGACY_LEGEND.to_owned()));
            }
        }
        None => {
            let why = serde_json::from_slice::<serde_json::Value>(&text.bytes)
                .err()
                .map_or_else(|| "not an object".to_owned(), |e| e.to_string());
            out.push((Tone::Bad, strings::detail_not_json(&why)));
            out.push((Tone::Plain, visible(&lossy)));
        }
    }
}

/// A native record: the framing first (what links and seals it), then the
/// body's fields in stored order; the record hash covers every byte.
fn native_fields(
    mut members: Vec<(String, &serde_json::value::RawValue)>,
    out: &mut Vec<(Tone, String)>,
) {
    for key in ["seq", "prev", "mac", "hash"] {
        if let Some(i) = members.iter().position(|(k, _)| k == key) {
            let (_, v) = members.remove(i);
            let text =
                serde_json::from_str::<String>(v.get()).unwrap_or_else(|_| v.get().to_owned());
            out.push((Tone::Dim, format!("{key:<5} {}", visible(&text))));
        }
    }
    out.push((Tone::Plain, String::new()));
    out.push((Tone::Heading, strings::DETAIL_BODY.to_owned()));
    if let Some(i) = members.iter().position(|(k, _)| k == "body") {
        let (_, body) = members.remove(i);
        match crate::tui::stored_fields::members(body.get()) {
            Some(fields) => {
                for (name, v) in &fields {
                    field_line(true, name, v.get(), out);
                }
            }
            None => out.push((Tone::Plain, visible(body.get()))),
        }
    }
    out.push((Tone::Dim, strings::DETAIL_NATIVE_LEGEND.to_owned()));
    if !members.is_empty() {
        // Not a well-framed record (the verifier says so): show the rest too.
        out.push((Tone::Heading, strings::DETAIL_OTHER_KEYS.to_owned()));
        for (name, v) in &members {
            field_line(false, name, v.get(), out);
        }
    }
}

/// One field: `#` when the hash covers it, its name, its JSON as written.
fn field_line(covered: bool, name: &str, raw: &str, out: &mut Vec<(Tone, String)>) {
    let mark = if covered { '#' } else { ' ' };
    let name = visible(name);
    // A string decoded (the legacy writer stores `é` as `\u00e9`); a number
    // as written; anything else as its JSON text.
    let raw = raw.trim();
    let value = match serde_json::from_str::<String>(raw) {
        Ok(s) if raw.starts_with('"') => format!("\"{}\"", visible(&s)),
        _ => visible(raw),
    };
    out.push((Tone::Plain, format!("{mark} {name:<22} {value}")));
}

/// Cut `text` into pieces of at most `width` characters, at a space when
/// there is one in the second half of the piece (prose), else anywhere (a
/// hash). Continuation pieces keep the line's indentation. An empty line
/// stays one line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let indent = chars
        .iter()
        .take_while(|c| **c == ' ')
        .count()
        .min(width / 2);
    let mut out = Vec::new();
    let mut rest = &chars[..];
    let mut room = width;
    while rest.len() > room {
        let cut = rest[room / 2..=room]
            .iter()
            .rposition(|c| *c == ' ')
            .map_or(room, |p| room / 2 + p);
        let piece: String = rest[..cut].iter().collect();
        out.push(if out.is_empty() {
            piece
        } else {
            " ".repeat(indent) + &piece
        });
        rest = &rest[cut..];
        // The space the line was cut at would only indent the next piece further.
        if rest.first() == Some(&' ') {
            rest = &rest[1..];
        }
        room = width - indent;
    }
    let last: String = rest.iter().collect();
    out.push(if out.is_empty() {
        last
    } else {
        " ".repeat(indent) + &last
    });
    out
}

/// Draw the detail view into `area`.
pub fn render(f: &mut Frame, area: Rect, d: &Detail, theme: &Theme) {
    let style = |tone: Tone| match tone {
        Tone::Plain => Style::new(),
        Tone::Heading => theme.header,
        Tone::Ok => theme.ok,
        Tone::Warn => theme.warn,
        Tone::Bad => theme.bad,
        Tone::Dim => theme.dim,
    };
    let rows = usize::from(area.height.saturating_sub(2));
    let lines: Vec<Line> = d
        .wrapped
        .iter()
        .skip(d.scroll)
        .take(rows)
        .map(|(tone, text)| Line::styled(text.as_str(), style(*tone)))
        .collect();
    let title = format!(
        " Record detail: {} line {} (Esc back) ",
        d.chain.name(),
        d.line + 1
    );
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(title);
    f.render_widget(Paragraph::new(lines).block(block), area);
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrapping_keeps_the_indentation() {
        assert_eq!(super::wrap("", 10), [""]);
        assert_eq!(super::wrap("  abcdefghijkl", 10), ["  abcdefgh", "  ijkl"]);
        assert_eq!(super::wrap("abcdefghij", 10), ["abcdefghij"]);
        assert_eq!(
            super::wrap("  one two three four", 10),
            ["  one two", "  three", "  four"]
        );
    }
}
