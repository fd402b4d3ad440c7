//! The histogram's background pass: read the chain once (off the UI
//! thread, progress in an atomic the screen reads), take every record's
//! `assessed_at` as an instant, and keep the seconds sorted, three lists:
//! every record placed, those with a violation, those with a warning (8
//! bytes a record). Records that cannot be placed are counted apart, by
//! why, never dropped without a word.

use crate::time::Instant;
use crate::tui::chain::ChainKind;
use crate::tui::marks::Marks;
use crate::tui::narrow;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// What a finding on a record is, for the colour of its part of the bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Finding {
    Violation,
    Warning,
}

/// Records by time, as the histogram draws them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// `assessed_at` (Unix seconds, UTC) of every record placed, sorted.
    pub times: Vec<i64>,
    /// Those of records with a violation (✘, implicated included), sorted.
    pub violations: Vec<i64>,
    /// Those of records with a warning or an incomplete check (⚠), sorted.
    pub warnings: Vec<i64>,
    /// Descriptors whose `assessed_at` is not an ISO 8601 time.
    pub untimed: u64,
    /// Lines that are not a readable descriptor (not JSON, not UTF-8, too long).
    pub unreadable: u64,
    /// Of the records not placed, how many have a violation.
    pub unplaced_violations: u64,
    /// Whether verification had answered (else no finding is known yet).
    pub findings_known: bool,
}

impl Counts {
    /// Records looked at.
    pub fn total(&self) -> u64 {
        self.times.len() as u64 + self.untimed + self.unreadable
    }

    /// Records not placed in a bucket.
    pub fn unplaced(&self) -> u64 {
        self.untimed + self.unreadable
    }

    /// The earliest and latest second, when any record is placed.
    pub fn span(&self) -> Option<(i64, i64)> {
        Some((*self.times.first()?, *self.times.last()?))
    }
}

/// The pass to run off the UI thread.
#[derive(Debug, Clone)]
pub struct CountJob {
    /// The request it answers.
    pub request: u64,
    /// The chain read.
    pub kind: ChainKind,
    /// Its file.
    pub path: PathBuf,
    /// The lines to count (a filter's, ascending); `None`: every line.
    pub lines: Option<Arc<Vec<u64>>>,
    /// The verification marks, for the findings.
    pub marks: Option<Marks>,
    /// Bytes read so far.
    pub done: Arc<AtomicU64>,
}

/// A finished pass.
#[derive(Debug)]
pub struct Counted {
    /// The request it answers.
    pub request: u64,
    /// The counts, or why the chain could not be read.
    pub result: Result<Counts, String>,
}

impl CountJob {
    /// Read the chain and count.
    pub fn run(self) -> Counted {
        let result = self
            .count()
            .map_err(|e| format!("{}: {e}", self.path.display()));
        Counted {
            request: self.request,
            result,
        }
    }

    /// The answer of a pass that could not run.
    pub fn failed(&self, e: String) -> Counted {
        Counted {
            request: self.request,
            result: Err(e),
        }
    }

    fn count(&self) -> std::io::Result<Counts> {
        let native = self.kind == ChainKind::NativeDescriptors;
        let wanted = self.lines.as_deref();
        let marks = self.marks.as_ref();
        let mut c = Counts {
            findings_known: marks.is_some(),
            ..Counts::default()
        };
        narrow::for_each_line(&self.path, &self.done, |line, text| {
            if wanted.is_some_and(|w| w.binary_search(&line).is_err()) {
                return;
            }
            let finding = match crate::tui::sort::status_rank(marks, line) {
                0 | 1 => Some(Finding::Violation),
                2 | 3 => Some(Finding::Warning),
                _ => None,
            };
            let time = text.map(|s| {
                crate::tui::filter::with_descriptor(s, native, |r| {
                    Instant::parse(r.assessed_at.as_str()).map(|t| t.secs)
                })
            });
            match time {
                Some(Some(Some(t))) => {
                    c.times.push(t);
                    match finding {
                        Some(Finding::Violation) => c.violations.push(t),
                        Some(Finding::Warning) => c.warnings.push(t),
                        None => {}
                    }
                    return;
                }
                Some(Some(None)) => c.untimed += 1,
                Some(None) | None => c.unreadable += 1,
            }
            if finding == Some(Finding::Violation) {
                c.unplaced_violations += 1;
            }
        })?;
        // Records are in the order written, not of their time.
        c.times.sort_unstable();
        c.violations.sort_unstable();
        c.warnings.sort_unstable();
        Ok(c)
    }
}
