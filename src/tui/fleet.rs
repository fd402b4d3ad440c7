//! The fleet pane: many ledgers at once (`iss tui A B …`, `iss tui --fleet
//! FILE`).
//!
//! One row per ledger of the fleet ([`crate::ledger::fleet`]): its verdict,
//! format, size in records, newest signed checkpoint and its age (native),
//! how long since it last changed and since it was last verified, and its
//! alerts. Each ledger is watched on its own thread by the existing
//! watcher ([`crate::ledger::fleet::watch`]); what an event changes in a row
//! is worked out on that thread ([`summary`]) and applied here, so a slow
//! or unreadable ledger never holds up the screen or the other rows.
//!
//! `Enter` opens the selected ledger in the usual five panes ([`shell`]),
//! `Esc` there (with nothing else to close) comes back to the fleet, which
//! kept its selection; the opened ledger keeps its state for the next
//! `Enter`.

pub mod render;
pub mod run;
pub mod shell;
pub mod summary;

use crate::ledger::fleet::Entry;
use crate::ledger::model::report::LedgerStatus;
use crate::ledger::watch::RecordStatus;
use summary::{Checkpoint, Update};

/// Where a row's watcher stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watching {
    /// Its first verification is running.
    Starting,
    /// Watched: the verdict is current.
    Live,
    /// It cannot be watched: why (the ledger cannot be read, or the
    /// location is not supported in this build).
    Failed(String),
}

/// One ledger of the fleet, as its watcher last reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The entry: name and location.
    pub entry: Entry,
    /// Where its watcher stands.
    pub watching: Watching,
    /// The latest whole-ledger verdict.
    pub status: Option<LedgerStatus>,
    /// A record judged violated since that verdict (never taken back).
    pub violated_live: bool,
    /// `iss-legacy-v2`, `iss-legacy-v1` or `iss-native-v1`.
    pub format: Option<&'static str>,
    /// Records in its chains.
    pub records: Option<u64>,
    /// Violations and warnings of the latest verification, plus those live.
    pub violations: usize,
    /// Warnings.
    pub warnings: usize,
    /// Its newest signed checkpoint (native).
    pub checkpoint: Option<Checkpoint>,
    /// When it last changed (UTC ns).
    pub changed_ns: Option<i64>,
    /// When it was last verified, in full or line by line (UTC ns).
    pub verified_ns: Option<i64>,
    /// Alerts raised while watched, oldest first.
    pub alerts: Vec<String>,
    /// The latest problem the watcher reported, or what could not be read.
    pub note: Option<String>,
    /// A full re-verification is running.
    pub reverifying: bool,
}

impl Row {
    /// A row for `entry` whose watcher is starting.
    pub fn new(entry: Entry) -> Row {
        Row {
            entry,
            watching: Watching::Starting,
            status: None,
            violated_live: false,
            format: None,
            records: None,
            violations: 0,
            warnings: 0,
            checkpoint: None,
            changed_ns: None,
            verified_ns: None,
            alerts: Vec::new(),
            note: None,
            reverifying: false,
        }
    }

    /// The verdict as shown: violated once anything violated was seen.
    pub fn verdict(&self) -> Option<LedgerStatus> {
        if self.violated_live || !self.alerts.is_empty() {
            return Some(LedgerStatus::Violated);
        }
        self.status
    }

    /// Apply what the watcher reported, at `now_ns` (UTC).
    pub fn apply(&mut self, update: Update, now_ns: i64) {
        match update {
            Update::Verified(v) => {
                self.watching = Watching::Live;
                self.reverifying = false;
                self.status = Some(v.status);
                self.format = Some(v.format);
                self.records = Some(v.records);
                self.violations = v.violations;
                self.warnings = v.warnings;
                self.checkpoint = v.checkpoint;
                self.changed_ns = v.changed_ns.max(self.changed_ns);
                self.verified_ns = Some(now_ns);
                self.note = v.unreadable;
            }
            Update::Appended {
                record,
                status,
                checkpoint,
            } => {
                if record {
                    self.records = Some(self.records.unwrap_or(0) + 1);
                }
                if status == RecordStatus::Violated {
                    self.violated_live = true;
                    self.violations += 1;
                }
                if status != RecordStatus::Unchecked {
                    self.verified_ns = Some(now_ns);
                }
                if checkpoint.is_some() {
                    self.checkpoint = checkpoint;
                }
                self.changed_ns = Some(now_ns);
            }
            Update::Pending => self.changed_ns = Some(now_ns),
            Update::Alert(text) => {
                self.alerts.push(text);
                self.changed_ns = Some(now_ns);
            }
            Update::Reverifying(_) => self.reverifying = true,
            Update::Error(e) => {
                // Before the first verdict an error means the ledger cannot
                // be watched at all; after it, the watcher carries on.
                if self.watching == Watching::Starting {
                    self.watching = Watching::Failed(e.clone());
                }
                self.note = Some(e);
            }
        }
    }
}

/// The fleet pane's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetView {
    rows: Vec<Row>,
    selected: usize,
    top: usize,
}

/// What the fleet pane does with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FleetKey {
    /// Select the next row.
    Down,
    /// Select the previous row.
    Up,
    /// Select the first row.
    First,
    /// Select the last row.
    Last,
    /// Open the selected ledger.
    Open,
    /// Quit.
    Quit,
}

impl FleetView {
    /// A fleet of `entries`, each watcher starting.
    pub fn new(entries: Vec<Entry>) -> FleetView {
        FleetView {
            rows: entries.into_iter().map(Row::new).collect(),
            selected: 0,
            top: 0,
        }
    }

    /// The rows, in the fleet's order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// A row, to change (tests set rows up this way).
    pub fn row_mut(&mut self, i: usize) -> Option<&mut Row> {
        self.rows.get_mut(i)
    }

    /// The selected row's index.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The first row on screen.
    pub fn top(&self) -> usize {
        self.top
    }

    /// Apply an update of row `i`.
    pub fn apply(&mut self, i: usize, update: Update, now_ns: i64) {
        if let Some(row) = self.rows.get_mut(i) {
            row.apply(update, now_ns);
        }
    }

    /// Move the selection; `height` rows are on screen.
    pub fn select(&mut self, key: FleetKey, height: usize) {
        let last = self.rows.len().saturating_sub(1);
        self.selected = match key {
            FleetKey::Down => (self.selected + 1).min(last),
            FleetKey::Up => self.selected.saturating_sub(1),
            FleetKey::First => 0,
            FleetKey::Last => last,
            FleetKey::Open | FleetKey::Quit => self.selected,
        };
        crate::tui::app::follow(&mut self.top, self.selected, height);
    }
}
