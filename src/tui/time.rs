//! Pane 3, time pulse history: every pulse of `glyph_chain.jsonl` with its
//! stored UTC beside TAI, TT and the stored ET recomputed on their scales
//! (as `iss pulses` prints them), its interval and run segment; a chart of
//! the intervals over the whole chain; the anomalies verification found,
//! each with expected vs found.
//!
//! The table is virtualised like the chain browser: only the rows on screen
//! are read (through the pulse chain's line index) and decoded, in `update`.
//! The summary and the interval chart need the whole chain, so they are
//! computed in the background ([`crate::tui::panes::Job::Time`]).

mod common;
mod selected;
mod view;

use crate::analysis::pulses::TimeSummary;
use crate::ledger::io::line_index::IndexedFile;
use crate::ledger::legacy::verify::time_checks::{TimeCheckConfig, TimeScales, time_scales};
use crate::ledger::model::finding::Finding;
use crate::ledger::model::segments::RunSegment;
use crate::tui::app::{Level, Loading, follow};
use crate::tui::chain::{ChainKind, ChainView, visible};
use crate::tui::context::Ctx;
use crate::tui::queue::{Internal, Queue};
use crate::tui::strings::analysis as s;
use ratatui::layout::{Constraint, Layout, Rect};
use serde::Deserialize;

pub use view::render;

/// Buckets the interval chart keeps at most (then pairs are merged).
const MAX_BUCKETS: usize = 512;
/// Bytes of a pulse line decoded for a row.
const ROW_MAX_BYTES: usize = 64 * 1024;

/// What the background pass over the whole chain found.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeOverview {
    /// As `iss report time` summarises it.
    pub summary: TimeSummary,
    /// The intervals, for the chart.
    pub intervals: IntervalSeries,
    /// The run segments: verification's for a legacy chain, the walk's for
    /// a native one (migrated pulses by their legacy runs, native pulses by
    /// boot), as `iss report time` gives them.
    pub segments: Vec<RunSegment>,
    /// The anomalies the walk found in a native chain's bodies (native
    /// verification does not read bodies; a legacy chain's are in the
    /// report).
    pub findings: Vec<Finding>,
}

/// Intervals in file order, in bounded memory: consecutive intervals share
/// a bucket holding their maximum (so a gap is never averaged away), and
/// when the buckets are full, neighbours merge and each bucket covers twice
/// as many intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalSeries {
    buckets: Vec<f64>,
    per_bucket: u64,
    seen: u64,
}

impl Default for IntervalSeries {
    fn default() -> Self {
        IntervalSeries {
            buckets: Vec::new(),
            per_bucket: 1,
            seen: 0,
        }
    }
}

impl IntervalSeries {
    /// Take the next interval (seconds; a backwards step counts as 0, a
    /// value that is not a number is skipped).
    pub fn add(&mut self, interval_s: f64) {
        if !interval_s.is_finite() {
            return;
        }
        let x = interval_s.max(0.0);
        let mut idx = usize::try_from(self.seen / self.per_bucket).unwrap_or(usize::MAX);
        if idx >= MAX_BUCKETS {
            self.buckets = self
                .buckets
                .chunks(2)
                .map(|p| p.iter().copied().fold(0.0, f64::max))
                .collect();
            self.per_bucket *= 2;
            idx = usize::try_from(self.seen / self.per_bucket).unwrap_or(usize::MAX);
        }
        match self.buckets.get_mut(idx) {
            Some(b) => *b = b.max(x),
            None => self.buckets.push(x),
        }
        self.seen += 1;
    }

    /// Intervals taken.
    pub fn len(&self) -> u64 {
        self.seen
    }

    /// Whether no interval was taken.
    pub fn is_empty(&self) -> bool {
        self.seen == 0
    }

    /// At most `width` columns, each the largest interval it covers, in
    /// microseconds; and how many intervals one column covers (at most).
    pub fn columns(&self, width: usize) -> (Vec<u64>, u64) {
        let width = width.max(1);
        let per_col = self.buckets.len().div_ceil(width).max(1);
        let cols = self
            .buckets
            .chunks(per_col)
            .map(|c| {
                let us = c.iter().copied().fold(0.0, f64::max) * 1e6;
                // Intervals are seconds, far below u64's range in µs.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let us = us.round() as u64;
                us
            })
            .collect();
        (cols, self.per_bucket * per_col as u64)
    }
}

/// One pulse as the table shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PulseCells {
    /// `utc_iso` as stored.
    pub utc: String,
    /// `pulse_id`.
    pub pulse_id: String,
    /// `et_s` as stored.
    pub et_s: f64,
    /// The instant recomputed from `utc_unix` (absent outside 1972..2200).
    pub scales: Option<TimeScales>,
    /// Wall-clock seconds since the line before.
    pub interval: Option<f64>,
}

/// One decoded table row.
#[derive(Debug, Clone, PartialEq)]
pub struct PulseRow {
    /// 1-based line.
    pub line: u64,
    /// The pulse, or why the line is not one.
    pub cells: Result<PulseCells, String>,
}

/// Pane 3's state.
#[derive(Debug, Default)]
pub struct TimeView {
    /// The whole-chain summary, once computed.
    overview: Loading<TimeOverview>,
    /// 0-based line under the cursor.
    cursor: u64,
    /// 0-based line at the top of the table.
    top: u64,
    /// The rows on screen, decoded.
    rows: Vec<PulseRow>,
    /// What `rows` were decoded for: (top, height, lines in the file).
    decoded: Option<(u64, usize, u64)>,
}

/// The fields of a pulse the table shows.
#[derive(Debug, Deserialize)]
struct Fields {
    utc_iso: String,
    et_s: f64,
    utc_unix: f64,
    pulse_id: String,
}

/// The pane's parts: summary with chart, pulse table, selected pulse.
pub fn areas(body: Rect) -> [Rect; 3] {
    let selected = if body.height >= 30 { 9 } else { 8 };
    Layout::vertical([
        Constraint::Length(5),
        Constraint::Min(4),
        Constraint::Length(selected),
    ])
    .areas(body)
}

/// Rows of the pulse table (inside the border, under the header).
pub fn table_rows(body: Rect) -> usize {
    usize::from(areas(body)[1].height.saturating_sub(3)).max(1)
}

/// Whether `kind` is a chain of pulses (legacy or native).
pub fn is_pulses(kind: ChainKind) -> bool {
    matches!(kind, ChainKind::Pulses | ChainKind::NativePulses)
}

/// The pulse chain's kind in this ledger.
pub fn pulse_kind(chains: &[ChainView]) -> ChainKind {
    chains
        .iter()
        .find(|c| is_pulses(c.kind))
        .map_or(ChainKind::Pulses, |c| c.kind)
}

fn pulse_chain<'a>(ctx: &Ctx<'a>) -> Option<&'a ChainView> {
    ctx.chains.iter().find(|c| is_pulses(c.kind))
}

impl TimeView {
    /// The whole-chain summary, once computed.
    pub fn overview(&self) -> &Loading<TimeOverview> {
        &self.overview
    }

    /// The summary, to change (tests of extreme numbers).
    #[cfg(test)]
    pub fn overview_mut(&mut self) -> &mut Loading<TimeOverview> {
        &mut self.overview
    }

    /// A new summary (or that it is being computed, or why it failed).
    pub fn set_overview(&mut self, overview: Loading<TimeOverview>) {
        self.overview = overview;
    }

    /// 0-based line under the cursor.
    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    /// 0-based line at the top of the table.
    pub fn top(&self) -> u64 {
        self.top
    }

    /// The rows on screen, decoded.
    pub fn rows(&self) -> &[PulseRow] {
        &self.rows
    }

    /// Clamp the cursor and decode the rows on screen, when anything they
    /// depend on changed.
    pub fn sync(&mut self, ctx: &Ctx) {
        let height = table_rows(ctx.body);
        let Some(file) = pulse_chain(ctx).and_then(ChainView::file) else {
            self.rows.clear();
            self.decoded = None;
            return;
        };
        let lines = file.lines();
        self.cursor = self.cursor.min(lines.saturating_sub(1));
        let mut top = usize::try_from(self.top).unwrap_or(usize::MAX);
        follow(
            &mut top,
            usize::try_from(self.cursor).unwrap_or(usize::MAX),
            height,
        );
        self.top = (top as u64).min(lines.saturating_sub(height as u64));
        if self.decoded == Some((self.top, height, lines)) {
            return;
        }
        self.decoded = Some((self.top, height, lines));
        self.rows = decode(file, self.top, height);
    }

    /// Move the cursor by `delta` pulses.
    pub fn move_by(&mut self, ctx: &Ctx, delta: i64) {
        self.cursor = self.cursor.saturating_add_signed(delta);
        self.sync(ctx);
    }

    /// Page up (`dir` -1) or down (1).
    pub fn page(&mut self, ctx: &Ctx, dir: i64) {
        let rows = table_rows(ctx.body);
        self.move_by(ctx, dir * i64::try_from(rows).unwrap_or(1));
    }

    /// Put the cursor on 1-based `line` (the caller shows the pane).
    pub fn show_line(&mut self, ctx: &Ctx, line: u64) {
        self.cursor = line.saturating_sub(1);
        self.sync(ctx);
    }

    /// `Enter`: ask to show the pulse under the cursor in the chain
    /// browser. Whether it asked (there is a pulse chain to show).
    pub fn open(&self, ctx: &Ctx, queue: &mut Queue) -> bool {
        if pulse_chain(ctx).and_then(ChainView::file).is_none() {
            queue.say(Level::Warn, crate::tui::strings::NOTHING_TO_SHOW);
            return false;
        }
        let kind = pulse_kind(ctx.chains);
        queue.push(Internal::GotoLine(kind, self.cursor + 1));
        true
    }

    /// `e`/`E`: the next or previous pulse with an anomaly.
    pub fn jump(&mut self, ctx: &Ctx, queue: &mut Queue, forward: bool) {
        let here = self.cursor + 1;
        let target = match pulse_chain(ctx).and_then(|c| c.marks.as_ref()) {
            None => {
                queue.say(Level::Info, crate::tui::strings::VERIFYING);
                return;
            }
            Some(m) if forward => m.next_after(here),
            Some(m) => m.prev_before(here),
        };
        match target {
            Some(line) => self.show_line(ctx, line),
            None => queue.say(Level::Info, s::no_more_anomalies(forward)),
        }
    }
}

/// A pulse's table fields from its line: a legacy pulse; a native record
/// whose body is a migrated legacy pulse; or a native pulse (FORMAT.md
/// 10.1), whose UTC instant is its TAI nanoseconds less ΔAT and whose
/// stored ET is its TDB seconds, and which is named by its `seq`.
fn fields(line: &[u8]) -> Option<Fields> {
    if let Ok(f) = serde_json::from_slice::<Fields>(line) {
        return Some(f);
    }
    let v: serde_json::Value = serde_json::from_slice(line).ok()?;
    let body = v.get("body")?;
    if let Some(legacy) = body.get("legacy_pulse") {
        return serde_json::from_value(legacy.clone()).ok();
    }
    let tai_ns = body.get("tai_ns")?.as_i64()?;
    let delta_at = body.get("leap_seconds")?.get("delta_at_s")?.as_i64()?;
    let whole =
        tai_ns.div_euclid(1_000_000_000) - crate::time::leap_seconds::NTP_TO_UNIX_S - delta_at;
    let frac = tai_ns.rem_euclid(1_000_000_000) as f64 / 1e9;
    Some(Fields {
        utc_iso: body.get("utc")?.as_str()?.to_owned(),
        et_s: body.get("tdb_s")?.as_f64()?,
        utc_unix: whole as f64 + frac,
        pulse_id: format!("seq {}", v.get("seq")?.as_u64()?),
    })
}

/// Decode `height` rows from 0-based line `top`.
fn decode(file: &IndexedFile, top: u64, height: usize) -> Vec<PulseRow> {
    let config = TimeCheckConfig::default();
    let parse = |n: u64| -> Result<Fields, String> {
        match file.read_line(n, ROW_MAX_BYTES) {
            Ok(Some(t)) if !t.truncated => {
                fields(&t.bytes).ok_or_else(|| s::NOT_A_PULSE.to_owned())
            }
            Ok(Some(_)) => Err(crate::tui::strings::ROW_TOO_LONG.to_owned()),
            Ok(None) => Err(s::NOT_A_PULSE.to_owned()),
            Err(_) => Err(crate::tui::strings::ROW_READ_ERROR.to_owned()),
        }
    };
    let mut previous = top
        .checked_sub(1)
        .and_then(|n| parse(n).ok())
        .map(|f| f.utc_unix);
    let end = (top + height as u64).min(file.lines());
    (top..end)
        .map(|n| {
            let cells = parse(n).map(|f| {
                let interval = previous.map(|p| f.utc_unix - p);
                previous = Some(f.utc_unix);
                PulseCells {
                    utc: visible(&f.utc_iso),
                    pulse_id: visible(&f.pulse_id),
                    et_s: f.et_s,
                    scales: time_scales(f.utc_unix, &config),
                    interval,
                }
            });
            if cells.is_err() {
                previous = None;
            }
            PulseRow { line: n + 1, cells }
        })
        .collect()
}

#[cfg(test)]
mod native_rows {
    use super::fields;

    #[test]
    fn a_native_pulse_gives_its_utc_instant_from_tai_less_delta_at() {
        // 2026-11-27T10:00:00.25Z: TAI = UTC + 37 s, counted from 1900.
        let line = br#"{"seq":4,"prev":"00","body":{"tai_ns":4004762437250000000,"utc":"2026-11-27T10:00:00.250000000Z","tt_s":849045669.434,"tdb_s":849045669.4336,"jd_utc":1.0,"jd_tt":1.0,"mono_ns":1,"boot_id":null,"leap_seconds":{"delta_at_s":37}},"hash":"00"}"#;
        let f = fields(line).unwrap();
        assert!(
            (f.utc_unix - 1_795_773_600.25).abs() < 1e-6,
            "{}",
            f.utc_unix
        );
        assert_eq!(f.pulse_id, "seq 4");
        assert!((f.et_s - 849_045_669.433_6).abs() < 1e-9);
        // A migrated pulse is read as the legacy pulse it was.
        let migrated = br#"{"seq":0,"prev":"00","body":{"legacy_pulse":{"utc_iso":"2026-11-01T09:00:00.002572+00:00","et_s":846795669.186572,"utc_unix":1793523600.002572,"pulse_id":"abc"},"legacy_line":1},"hash":"00"}"#;
        let f = fields(migrated).unwrap();
        assert_eq!(f.pulse_id, "abc");
        assert!(fields(br#"{"seq":1,"body":{"type":"genesis"}}"#).is_none());
    }
}
