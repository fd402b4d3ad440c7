//! `s`/`S` in the chain browser: show the descriptors ordered by level,
//! score, assessment time, process or verification status instead of by
//! line, and reverse that order.
//!
//! Sorting needs a value from every record, so it reads the chain once on
//! a worker thread ([`SortJob`], with progress on the status line) and
//! keeps, per row shown, the line it shows, and per line its row (4 + 8
//! bytes a record); the screen stays live meanwhile and a newer sort (or
//! `s` again) makes the older answer stale. Under a `:filter` only the
//! kept lines are sorted. Ties keep file order; `S` turns the whole
//! order round without reading again (ties then in reverse file order).
//! Lines appended later go after the sorted ones, in file order, until the
//! next sort.

use crate::ledger::model::descriptor::DescriptorRecord;
use crate::time::Instant;
use crate::tui::app::Level;
use crate::tui::browser::{Browser, Env};
use crate::tui::chain::ChainKind;
use crate::tui::component::Out;
use crate::tui::marks::Marks;
use crate::tui::narrow;
use crate::tui::queue::Queue;
use crate::tui::strings;
use std::cmp::Ordering;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// A column the browser sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// `capability_level`.
    Level,
    /// `compliance_score`.
    Score,
    /// `assessed_at`, as an instant (offsets taken into account).
    Time,
    /// `process_name`.
    Process,
    /// The row's verification status, worst first (✘, then ⚠, then ✔).
    Status,
}

impl SortKey {
    /// The order `s` cycles through (after the last: file order again).
    pub const CYCLE: [SortKey; 5] = [
        SortKey::Level,
        SortKey::Score,
        SortKey::Time,
        SortKey::Process,
        SortKey::Status,
    ];

    /// What the user calls it.
    pub fn name(self) -> &'static str {
        match self {
            SortKey::Level => "level",
            SortKey::Score => "score",
            SortKey::Time => "time",
            SortKey::Process => "process",
            SortKey::Status => "status",
        }
    }

    /// The heading of the column it sorts (`status` is the status column).
    pub fn column(self) -> &'static str {
        match self {
            SortKey::Level => "lvl",
            SortKey::Score => "score",
            SortKey::Time => "assessed_at",
            SortKey::Process => "process",
            SortKey::Status => "status",
        }
    }

    /// The key after `current` in [`SortKey::CYCLE`]; `None` is file order.
    pub fn next(current: Option<SortKey>) -> Option<SortKey> {
        match current {
            None => Some(Self::CYCLE[0]),
            Some(k) => {
                let i = Self::CYCLE.iter().position(|c| *c == k).unwrap_or(0);
                Self::CYCLE.get(i + 1).copied()
            }
        }
    }
}

/// The order a sort put the shown lines in.
#[derive(Debug, Clone)]
pub struct Sorted {
    /// By what.
    pub key: SortKey,
    /// Descending.
    pub reverse: bool,
    /// The 0-based line shown at each row.
    rows: Vec<u64>,
    /// Per 0-based line, its row + 1 (0: not shown).
    pos: Vec<u32>,
}

impl Sorted {
    /// The order `rows` (0-based lines, in the order shown).
    pub fn new(key: SortKey, reverse: bool, rows: Vec<u64>) -> Self {
        let mut s = Sorted {
            key,
            reverse,
            rows,
            pos: Vec::new(),
        };
        s.index();
        s
    }

    fn index(&mut self) {
        let len = self.rows.iter().max().map_or(0, |m| *m as usize + 1);
        self.pos = vec![0; len];
        for (i, line) in self.rows.iter().enumerate() {
            self.pos[*line as usize] = u32::try_from(i + 1).unwrap_or(u32::MAX);
        }
    }

    /// Rows shown.
    pub fn len(&self) -> u64 {
        self.rows.len() as u64
    }

    /// Whether nothing is shown.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The row of 0-based `line` (a line not shown: the first row).
    pub fn position_of(&self, line: u64) -> u64 {
        usize::try_from(line)
            .ok()
            .and_then(|l| self.pos.get(l))
            .map_or(0, |p| u64::from(p.saturating_sub(1)))
    }

    /// The 0-based line at row `pos` (past the end: 0).
    pub fn line_at(&self, pos: u64) -> u64 {
        usize::try_from(pos)
            .ok()
            .and_then(|p| self.rows.get(p))
            .copied()
            .unwrap_or(0)
    }

    /// The same rows the other way round.
    #[must_use]
    pub fn reversed(mut self) -> Self {
        self.rows.reverse();
        self.reverse = !self.reverse;
        self.index();
        self
    }

    /// Lines appended since: shown after the sorted ones, in file order.
    pub fn extend(&mut self, lines: impl IntoIterator<Item = u64>) {
        for line in lines {
            let l = line as usize;
            if l >= self.pos.len() {
                self.pos.resize(l + 1, 0);
            }
            if self.pos[l] == 0 {
                self.rows.push(line);
                self.pos[l] = u32::try_from(self.rows.len()).unwrap_or(u32::MAX);
            }
        }
    }

    /// The highest line in the order, + 1.
    pub fn span(&self) -> u64 {
        self.pos.len() as u64
    }
}

/// One record's sort value.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Value {
    Int(i64),
    Float(f64),
    Time(i64, u32),
    Text(String),
}

/// A sort to run off the UI thread.
#[derive(Debug)]
pub struct SortJob {
    /// The request it answers.
    pub request: u64,
    /// The chain sorted.
    pub kind: ChainKind,
    /// Its file.
    pub path: std::path::PathBuf,
    /// By what, and which way.
    pub key: SortKey,
    /// Descending.
    pub reverse: bool,
    /// The lines to sort (a filter's); `None`: every line.
    pub lines: Option<Arc<Vec<u64>>>,
    /// The verification marks, for [`SortKey::Status`].
    pub marks: Option<Marks>,
    /// Bytes read so far, for the progress shown.
    pub done: Arc<AtomicU64>,
}

/// A finished sort.
#[derive(Debug)]
pub struct SortDone {
    /// The request it answers.
    pub request: u64,
    /// The chain sorted.
    pub kind: ChainKind,
    /// The order, or why there is none.
    pub result: Result<Sorted, String>,
}

impl SortJob {
    /// Read the chain, take each record's value, sort.
    pub fn run(self) -> SortDone {
        let result = self
            .sort()
            .map_err(|e| format!("{}: {e}", self.path.display()));
        SortDone {
            request: self.request,
            kind: self.kind,
            result,
        }
    }

    fn sort(&self) -> std::io::Result<Sorted> {
        let native = self.kind == ChainKind::NativeDescriptors;
        let wanted = self.lines.as_deref();
        let mut keyed: Vec<(Option<Value>, u64)> = Vec::new();
        narrow::for_each_line(&self.path, &self.done, |line, text| {
            if wanted.is_some_and(|w| w.binary_search(&line).is_err()) {
                return;
            }
            let value = match self.key {
                SortKey::Status => Some(Value::Int(status_rank(self.marks.as_ref(), line))),
                key => text.and_then(|s| {
                    crate::tui::filter::with_descriptor(s, native, |r| value_of(key, r)).flatten()
                }),
            };
            keyed.push((value, line));
        })?;
        // Records without a value (unparseable, an unreadable time) go last
        // either way; ties keep file order.
        let desc = self.reverse;
        keyed.sort_by(|(a, la), (b, lb)| {
            let by_value = match (a, b) {
                (Some(a), Some(b)) => {
                    let o = a.partial_cmp(b).unwrap_or(Ordering::Equal);
                    if desc { o.reverse() } else { o }
                }
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            by_value.then(la.cmp(lb))
        });
        Ok(Sorted::new(
            self.key,
            self.reverse,
            keyed.into_iter().map(|(_, l)| l).collect(),
        ))
    }
}

fn value_of(key: SortKey, r: &DescriptorRecord<'_>) -> Option<Value> {
    Some(match key {
        SortKey::Level => Value::Int(r.capability_level),
        SortKey::Score => Value::Float(r.compliance_score),
        SortKey::Time => {
            let t = Instant::parse(r.assessed_at.as_str())?;
            Value::Time(t.secs, t.nanos)
        }
        SortKey::Process => Value::Text(r.process_name.as_str().to_owned()),
        SortKey::Status => return None,
    })
}

/// 0 violation on the line, 1 implicated by another file's violation,
/// 2 incomplete, 3 warning, 4 nothing found.
pub fn status_rank(marks: Option<&Marks>, line: u64) -> i64 {
    use crate::ledger::model::finding::Severity;
    match marks.and_then(|m| m.at(line + 1)) {
        None => 4,
        Some(m) => match (m.severity, m.implicated) {
            (Severity::Violation, false) => 0,
            (Severity::Violation, true) => 1,
            (Severity::Incomplete, _) => 2,
            (Severity::Warning, _) => 3,
        },
    }
}

/// `s`: sort by the next key (after the last, file order again).
pub fn cycle(b: &mut Browser, env: &Env, out: &mut Out) {
    // From the sort asked for last, even when it has not answered yet.
    let kind = b.current().kind;
    let pending = b
        .narrowing()
        .filter(|n| n.kind == Some(kind))
        .and_then(|n| n.sort);
    let current = match pending {
        Some((key, _)) => Some(key),
        None => b.current().sorted.as_ref().map(|s| s.key),
    };
    let next = SortKey::next(current);
    if let Some(key) = next {
        start(b, out, key, false);
    } else {
        // A sort still under way is no longer wanted (a filter scan is).
        if b.narrowing().is_some_and(|n| n.sort.is_some()) {
            narrow::cancel(b);
        }
        let view = b.current_mut();
        view.sorted = None;
        view.move_to(view.cursor, env.table_rows());
        out.queue.say(Level::Info, strings::SORT_CLEARED);
    }
}

/// `S`: the same rows the other way round (no need to read them again).
pub fn reverse(b: &mut Browser, env: &Env, queue: &mut Queue) {
    let rows = env.table_rows();
    let view = b.current_mut();
    let Some(s) = view.sorted.take() else {
        queue.say(Level::Info, strings::NO_SORT);
        return;
    };
    let s = s.reversed();
    let msg = strings::sorted_by(s.key.name(), s.reverse);
    view.sorted = Some(s);
    view.move_to(view.cursor, rows);
    queue.say(Level::Info, msg);
}

/// Sort the browsed chain by `key` in the background.
pub fn start(b: &mut Browser, out: &mut Out, key: SortKey, reverse: bool) {
    if !matches!(
        b.current().kind,
        ChainKind::Descriptors | ChainKind::NativeDescriptors
    ) {
        out.queue.say(Level::Warn, strings::SORT_DESCRIPTORS_ONLY);
        return;
    }
    let view = b.current();
    let Some(file) = view.file() else {
        out.queue.say(Level::Warn, strings::NOTHING_TO_SHOW);
        return;
    };
    let (path, total) = (file.path().to_path_buf(), file.index().byte_len());
    let lines = view.filter.as_ref().map(|f| Arc::new(f.lines.clone()));
    let marks = view.marks.clone();
    let kind = view.kind;
    let what = strings::sorting_by(key.name(), reverse);
    let (request, done) = narrow::begin(b, &mut out.work, kind, what, total);
    if let Some(n) = b.narrowing_mut() {
        n.sort = Some((key, reverse));
    }
    out.work
        .jobs
        .push(crate::tui::panes::jobs::Job::Sort(Box::new(SortJob {
            request,
            kind,
            path,
            key,
            reverse,
            lines,
            marks,
            done,
        })));
}

/// A sort finished: show its order (unless it is stale).
pub fn on_sorted(b: &mut Browser, env: &Env, queue: &mut Queue, done: SortDone) {
    if !narrow::finish(b, done.request) {
        return;
    }
    let sorted = match done.result {
        Ok(s) => s,
        Err(e) => {
            queue.say(Level::Error, strings::read_error(&e));
            return;
        }
    };
    let rows = env.table_rows();
    let Some(view) = b.chain_mut(done.kind) else {
        return;
    };
    let msg = strings::sorted_by(sorted.key.name(), sorted.reverse);
    view.sorted = Some(sorted);
    // Lines appended or kept by the filter since the sort started.
    crate::tui::filter::catch_up_sort(view);
    view.top = view.line_at(0);
    view.move_to(view.line_at(0), rows);
    queue.say(Level::Info, msg);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cycle_goes_through_every_key_then_back_to_file_order() {
        let mut k = None;
        let mut seen = Vec::new();
        for _ in 0..6 {
            k = SortKey::next(k);
            seen.push(k.map(SortKey::name));
        }
        assert_eq!(
            seen,
            [
                Some("level"),
                Some("score"),
                Some("time"),
                Some("process"),
                Some("status"),
                None
            ]
        );
    }

    #[test]
    fn an_order_maps_rows_to_lines_both_ways_and_reverses() {
        let s = Sorted::new(SortKey::Level, false, vec![5, 2, 9]);
        assert_eq!((s.line_at(0), s.line_at(2), s.len()), (5, 9, 3));
        assert_eq!((s.position_of(2), s.position_of(9)), (1, 2));
        assert_eq!(s.position_of(3), 0, "a line not shown");
        let mut r = s.reversed();
        assert!(r.reverse);
        assert_eq!((r.line_at(0), r.position_of(5)), (9, 2));
        r.extend([10, 11, 9]);
        assert_eq!((r.len(), r.line_at(3), r.position_of(11)), (5, 10, 4));
    }
}
