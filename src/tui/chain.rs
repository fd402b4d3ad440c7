//! The chain browser's state: which file, where the cursor is, and the few
//! rows on screen, decoded.
//!
//! Only the visible rows are ever read and parsed (a seek and a read per
//! row through the file's [`IndexedFile`] line index), so a chain of a
//! million records scrolls as fast as one of forty. The rows are decoded in
//! `update`, not while drawing, so that rendering only reads state.

use crate::ledger::discover::{Discovery, FileKind};
use crate::ledger::io::line_index::IndexedFile;
use crate::tui::filter::Filtered;
use crate::tui::marks::Marks;
use crate::tui::sort::Sorted;
use serde_json::Value;
use std::collections::BTreeSet;

/// Bytes of a line decoded for a table row; longer lines show as too long
/// (the detail view shows more).
const ROW_MAX_BYTES: usize = 64 * 1024;

/// The chain files the browser shows, in the order `c` cycles through them:
/// a legacy ledger's two chains, or a native ledger's three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChainKind {
    /// `spice_chain.jsonl`: SPICE descriptors.
    Descriptors,
    /// `glyph_chain.jsonl`: forensic time pulses.
    Pulses,
    /// A native ledger's `descriptors.jsonl`: SPICE descriptors as bodies.
    NativeDescriptors,
    /// A native ledger's `pulses.jsonl`: time pulses (or migrated legacy ones).
    NativePulses,
    /// A native ledger's `events.jsonl`: genesis, repairs, key rotations.
    NativeEvents,
}

impl ChainKind {
    /// Every browsable chain.
    pub const ALL: [ChainKind; 5] = [
        ChainKind::Descriptors,
        ChainKind::Pulses,
        ChainKind::NativeDescriptors,
        ChainKind::NativePulses,
        ChainKind::NativeEvents,
    ];

    /// A legacy ledger's chains.
    pub const LEGACY: [ChainKind; 2] = [ChainKind::Descriptors, ChainKind::Pulses];

    /// A native ledger's chains (`docs/FORMAT.md` §2).
    pub const NATIVE: [ChainKind; 3] = [
        ChainKind::NativeDescriptors,
        ChainKind::NativePulses,
        ChainKind::NativeEvents,
    ];

    /// The chains the browser offers for what discovery found: a native
    /// ledger's three, else the legacy two (and any native chain file found
    /// beside them); a single file given on its own, that file's chain.
    pub fn for_discovery(d: &Discovery) -> Vec<ChainKind> {
        // One file given on its own is browsed alone, as `iss verify FILE`
        // verifies it alone: not the other chains of the ledger it came
        // from (a file that is no chain: the descriptors' view, absent).
        if d.layout == crate::ledger::discover::Layout::SingleFile {
            let own: Vec<ChainKind> = Self::ALL
                .into_iter()
                .filter(|k| d.path_of(k.file_kind()).is_some())
                .collect();
            return if own.is_empty() {
                vec![ChainKind::Descriptors]
            } else {
                own
            };
        }
        d.chain_kinds()
            .into_iter()
            .filter_map(|kind| Self::ALL.into_iter().find(|c| c.file_kind() == kind))
            .collect()
    }

    /// The ledger file this chain is.
    pub fn file_kind(self) -> FileKind {
        match self {
            ChainKind::Descriptors => FileKind::SpiceChain,
            ChainKind::Pulses => FileKind::GlyphChain,
            ChainKind::NativeDescriptors => FileKind::NativeDescriptors,
            ChainKind::NativePulses => FileKind::NativePulses,
            ChainKind::NativeEvents => FileKind::NativeEvents,
        }
    }

    /// Whether its records are framed as
    /// `{"seq","prev","body",["mac",]"hash"}` (a native chain).
    pub fn framed(self) -> bool {
        self.file_kind().framed()
    }

    /// The stable file name used in reports (`spice_chain`, `glyph_chain`,
    /// `descriptors`, `pulses`, `events`).
    pub fn name(self) -> &'static str {
        self.file_kind().name()
    }

    /// The chain a report file name refers to, if it is browsable.
    pub fn from_name(name: &str) -> Option<ChainKind> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The record fields shown as columns, between the line number and the
    /// status.
    pub fn fields(self) -> &'static [Field] {
        match self {
            ChainKind::Descriptors => &DESCRIPTOR_FIELDS,
            ChainKind::Pulses => &PULSE_FIELDS,
            ChainKind::NativeDescriptors => &NATIVE_DESCRIPTOR_FIELDS,
            ChainKind::NativePulses => &NATIVE_PULSE_FIELDS,
            ChainKind::NativeEvents => &NATIVE_EVENT_FIELDS,
        }
    }
}

/// A record field shown as a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Column heading.
    pub title: &'static str,
    /// Where the value is in the record, as JSON pointers (RFC 6901) tried
    /// in order: a native pulse's time is `/body/utc`, a migrated one's
    /// `/body/legacy_pulse/utc_iso`.
    pub keys: &'static [&'static str],
    /// Column width.
    pub width: u16,
    /// Lower numbers are kept longer when the terminal is narrow.
    pub priority: u8,
}

const fn field(
    title: &'static str,
    keys: &'static [&'static str],
    width: u16,
    priority: u8,
) -> Field {
    Field {
        title,
        keys,
        width,
        priority,
    }
}

const DESCRIPTOR_FIELDS: [Field; 6] = [
    field("id", &["/descriptor_id"], 16, 1),
    field("process", &["/process_name"], 17, 1),
    field("lvl", &["/capability_level"], 3, 2),
    field("outcome", &["/process_outcome"], 13, 2),
    field("score", &["/compliance_score"], 5, 2),
    field("assessed_at", &["/assessed_at"], 32, 4),
];

const PULSE_FIELDS: [Field; 2] = [
    field("utc", &["/utc_iso"], 32, 1),
    field("pulse_id", &["/pulse_id"], 32, 2),
];

// No `seq` column: it is the line number less one on every well-formed
// record (a record whose seq is wrong is a CHAIN_BREAK on its row, and the
// detail shows the seq); the columns of the legacy chain keep their room.
const NATIVE_DESCRIPTOR_FIELDS: [Field; 6] = [
    field("id", &["/body/descriptor_id"], 16, 1),
    field("process", &["/body/process_name"], 17, 1),
    field("lvl", &["/body/capability_level"], 3, 2),
    field("outcome", &["/body/process_outcome"], 13, 2),
    field("score", &["/body/compliance_score"], 5, 2),
    field("assessed_at", &["/body/assessed_at"], 32, 4),
];

const NATIVE_PULSE_FIELDS: [Field; 5] = [
    field("seq", &["/seq"], 5, 3),
    // A native pulse's UTC, else the migrated legacy pulse's.
    field("utc", &["/body/utc", "/body/legacy_pulse/utc_iso"], 32, 1),
    field("tt_s", &["/body/tt_s"], 18, 2),
    field("tai_ns", &["/body/tai_ns"], 20, 4),
    // Where a migrated pulse came from in the legacy glyph chain.
    field("legacy", &["/body/legacy_line"], 6, 2),
];

const NATIVE_EVENT_FIELDS: [Field; 4] = [
    field("seq", &["/seq"], 5, 3),
    // Wide enough for `legacy_time_keeper_start`, the longest type.
    field("type", &["/body/type"], 24, 1),
    field("created", &["/body/created"], 28, 2),
    // A time-keeper start copied by a migration: its line in the legacy log.
    field("legacy", &["/body/legacy_line"], 6, 3),
];

/// Priority of the status words column (the symbol column is always shown).
pub const STATUS_PRIORITY: u8 = 3;

/// One decoded row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 0-based line number.
    pub line: u64,
    /// The field values in [`ChainKind::fields`] order, or why there are none.
    pub cells: Result<Vec<String>, String>,
    /// Which of `cells` are JSON numbers, as written in the record: fitted
    /// to their column digit by digit ([`crate::tui::fit::number`]).
    pub numbers: Vec<bool>,
}

/// Where a chain's file stands.
#[derive(Debug, Default)]
pub enum Source {
    /// Not known yet: discovery is still running.
    #[default]
    Opening,
    /// Being indexed.
    Indexing {
        /// Bytes indexed.
        done: u64,
        /// The file's size.
        total: u64,
    },
    /// The ledger has no such file.
    Absent,
    /// It could not be read.
    Failed(String),
    /// Indexed and browsable.
    Ready(IndexedFile),
}

/// The browser's state for one chain file.
#[derive(Debug)]
pub struct ChainView {
    /// Which chain.
    pub kind: ChainKind,
    /// The file, when it is open.
    pub source: Source,
    /// 0-based line under the cursor.
    pub cursor: u64,
    /// 0-based line at the top of the table.
    pub top: u64,
    /// The decoded rows from `top`, as many as fit.
    pub rows: Vec<Row>,
    /// Per-line verification results, once verification is done.
    pub marks: Option<Marks>,
    /// The `:filter` in effect, with the lines it keeps.
    pub filter: Option<Filtered>,
    /// The lines the user marked with `m` (0-based).
    pub bookmarks: BTreeSet<u64>,
    /// The order of `s` in effect (over the filter's lines, if any).
    pub sorted: Option<Sorted>,
    /// The first record field shown (`←`/`→` scroll the columns).
    pub first_column: usize,
}

impl ChainView {
    /// An empty view waiting for its file.
    pub fn new(kind: ChainKind) -> Self {
        ChainView {
            kind,
            source: Source::Opening,
            cursor: 0,
            top: 0,
            rows: Vec::new(),
            marks: None,
            filter: None,
            bookmarks: BTreeSet::new(),
            sorted: None,
            first_column: 0,
        }
    }

    /// The open file, if it is.
    pub fn file(&self) -> Option<&IndexedFile> {
        match &self.source {
            Source::Ready(f) => Some(f),
            _ => None,
        }
    }

    /// Number of lines (0 until indexed).
    pub fn lines(&self) -> u64 {
        self.file().map_or(0, IndexedFile::lines)
    }

    /// Put the cursor on 0-based `line` (clamped; under a filter, the
    /// first kept line from it), scroll as little as possible to show it in
    /// `height` rows, and decode the rows shown.
    ///
    /// Scrolling counts rows shown: lines under no filter, kept lines under
    /// one ([`ChainView::shown`], [`ChainView::line_at`]).
    pub fn move_to(&mut self, line: u64, height: usize) {
        let n = self.shown();
        let pos = self.position_of(line).min(n.saturating_sub(1));
        let h = (height.max(1)) as u64;
        let mut top = self.position_of(self.top);
        if pos < top {
            top = pos;
        } else if pos >= top + h {
            top = pos + 1 - h;
        }
        // Keep the last page full when the window grew.
        top = top.min(n.saturating_sub(h));
        self.cursor = self.line_at(pos);
        self.top = self.line_at(top);
        self.refresh(height);
    }

    /// Move the cursor by `delta` rows.
    pub fn move_by(&mut self, delta: i64, height: usize) {
        let pos = self.position_of(self.cursor).saturating_add_signed(delta);
        let to = self.line_at(pos.min(self.shown().saturating_sub(1)));
        self.move_to(to, height);
    }

    /// Rows the browser can show: every line, or the lines the filter keeps.
    pub fn shown(&self) -> u64 {
        if let Some(s) = &self.sorted {
            return s.len();
        }
        match &self.filter {
            Some(f) => f.lines.len() as u64,
            None => self.lines(),
        }
    }

    /// The row of 0-based `line`: under a filter, the first kept line at
    /// or after it (past the last: the number of kept lines).
    pub fn position_of(&self, line: u64) -> u64 {
        if let Some(s) = &self.sorted {
            return s.position_of(line);
        }
        match &self.filter {
            Some(f) => f.lines.partition_point(|l| *l < line) as u64,
            None => line,
        }
    }

    /// The 0-based line shown at row `pos` (under a filter with nothing
    /// kept: 0).
    pub fn line_at(&self, pos: u64) -> u64 {
        if let Some(s) = &self.sorted {
            return s.line_at(pos);
        }
        match &self.filter {
            Some(f) => usize::try_from(pos)
                .ok()
                .and_then(|p| f.lines.get(p))
                .copied()
                .unwrap_or(0),
            None => pos,
        }
    }

    /// Decode the rows from `top` that fit in `height`.
    pub fn refresh(&mut self, height: usize) {
        self.rows.clear();
        let Some(file) = self.file() else { return };
        let first = self.position_of(self.top);
        let end = (first + height as u64).min(self.shown());
        let rows: Vec<Row> = (first..end)
            .map(|pos| {
                let line = self.line_at(pos);
                let (cells, numbers) = match decode_row(file, line, self.kind) {
                    Ok(values) => {
                        let (cells, numbers) = values.into_iter().unzip();
                        (Ok(cells), numbers)
                    }
                    Err(why) => (Err(why), Vec::new()),
                };
                Row {
                    line,
                    cells,
                    numbers,
                }
            })
            .collect();
        self.rows = rows;
    }
}

/// Read and decode one line into the chain's column values, each with
/// whether it is a number.
fn decode_row(
    file: &IndexedFile,
    line: u64,
    kind: ChainKind,
) -> Result<Vec<(String, bool)>, String> {
    use crate::tui::strings;
    let text = match file.read_line(line, ROW_MAX_BYTES) {
        Ok(Some(t)) => t,
        Ok(None) => return Err(strings::ROW_UNPARSEABLE.to_owned()),
        Err(_) => return Err(strings::ROW_READ_ERROR.to_owned()),
    };
    if text.truncated {
        return Err(strings::ROW_TOO_LONG.to_owned());
    }
    let Ok(record @ Value::Object(_)) = serde_json::from_slice::<Value>(&text.bytes) else {
        return Err(strings::ROW_UNPARSEABLE.to_owned());
    };
    Ok(kind
        .fields()
        .iter()
        .map(|f| {
            let Some((key, v)) = f.keys.iter().find_map(|k| Some((k, record.pointer(k)?))) else {
                return ("—".to_owned(), false);
            };
            if v.is_number() {
                // As written: `Value` would print 1E+2 as 100.0 and a
                // 23-digit integer as a float, other numbers than stored.
                let written = std::str::from_utf8(&text.bytes)
                    .ok()
                    .and_then(|t| number_as_written(t, key));
                (written.map_or_else(|| v.to_string(), visible), true)
            } else {
                (cell_text(v), false)
            }
        })
        .collect())
}

/// The JSON text at `pointer` (object keys only, as the field paths are)
/// in the record `line`, as written there.
pub fn number_as_written<'a>(line: &'a str, pointer: &str) -> Option<&'a str> {
    use serde_json::value::RawValue;
    use std::collections::HashMap;
    let mut at: &'a RawValue = serde_json::from_str(line).ok()?;
    for key in pointer.split('/').skip(1) {
        // The last of duplicate keys, as `Value` keeps it.
        let map: HashMap<String, &'a RawValue> = serde_json::from_str(at.get()).ok()?;
        at = map.get(key).copied()?;
    }
    Some(at.get().trim())
}

/// A JSON value as a table cell: strings without quotes, the rest as JSON.
pub fn cell_text(v: &Value) -> String {
    match v {
        Value::String(s) => visible(s),
        other => other.to_string(),
    }
}

/// `s` with control characters written out (`\u{1b}`): a ledger is
/// evidence and may be hostile, so nothing in it reaches the terminal as a
/// control sequence, and nothing in it is silently dropped either.
pub fn visible(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_owned();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                format!("\\u{{{:x}}}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}
