//! Per-line verification results of one chain file, for the row symbols
//! and for `e`/`E`.
//!
//! A line is marked by the findings located on it and by the findings of
//! other files that implicate it (a manifest line that no longer matches
//! names the chain records it attested: those records are not verified even
//! though nothing on their own line is wrong). Lookups are by 1-based line,
//! as findings count lines.

use crate::ledger::model::finding::{Finding, Severity};
use crate::ledger::model::report::{FileStatus, VerifyReport};
use std::collections::BTreeMap;

/// What verification says about one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// The worst severity among the line's findings.
    pub severity: Severity,
    /// The kinds found, worst first (`HASH_MISMATCH`, ...).
    pub kinds: Vec<&'static str>,
    /// Whether the mark comes only from another file's finding.
    pub implicated: bool,
}

/// A range of lines another file's finding implicates.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Implicated {
    first: u64,
    last: u64,
    severity: Severity,
    kind: &'static str,
}

/// The marks of one chain file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    /// Whether the file was read to its end: when not, an unmarked line was
    /// not necessarily checked.
    pub complete: bool,
    /// Lines the verification judged (1-based, inclusive); lines appended
    /// after it are pending until the live view reports them.
    pub covered: u64,
    lines: BTreeMap<u64, Mark>,
    ranges: Vec<Implicated>,
}

impl Marks {
    /// The marks of the file named `file` (`spice_chain`, ...) in `report`.
    pub fn from_report(report: &VerifyReport, file: &str) -> Self {
        let mut marks = Marks {
            complete: report
                .files
                .iter()
                .any(|f| f.name == file && f.status != FileStatus::Unreadable),
            covered: report
                .files
                .iter()
                .find(|f| f.name == file)
                .map_or(0, |f| f.lines),
            ..Marks::default()
        };
        for (owner, f) in report.findings() {
            if owner.name == file
                && let Some(line) = f.line
            {
                marks.mark(line, f);
            }
            if let Some(r) = f.related.as_ref().filter(|r| r.file == file) {
                marks.ranges.push(Implicated {
                    first: r.first_line,
                    last: r.last_line,
                    severity: f.severity,
                    kind: f.kind.name(),
                });
            }
        }
        marks
    }

    fn mark(&mut self, line: u64, f: &Finding) {
        let m = self.lines.entry(line).or_insert(Mark {
            severity: f.severity,
            kinds: Vec::new(),
            implicated: false,
        });
        m.severity = m.severity.min(f.severity);
        let name = f.kind.name();
        if !m.kinds.contains(&name) {
            // Violations first: the first kind is the one the row shows.
            if f.is_violation() {
                m.kinds.insert(0, name);
            } else {
                m.kinds.push(name);
            }
        }
    }

    /// Take in findings about lines of this file found by an analysis
    /// beside verification (a native pulse chain's time anomalies, read
    /// from the bodies verification does not interpret). A finding without
    /// a line marks nothing; one already marked is not counted twice.
    pub fn add_findings(&mut self, findings: &[Finding]) {
        for f in findings {
            if let Some(line) = f.line {
                self.mark(line, f);
            }
        }
    }

    /// Take in the verdict on 1-based `line`, judged live after the
    /// verification (lines are judged in order: every line up to it is).
    pub fn add_live(&mut self, line: u64, findings: &[Finding]) {
        for f in findings {
            self.mark(f.line.unwrap_or(line), f);
        }
        self.covered = self.covered.max(line);
    }

    /// Whether 1-based `line` was judged (by the verification or live).
    pub fn covers(&self, line: u64) -> bool {
        line <= self.covered
    }

    /// The mark of 1-based `line`, if any finding concerns it.
    pub fn at(&self, line: u64) -> Option<Mark> {
        if let Some(m) = self.lines.get(&line) {
            return Some(m.clone());
        }
        self.ranges
            .iter()
            .filter(|r| (r.first..=r.last).contains(&line))
            .min_by_key(|r| r.severity)
            .map(|r| Mark {
                severity: r.severity,
                kinds: vec![r.kind],
                implicated: true,
            })
    }

    /// The first marked line after 1-based `line`. A range another file
    /// implicates is one stop, at its first line: `e` should not crawl
    /// through a thousand records one finding at a time.
    pub fn next_after(&self, line: u64) -> Option<u64> {
        let own = self.lines.range(line + 1..).next().map(|(l, _)| *l);
        let implicated = self
            .ranges
            .iter()
            .map(|r| r.first)
            .filter(|f| *f > line)
            .min();
        own.into_iter().chain(implicated).min()
    }

    /// The last marked line before 1-based `line` (a range stops at its first line).
    pub fn prev_before(&self, line: u64) -> Option<u64> {
        let own = self.lines.range(..line).next_back().map(|(l, _)| *l);
        let implicated = self
            .ranges
            .iter()
            .map(|r| r.first)
            .filter(|f| *f < line)
            .max();
        own.into_iter().chain(implicated).max()
    }
}

/// The symbol of a row whose verification mark is `mark`: ✘ for a
/// violation, ⚠ for warnings only, ✔ for none. The one rule the time pane
/// and `iss pulses` both draw pulses with, so they agree row by row.
pub fn symbol(mark: Option<&Mark>) -> &'static str {
    match mark {
        None => crate::tui::strings::SYM_OK,
        Some(m) if m.severity == Severity::Violation => crate::tui::strings::SYM_BAD,
        Some(_) => crate::tui::strings::SYM_WARN,
    }
}

/// The marks of a time chain as the time pane has them: verification's
/// findings on `chain` (and those implicating it), and for a native chain
/// the anomalies the pulse walk found in its bodies.
pub fn of_time_chain(report: &VerifyReport, chain: &str, native: bool, walk: &[Finding]) -> Marks {
    let mut marks = Marks::from_report(report, chain);
    if native {
        marks.add_findings(walk);
    }
    marks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::discover::FileKind;
    use crate::ledger::model::finding::{Finding, FindingKind, LineRange};
    use crate::ledger::model::report::{FileReport, LedgerStatus, ToolInfo};

    fn report(chain: Vec<Finding>, manifest: Vec<Finding>) -> VerifyReport {
        let mut c = FileReport::new(
            "spice_chain",
            "c".into(),
            FileKind::SpiceChain.coverage(true),
        );
        c.findings = chain;
        let mut m = FileReport::new(
            "integrity_manifest",
            "m".into(),
            FileKind::IntegrityManifest.coverage(true),
        );
        m.findings = manifest;
        VerifyReport {
            ledger: "l".into(),
            format: "iss-legacy-v2",
            status: LedgerStatus::Violated,
            tool: ToolInfo::default(),
            files: vec![c, m],
            missing: vec![],
            time_segments: vec![],
            proofs: vec![],
            trust: None,
            timestamps: Vec::new(),
        }
    }

    #[test]
    fn own_and_implicated_lines_are_marked_and_walkable() {
        let r = report(
            vec![
                Finding::new(FindingKind::BlankLine, "b").at(3, 0),
                Finding::new(FindingKind::HashMismatch, "h").at(3, 0),
            ],
            vec![
                Finding::new(FindingKind::ManifestMismatch, "m")
                    .at(9, 0)
                    .related(LineRange {
                        file: "spice_chain",
                        first_line: 7,
                        last_line: 8,
                    }),
            ],
        );
        let m = Marks::from_report(&r, "spice_chain");
        let three = m.at(3).unwrap();
        assert_eq!(three.severity, Severity::Violation);
        assert_eq!(three.kinds, ["HASH_MISMATCH", "BLANK_LINE"]);
        assert!(m.at(8).unwrap().implicated);
        assert_eq!(m.at(4), None);
        assert_eq!(m.at(9), None, "the manifest's own line is not a chain line");
        assert_eq!(
            (m.next_after(0), m.next_after(3), m.next_after(7)),
            (Some(3), Some(7), None),
            "the implicated range 7-8 is one stop"
        );
        assert_eq!(
            (
                m.prev_before(100),
                m.prev_before(8),
                m.prev_before(7),
                m.prev_before(3)
            ),
            (Some(7), Some(7), Some(3), None)
        );
    }
}
