//! `H` in the chain browser: the records over time, as lnav's histogram
//! (its `i`; here `i` appends). One row per time bucket, oldest first,
//! with the number of records and a bar; the records with a violation
//! (`✘`, red, `▓`) and a warning (`⚠`, yellow, `▒`) are counted and drawn
//! apart. The bucket size fits the span into the screen (a minute up to a
//! year, see [`buckets`]); `z`/`Z` zoom in and out. `Space` marks one end
//! of a range, and `Enter` filters the browser to the bucket or the range
//! under the cursor: it becomes the `:filter` words `since=… until=…`
//! (added to the filter in effect), so the title and `:filter` show it
//! and `:filter clear` clears it, as any filter.
//!
//! The records are counted by one pass over the chain on a worker thread
//! ([`count::CountJob`], progress in the view); drawing then only does a
//! binary search per bucket in the sorted times, however many records.
//! Records whose time cannot be read are counted apart and said so. Under
//! a `:filter`, only the records it keeps are counted (as `s` sorts them).

pub mod buckets;
pub mod count;
mod render;

pub use render::render;

use crate::tui::app::{Level, Loading};
use crate::tui::chain::{ChainKind, ChainView};
use crate::tui::component::Out;
use crate::tui::keys::Action;
use buckets::{LADDER, Step};
use count::{CountJob, Counted, Counts};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// Rows of the histogram's box that are not buckets: two borders, the
/// summary, what was not placed, and the selection line.
const CHROME_ROWS: u16 = 5;

/// What the counts were taken of: when it changes, `H` counts again.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Subject {
    kind: ChainKind,
    filter: Option<String>,
    lines: u64,
    marks: bool,
}

impl Subject {
    fn of(view: &ChainView) -> Self {
        Subject {
            kind: view.kind,
            filter: view.filter.as_ref().map(|f| f.text.clone()),
            lines: view.lines(),
            marks: view.marks.is_some(),
        }
    }
}

/// The histogram's state, one field of the app.
#[derive(Debug, Default)]
pub struct Histogram {
    open: bool,
    of: Option<Subject>,
    counts: Loading<Arc<Counts>>,
    request: u64,
    progress: Option<(Arc<AtomicU64>, u64)>,
    /// The ladder index chosen with `z`/`Z`; `None`: fit the screen.
    zoom: Option<usize>,
    cursor: u64,
    top: u64,
    anchor: Option<u64>,
}

/// The buckets shown: their size, the first one's start, how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    /// Index of the size in [`LADDER`].
    pub level: usize,
    /// The size.
    pub step: Step,
    /// Start of the first bucket (Unix seconds).
    pub first: i64,
    /// Number of buckets.
    pub len: u64,
}

impl Grid {
    /// Start of bucket `i`.
    pub fn start(&self, i: u64) -> i64 {
        self.step.nth(self.first, i)
    }
}

impl Histogram {
    /// Whether it is shown (over the browser's table).
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Whether its pass is running (the spinner turns).
    pub fn pending(&self) -> bool {
        self.open && self.progress.is_some()
    }

    /// The counts, when computed.
    pub fn counts(&self) -> Option<&Counts> {
        self.counts.ready().map(|c| &**c)
    }

    /// The cursor's bucket and the range marked (first, last).
    pub fn selection(&self) -> (u64, u64) {
        let a = self.anchor.unwrap_or(self.cursor);
        (a.min(self.cursor), a.max(self.cursor))
    }

    /// Whether a range is being marked.
    pub fn marking(&self) -> bool {
        self.anchor.is_some()
    }

    /// The chain and filter the counts are of, and whether they are still
    /// those of `view` (no filter set or cleared, no record appended since).
    pub fn subject_of<'a>(&'a self, view: &'a ChainView) -> (ChainKind, Option<&'a str>, bool) {
        match &self.of {
            Some(s) => (s.kind, s.filter.as_deref(), *s == Subject::of(view)),
            None => (view.kind, None, true),
        }
    }

    /// The first bucket row shown.
    pub fn top(&self) -> u64 {
        self.top
    }

    /// The buckets for `rows` rows of screen (none before the counts, or
    /// when no record could be placed).
    pub fn grid(&self, rows: usize) -> Option<Grid> {
        let (min, max) = self.counts()?.span()?;
        let finest = buckets::finest(min, max);
        let level = self
            .zoom
            .unwrap_or_else(|| buckets::auto(min, max, rows))
            .clamp(finest, LADDER.len() - 1);
        let step = LADDER[level];
        Some(Grid {
            level,
            step,
            first: step.floor(min),
            len: step.count(min, max),
        })
    }
}

/// Bucket rows of the histogram in the body `body`.
pub fn rows_in(body: ratatui::layout::Rect) -> usize {
    usize::from(body.height.saturating_sub(CHROME_ROWS).max(1))
}

/// `H`: show the histogram of the browsed chain (counting its records
/// when they changed since the last time), or close it.
pub fn toggle(h: &mut Histogram, view: &ChainView, out: &mut Out) {
    if h.open {
        h.open = false;
        return;
    }
    if !matches!(
        view.kind,
        ChainKind::Descriptors | ChainKind::NativeDescriptors
    ) {
        out.queue.say(Level::Warn, HISTOGRAM_DESCRIPTORS_ONLY);
        return;
    }
    let Some(file) = view.file() else {
        out.queue
            .say(Level::Warn, crate::tui::strings::NOTHING_TO_SHOW);
        return;
    };
    let subject = Subject::of(view);
    if h.of.as_ref() == Some(&subject) && !matches!(h.counts, Loading::Failed(_)) {
        h.open = true;
        return;
    }
    let done = Arc::new(AtomicU64::new(0));
    let mut job = CountJob {
        request: 0,
        kind: view.kind,
        path: file.path().to_path_buf(),
        lines: view.filter.as_ref().map(|f| Arc::new(f.lines.clone())),
        marks: view.marks.clone(),
        done: Arc::clone(&done),
    };
    let total = file.index().byte_len();
    job.request = out.work.request();
    h.open = true;
    h.progress = Some((done, total));
    h.request = job.request;
    h.of = Some(subject);
    h.counts = Loading::Pending;
    (h.zoom, h.cursor, h.top, h.anchor) = (None, 0, 0, None);
    out.work
        .jobs
        .push(crate::tui::panes::Job::Histogram(Box::new(job)));
}

/// What `H` says on a chain that is not of descriptors.
pub const HISTOGRAM_DESCRIPTORS_ONLY: &str =
    "the histogram is of descriptors: browse spice_chain or descriptors (c) and press H";

/// The pass answered: keep its counts (unless a newer one was asked for).
pub fn on_counted(h: &mut Histogram, c: Counted) {
    if c.request != h.request {
        return;
    }
    h.progress = None;
    h.counts = match c.result {
        Ok(counts) => Loading::Ready(Arc::new(counts)),
        Err(e) => Loading::Failed(e),
    };
}

/// The progress of the pass: bytes read and to read.
pub fn progress(h: &Histogram) -> Option<(u64, u64)> {
    h.progress
        .as_ref()
        .map(|(d, t)| (d.load(std::sync::atomic::Ordering::Relaxed), *t))
}

/// A key of the histogram's table, in the body `body` over the browsed
/// chain `browsed`. `Enter` answers the filter words to set in the browser
/// (the histogram is closed then).
pub fn perform(
    h: &mut Histogram,
    browsed: &ChainView,
    body: ratatui::layout::Rect,
    action: Action,
) -> Option<String> {
    let rows = rows_in(body);
    let grid = h.grid(rows)?;
    let last = grid.len - 1;
    let page = rows as u64;
    match action {
        Action::Down => h.cursor = (h.cursor + 1).min(last),
        Action::Up => h.cursor = h.cursor.saturating_sub(1),
        Action::PageDown => h.cursor = (h.cursor + page).min(last),
        Action::PageUp => h.cursor = h.cursor.saturating_sub(page),
        Action::Top => h.cursor = 0,
        Action::Bottom => h.cursor = last,
        Action::MarkRange => {
            h.anchor = if h.anchor.is_some() {
                None
            } else {
                Some(h.cursor)
            };
        }
        Action::ZoomIn | Action::ZoomOut => zoom(h, grid, rows, action == Action::ZoomIn),
        Action::Open => return Some(filter_to_selection(h, browsed, grid)),
        _ => return None,
    }
    let mut top = usize::try_from(h.top).unwrap_or(0);
    crate::tui::app::follow(&mut top, usize::try_from(h.cursor).unwrap_or(0), rows);
    h.top = top as u64;
    None
}

/// `z`/`Z`: the next finer or coarser size; the cursor stays on the
/// bucket holding the time it was on, the range mark is dropped.
fn zoom(h: &mut Histogram, grid: Grid, rows: usize, finer: bool) {
    let Some((min, max)) = h.counts().and_then(Counts::span) else {
        return;
    };
    let at = grid.start(h.cursor);
    let level = if finer {
        grid.level.saturating_sub(1).max(buckets::finest(min, max))
    } else {
        (grid.level + 1).min(LADDER.len() - 1)
    };
    h.zoom = Some(level);
    h.anchor = None;
    let Some(new) = h.grid(rows) else { return };
    let bucket = new.step.floor(at.max(min));
    h.cursor = new.step.count(new.first, bucket).saturating_sub(1);
    h.top = h.cursor.saturating_sub(rows as u64 / 2);
}

/// `Enter`: close the histogram; the filter words for the selected
/// buckets' time (added to those of `browsed`'s filter).
fn filter_to_selection(h: &mut Histogram, browsed: &ChainView, grid: Grid) -> String {
    let (first, last) = h.selection();
    let (since, until) = buckets::filter_bounds(grid.step, grid.start(first), grid.start(last + 1));
    let kept = browsed.filter.as_ref().map(|f| f.text.clone());
    let text = range_filter(kept.as_deref(), &since, &until);
    h.open = false;
    h.anchor = None;
    text
}

/// The filter words for `since..=until` added to the filter `kept` (its
/// own time bounds replaced: the histogram was of the records it kept).
pub fn range_filter(kept: Option<&str>, since: &str, until: &str) -> String {
    let time_word = |w: &str| {
        ["since=", "until=", "time>", "time<", "time="]
            .iter()
            .any(|p| w.starts_with(p))
    };
    let mut words: Vec<String> = kept
        .map(|t| crate::tui::filter::words::tokenize(t).unwrap_or_default())
        .unwrap_or_default()
        .into_iter()
        .filter(|w| !time_word(w))
        .collect();
    words.push(format!("since={since}"));
    words.push(format!("until={until}"));
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_replaces_the_time_bounds_and_keeps_the_other_words() {
        assert_eq!(
            range_filter(None, "2026-11-01", "2026-11-02"),
            "since=2026-11-01 until=2026-11-02"
        );
        assert_eq!(
            range_filter(
                Some("process=ENG.1 since=2026-10-01 /a b/ !until=x"),
                "2026-11-01T09:00",
                "2026-11-01T09:59"
            ),
            "process=ENG.1 /a b/ !until=x since=2026-11-01T09:00 until=2026-11-01T09:59"
        );
    }
}
