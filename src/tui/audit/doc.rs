//! The audit page as text: a header (the verdict and every finding, which
//! never scrolls away) and a document whose link rows `Enter` follows.
//! Built from the state alone, so `update` (to move between links) and
//! drawing lay it out identically.

use super::{AuditPage, AuditState, ManifestLine, Target};
use crate::analysis::audit::{AuditTrail, RecordRef};
use crate::ledger::model::finding::Finding;
use crate::tui::app::Loading;
use crate::tui::chain::{number_as_written, visible};
use crate::tui::strings::{self, analysis as s};
use crate::tui::theme::Theme;
use ratatui::text::{Line, Span};
use serde_json::Value;

/// Width of the key column of the four questions.
const KEY_WIDTH: usize = 20;

/// Where a link goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Another descriptor's trail.
    Descriptor {
        /// 1-based chain line.
        line: u64,
        /// Its id.
        id: String,
    },
    /// A pulse, in the time pane.
    Pulse {
        /// 1-based pulse line.
        line: u64,
    },
    /// A manifest line.
    Manifest {
        /// 1-based manifest line.
        line: u64,
    },
}

/// A page laid out.
#[derive(Debug, Default)]
pub struct Doc {
    /// Verdict and findings.
    pub header: Vec<Line<'static>>,
    /// The document.
    pub lines: Vec<Line<'static>>,
    /// The link rows: (row in `lines`, target).
    pub links: Vec<(usize, Link)>,
}

impl Doc {
    fn heading(&mut self, t: &Theme, text: &str) {
        self.lines.push(Line::styled(text.to_owned(), t.header));
    }

    fn link(&mut self, t: &Theme, label: &str, text: String, link: Link) {
        self.links.push((self.lines.len(), link));
        self.lines.push(Line::from(vec![
            Span::styled(format!("  → {label:<18} "), t.header),
            Span::raw(text),
        ]));
    }

    fn none(&mut self, t: &Theme, label: &str, text: &str) {
        self.lines.push(Line::from(vec![
            Span::styled(format!("    {label:<18} "), t.dim),
            Span::styled(text.to_owned(), t.dim),
        ]));
    }
}

/// Lay out `state` for a document `width` columns wide.
pub fn build(state: &AuditState, t: &Theme, width: usize) -> Doc {
    let mut d = Doc::default();
    match &state.page {
        Loading::Pending => d
            .header
            .push(Line::raw(format!("… {}", s::COMPUTING_TRAIL))),
        Loading::Failed(e) => d.header.push(Line::styled(s::failed(e), t.bad)),
        Loading::Ready(AuditPage::Ambiguous(n)) => {
            let id = match &state.target {
                Target::Descriptor { id, .. } => id.as_str(),
                Target::Manifest { .. } => "",
            };
            d.header
                .push(Line::styled(s::ambiguous(*n, &visible(id)), t.bad));
        }
        Loading::Ready(AuditPage::Trail(trail)) => build_trail(&mut d, trail, t, width),
        Loading::Ready(AuditPage::Manifest(m)) => build_manifest(&mut d, m, t, width),
    }
    d
}

fn findings(d: &mut Doc, list: &[Finding], t: &Theme) {
    for f in list {
        let (sym, style) = if f.is_violation() {
            (strings::SYM_BAD, t.bad)
        } else {
            (strings::SYM_WARN, t.warn)
        };
        let at = f
            .line
            .map_or_else(|| "file".to_owned(), |l| format!("line {l}"));
        d.header.push(Line::from(vec![
            Span::styled(format!("{sym} {} ({}) {at}: ", f.kind, f.severity), style),
            Span::raw(visible(&f.detail)),
        ]));
        for (label, value) in [("expected ", &f.expected), ("found    ", &f.found)] {
            if let Some(v) = value {
                d.header.push(Line::from(vec![
                    Span::styled(format!("  {label}"), t.dim),
                    Span::raw(visible(v)),
                ]));
            }
        }
    }
}

fn brief(r: &RecordRef) -> String {
    format!("line {} {} {}", r.line, visible(&r.id), visible(&r.time))
}

fn build_trail(d: &mut Doc, trail: &AuditTrail, t: &Theme, width: usize) {
    let rec = &trail.record;
    let stored: Option<Value> = serde_json::from_str(rec.record.get()).ok();
    let id = stored
        .as_ref()
        .and_then(|v| v.get("descriptor_id"))
        .and_then(Value::as_str)
        .map(visible)
        .unwrap_or_default();
    let (verdict, style) = match &rec.reason {
        None => (format!("{} verified", strings::SYM_OK), t.ok),
        Some(r) => (
            format!("{} excluded: {}", strings::SYM_BAD, visible(r)),
            t.bad,
        ),
    };
    d.header.push(Line::from(vec![
        Span::styled(verdict, style),
        Span::raw(format!("  {}", s::record_at(&id))),
    ]));
    if trail.findings.is_empty() {
        d.header.push(Line::styled(s::NO_FINDING_ON_RECORD, t.ok));
    }
    findings(d, &trail.findings, t);

    d.heading(t, s::LINKS_HEADING);
    let descriptor = |r: &RecordRef| Link::Descriptor {
        line: r.line,
        id: r.id.clone(),
    };
    match &trail.previous {
        Some(p) => d.link(t, s::PREVIOUS, brief(p), descriptor(p)),
        None => d.none(t, s::PREVIOUS, s::GENESIS),
    }
    match &trail.next {
        Some(n) => d.link(t, s::NEXT, brief(n), descriptor(n)),
        None => d.none(t, s::NEXT, s::LAST_RECORD),
    }
    match &trail.attested_by {
        Some(a) => d.link(
            t,
            &s::manifest_label(a.line),
            s::attested(a.descriptor_count, trail.later_manifest_lines),
            Link::Manifest { line: a.line },
        ),
        None => d.none(t, s::MANIFEST, s::NOT_ATTESTED),
    }
    let start = trail.what.get("glyph_range_start").and_then(Value::as_str);
    for p in &trail.range_pulses {
        let end = if Some(p.hash.as_str()) == start {
            s::RANGE_START
        } else {
            s::RANGE_END
        };
        d.link(
            t,
            &format!("pulse ({end})"),
            brief(p),
            Link::Pulse { line: p.line },
        );
    }
    if trail.range_pulses.is_empty() {
        d.none(t, s::PULSES, s::NO_RANGE_PULSES);
    }
    for c in &trail.cited_by {
        d.link(t, s::CITED_BY, brief(c), descriptor(c));
    }
    d.none(
        t,
        s::SHARES_REFS,
        &s::shares(trail.shares_refs_with, trail.pulses_in_range),
    );

    for (title, v) in [
        (s::WHAT, &trail.what),
        (s::WHY, &trail.why),
        (s::HOW, &trail.how),
        (s::LEARNED, &trail.learned),
    ] {
        d.heading(t, title);
        if let Some(map) = v.as_object() {
            for (k, x) in map {
                let text = value_text(rec.record.get(), k, x);
                pair(d, t, k, &text, width);
            }
        }
    }
    d.heading(t, s::INTEGRITY);
    pair(
        d,
        t,
        s::HASH_COVERS,
        &trail.protected_fields.join(", "),
        width,
    );
    pair(d, t, s::NOT_COVERED_KEY, s::NOT_COVERED_TEXT, width);
}

/// A field `key` of the record `raw` with the value `x`: a string without
/// quotes, a number as the record holds it (`Value` would write 1E+2 as
/// 100.0, a 23-digit integer as a float), the rest as JSON.
fn value_text(raw: &str, key: &str, x: &Value) -> String {
    match x {
        Value::String(s) => visible(s),
        Value::Number(n) => visible(
            ["", "/body"]
                .iter()
                .find_map(|at| number_as_written(raw, &format!("{at}/{key}")))
                .unwrap_or(&n.to_string()),
        ),
        other => visible(&other.to_string()),
    }
}

/// `key  value`, the value wrapped under itself to `width`.
fn pair(d: &mut Doc, t: &Theme, key: &str, value: &str, width: usize) {
    let room = width.saturating_sub(KEY_WIDTH + 3).max(10);
    let chars: Vec<char> = value.chars().collect();
    let mut chunks = chars.chunks(room).map(|c| c.iter().collect::<String>());
    let first = chunks.next().unwrap_or_default();
    d.lines.push(Line::from(vec![
        Span::styled(format!("  {key:<KEY_WIDTH$} "), t.dim),
        Span::raw(first),
    ]));
    for rest in chunks {
        d.lines
            .push(Line::raw(format!("  {:<KEY_WIDTH$} {rest}", "")));
    }
}

fn build_manifest(d: &mut Doc, m: &ManifestLine, t: &Theme, width: usize) {
    d.header
        .push(Line::styled(s::manifest_header(m.line), t.header));
    if m.findings.is_empty() {
        d.header.push(Line::styled(s::NO_FINDING_ON_LINE, t.ok));
    }
    findings(d, &m.findings, t);
    let v: Option<Value> = serde_json::from_str(&m.text).ok();
    d.heading(t, s::LINKS_HEADING);
    let count = v
        .as_ref()
        .and_then(|v| v.get("descriptor_count"))
        .and_then(Value::as_u64);
    let id = v
        .as_ref()
        .and_then(|v| v.get("descriptor_id"))
        .and_then(Value::as_str);
    match (count, id) {
        (Some(line), Some(id)) if line > 0 => d.link(
            t,
            s::NAMES_DESCRIPTOR,
            format!("line {line} {}", visible(id)),
            Link::Descriptor {
                line,
                id: id.to_owned(),
            },
        ),
        _ => d.none(t, s::NAMES_DESCRIPTOR, s::NAMES_NONE),
    }
    d.heading(t, &s::as_stored(m.truncated));
    let text = v
        .as_ref()
        .and_then(|v| serde_json::to_string_pretty(v).ok())
        .unwrap_or_else(|| m.text.clone());
    for l in text.lines() {
        let chars: Vec<char> = visible(l).chars().collect();
        for chunk in chars.chunks(width.saturating_sub(2).max(10)) {
            d.lines
                .push(Line::raw(format!("  {}", chunk.iter().collect::<String>())));
        }
    }
}
