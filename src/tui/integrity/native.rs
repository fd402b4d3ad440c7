//! The integrity pane's files table for a native ledger (`docs/FORMAT.md`
//! §11): per chain the tamper-evidence level its verification established
//! (signed checkpoints, keyed + signed, keyed hash chain, hash chain only),
//! the Merkle tree's size, the newest signed size and the records after
//! it, the MACs checked and those present but not checked (no key), and
//! the OS attribute of every file.
//!
//! More columns than a legacy ledger's, so they are fitted to the width:
//! the least important go first (the symbol, the file and its status
//! always stay).

use crate::ledger::model::report::{FileReport, NativeChainStatus, VerifyReport};
use crate::tui::fit;
use crate::tui::theme::Theme;
use ratatui::layout::{Alignment, Constraint};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

/// One column of the table: heading, width (0: fills the rest), priority
/// (lower numbers are kept longer).
struct Column {
    title: &'static str,
    width: u16,
    priority: u8,
    right: bool,
}

const fn col(title: &'static str, width: u16, priority: u8, right: bool) -> Column {
    Column {
        title,
        width,
        priority,
        right,
    }
}

/// The columns after the symbol and the file name.
const COLUMNS: [Column; 9] = [
    col("status", 10, 0, false),
    col("tamper evidence", 26, 1, false),
    col("unsigned", 8, 1, true),
    col("signed", 7, 2, true),
    col("tree", 7, 2, true),
    col("MACs ✔/?", 9, 3, true),
    col("OS", 11, 3, false),
    col("records", 7, 4, true),
    // Fills what is left; dropped when that is under 20 columns.
    col("coverage", 0, 5, false),
];

/// Narrowest the coverage column is shown.
const COVERAGE_MIN: u16 = 20;

/// The tamper-evidence words of a file: a chain's level as verification
/// established it; what protects the other files.
pub fn evidence(f: &FileReport) -> &'static str {
    match (&f.native, f.name) {
        (Some(n), _) if !n.tamper_evidence.is_empty() => n.tamper_evidence,
        (Some(_), _) => "records and root only",
        (None, "native_metadata") => "bound by genesis",
        (None, name) if name.ends_with("_checkpoints") => "signed notes",
        (None, _) if f.coverage.hash_chained => "legacy hash chain",
        (None, _) => "unchained",
    }
}

/// A file, its symbol, status word and style, and its cells.
type FileCells<'a> = (
    &'a FileReport,
    (&'static str, &'static str, ratatui::style::Style),
    Vec<String>,
);

/// The files table, fitted to `width` columns.
pub fn files_table<'a>(
    r: &'a VerifyReport,
    t: &Theme,
    width: u16,
    status_cell: impl Fn(&FileReport) -> (&'static str, &'static str, ratatui::style::Style),
) -> Table<'a> {
    let name_w = super::name_width(r);
    let files: Vec<FileCells> = r
        .files
        .iter()
        .map(|f| {
            let status = status_cell(f);
            (f, status, values(f, status.1))
        })
        .collect();
    // A number column widens to its widest number.
    let mut col_w = COLUMNS.map(|c| c.width);
    for (i, c) in COLUMNS.iter().enumerate() {
        if c.right {
            let widest = files.iter().map(|(_, _, v)| fit::width(&v[i])).max();
            col_w[i] = col_w[i].max(u16::try_from(widest.unwrap_or(0)).unwrap_or(u16::MAX));
        }
    }
    let kept = fit(width.saturating_sub(1 + name_w + 1), &col_w);
    let mut widths = vec![Constraint::Length(1), Constraint::Length(name_w)];
    let mut header = vec![Cell::from(""), Cell::from("file")];
    for &i in &kept {
        let c = &COLUMNS[i];
        widths.push(if c.width == 0 {
            Constraint::Fill(1)
        } else {
            Constraint::Length(col_w[i])
        });
        header.push(aligned(c.title.to_owned(), c.right));
    }
    // What each column really gets: every value is fitted to it.
    let room: Vec<usize> = crate::tui::fit::widths(&widths, width, 0)
        .into_iter()
        .map(usize::from)
        .collect();
    let fitted = |k: usize, i: usize, text: &str| {
        let w = room[2 + k];
        if COLUMNS[i].right {
            fit::number(text, w)
        } else {
            fit::text(text, w)
        }
    };
    let mut rows: Vec<Row> = files
        .iter()
        .map(|(f, (sym, _, style), values)| {
            let mut cells = vec![
                Cell::from(Span::styled(*sym, *style)),
                Cell::from(fit::text(f.name, room[1])),
            ];
            for (k, &i) in kept.iter().enumerate() {
                let text = fitted(k, i, &values[i]);
                cells.push(if i == 0 {
                    Cell::from(Span::styled(text, *style))
                } else {
                    aligned(text, COLUMNS[i].right)
                });
            }
            Row::new(cells)
        })
        .collect();
    rows.extend(r.missing.iter().map(|m| {
        let mut cells = vec![
            Cell::from(Span::styled(crate::tui::strings::SYM_WARN, t.warn)),
            Cell::from(fit::text(m.name, room[1])),
        ];
        cells.extend(kept.iter().enumerate().map(|(k, &i)| match i {
            0 => Cell::from(Span::styled(
                fitted(k, i, crate::tui::strings::FILE_MISSING),
                t.warn,
            )),
            8 => Cell::from(fitted(k, i, &format!("expected at {}", m.path))),
            _ => aligned("-".to_owned(), COLUMNS[i].right),
        }));
        Row::new(cells)
    }));
    Table::new(rows, widths).header(Row::new(header).style(t.header))
}

fn aligned(text: String, right: bool) -> Cell<'static> {
    let line = Line::from(text);
    Cell::from(if right {
        line.alignment(Alignment::Right)
    } else {
        line
    })
}

/// The cells of one file, in [`COLUMNS`] order.
fn values(f: &FileReport, status: &str) -> Vec<String> {
    let dash = || "-".to_owned();
    let n: Option<&NativeChainStatus> = f.native.as_ref();
    let os = f
        .os_attribute
        .as_ref()
        .map_or_else(|| "not read".to_owned(), |a| a.label().to_owned());
    vec![
        status.to_owned(),
        evidence(f).to_owned(),
        n.map_or_else(dash, |n| n.unsigned_records.to_string()),
        n.map_or_else(dash, |n| {
            n.signed_size
                .map_or_else(|| "none".to_owned(), |s| s.to_string())
        }),
        n.map_or_else(dash, |n| n.tree_size.to_string()),
        n.map_or_else(dash, |n| format!("{}/{}", n.macs_checked, n.macs_unchecked)),
        os,
        f.records.to_string(),
        f.coverage.summary.to_owned(),
    ]
}

/// The columns (indexes into [`COLUMNS`]) that fit in `width`, in order,
/// the columns being `col_w` wide.
fn fit(width: u16, col_w: &[u16; COLUMNS.len()]) -> Vec<usize> {
    let mut kept: Vec<usize> = (0..COLUMNS.len()).collect();
    loop {
        let fixed: u16 = kept.iter().map(|&i| col_w[i] + 1).sum();
        let room = width.saturating_sub(fixed);
        let coverage_ok = !kept.contains(&8) || room >= COVERAGE_MIN;
        if fixed <= width && coverage_ok {
            return kept;
        }
        // Drop the least important (the rightmost among equals).
        let Some(worst) = kept
            .iter()
            .enumerate()
            .filter(|(_, i)| COLUMNS[**i].priority > 0)
            .max_by_key(|(pos, i)| (COLUMNS[**i].priority, *pos))
            .map(|(pos, _)| pos)
        else {
            return kept;
        };
        kept.remove(worst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_tables_keep_the_status_evidence_and_unsigned_records() {
        let widths = COLUMNS.map(|c| c.width);
        let titles = |w| {
            fit(w, &widths)
                .iter()
                .map(|&i| COLUMNS[i].title)
                .collect::<Vec<_>>()
        };
        // 80 columns, less the borders, the symbol and the longest file name.
        assert_eq!(titles(78 - 25), ["status", "tamper evidence", "unsigned"]);
        let wide = titles(118 - 25);
        assert!(
            wide.contains(&"OS") && wide.contains(&"MACs ✔/?"),
            "{wide:?}"
        );
        assert!(!wide.contains(&"coverage"), "{wide:?}");
        assert_eq!(titles(10), ["status"]);
        assert_eq!(fit(400, &widths).len(), COLUMNS.len());
    }

    #[test]
    fn a_chain_row_says_what_its_verification_established() {
        use crate::ledger::model::report::Coverage;
        use crate::ledger::protect::OsAttribute;
        let coverage = Coverage {
            hash_chained: true,
            witnessed_by: None,
            summary: "every byte",
            protected_fields: vec![],
            unprotected_fields: vec![],
            checked: vec![],
            not_checked: vec![],
        };
        let mut f = FileReport::new("descriptors", "d.jsonl".into(), coverage.clone());
        f.records = 41;
        f.os_attribute = Some(OsAttribute::AppendOnly);
        f.native = Some(NativeChainStatus {
            tree_size: 41,
            signed_size: Some(40),
            unsigned_records: 1,
            macs_checked: 0,
            macs_unchecked: 41,
            tamper_evidence: "keyed + signed checkpoints",
            ..NativeChainStatus::default()
        });
        assert_eq!(
            values(&f, "verified"),
            [
                "verified",
                "keyed + signed checkpoints",
                "1",
                "40",
                "41",
                "0/41",
                "append-only",
                "41",
                "every byte"
            ]
        );
        // No signed checkpoint: said, not shown as 0.
        f.native.as_mut().unwrap().signed_size = None;
        assert_eq!(values(&f, "verified")[3], "none");
        let mut h = FileReport::new("pulses_checkpoints", "p".into(), coverage);
        h.os_attribute = Some(OsAttribute::Unknown {
            reason: "tmpfs".into(),
        });
        let v = values(&h, "verified");
        assert_eq!(
            (v[1].as_str(), v[2].as_str(), v[6].as_str()),
            ("signed notes", "-", "unknown")
        );
    }
}
