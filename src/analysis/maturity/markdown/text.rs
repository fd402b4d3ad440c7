//! Text and table helpers for the Markdown report.

use std::fmt::Write;

use crate::analysis::maturity::LEVEL_NAMES;
use crate::analysis::maturity::report::{Coverage, Distinct, LevelCount, Trend};

pub(super) fn level_table(md: &mut String, rows: &[LevelCount], what: &str) {
    table_head(md, &["level", what, "%"]);
    for l in rows {
        row(
            md,
            &[
                format!("{} {}", l.level, level_name(l.level)),
                l.count.to_string(),
                format!("{:.1}", l.percent),
            ],
        );
    }
}

pub(super) fn level_name(level: i64) -> &'static str {
    usize::try_from(level)
        .ok()
        .and_then(|i| LEVEL_NAMES.get(i))
        .copied()
        .unwrap_or("")
}

pub(super) fn trend(t: &Trend) -> String {
    let pts: Vec<String> = t.points.iter().map(|p| p.level.to_string()).collect();
    let more = if t.dropped > 0 {
        format!("({} earlier) … ", t.dropped)
    } else {
        String::new()
    };
    format!("{more}{}", pts.join("→"))
}

pub(super) fn coverage_inline(c: &Coverage) -> String {
    format!(
        "{} of {} required items provided ({} %)",
        c.provided,
        c.required,
        opt(c.percent, 1)
    )
}

pub(super) fn distinct_inline(d: &Distinct) -> String {
    let bound = if d.complete { "" } else { "at least " };
    format!("{bound}{}: {}", d.distinct, names_inline(d, 20))
}

pub(super) fn names_inline(d: &Distinct, n: usize) -> String {
    let mut v: Vec<String> = d
        .items
        .iter()
        .take(n)
        .map(|i| format!("{} ({})", cell(&i.name), i.count))
        .collect();
    if (d.distinct as usize) > v.len() {
        v.push(format!("… {} more", d.distinct as usize - v.len()));
    }
    if v.is_empty() {
        "—".into()
    } else {
        v.join(", ")
    }
}

pub(super) fn with_lines(n: u64, lines: &[u64]) -> String {
    if n == 0 {
        return "0".into();
    }
    let l: Vec<String> = lines.iter().take(20).map(ToString::to_string).collect();
    let more = if n as usize > l.len() { ", …" } else { "" };
    format!("{n} (lines {}{more})", l.join(", "))
}

pub(super) fn incomplete(md: &mut String, d: &Distinct) {
    if !d.complete || d.distinct as usize > d.items.len() {
        line(md, "");
        line(
            md,
            &format!(
                "Showing {} of {}{} items.",
                d.items.len(),
                if d.complete { "" } else { "at least " },
                d.distinct
            ),
        );
    }
}

pub(super) fn shown_of(md: &mut String, shown: usize, total: u64) {
    if (shown as u64) < total {
        line(md, &format!("Showing the first {shown} of {total}."));
        line(md, "");
    }
}

pub(super) fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("—".into(), |x| format!("{x:.digits$}"))
}

/// Escape a ledger value for a table cell: pipes and line breaks would end
/// the cell or the row, `<` could open HTML, and backslashes, backticks
/// and asterisks could start markup.
pub(super) fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn section(md: &mut String, title: &str) {
    line(md, "");
    line(md, &format!("## {title}"));
    line(md, "");
}

pub(super) fn sub(md: &mut String, title: &str) {
    line(md, "");
    line(md, &format!("### {title}"));
    line(md, "");
}

pub(super) fn table_head(md: &mut String, cols: &[&str]) {
    line(md, &format!("| {} |", cols.join(" | ")));
    line(md, &format!("|{}", "---|".repeat(cols.len())));
}

pub(super) fn row(md: &mut String, cols: &[String]) {
    line(md, &format!("| {} |", cols.join(" | ")));
}

pub(super) fn line(md: &mut String, s: &str) {
    let _ = writeln!(md, "{s}");
}
