//! The terminal workstation (ratatui): a thin layer over [`crate::ledger`].
//!
//! Shaped as the Elm architecture that gitui and gitu use: an [`App`] holds
//! the state, [`Msg`]s (keys, mouse, resize, tick, and the results of
//! background loading) arrive on one channel, [`update::update`] is the only
//! place the state changes, and [`ui::render`] draws the state and nothing
//! else. Inside it, as gitui's components: each pane's state is a type of
//! its own with private fields ([`browser::Browser`],
//! [`integrity::IntegrityView`], [`time::TimeView`],
//! [`maturity::MaturityView`], [`audit::AuditView`]), changed by its own
//! methods (`update::perform` hands an action to the pane with focus) and
//! drawn from itself and a small shared [`context::Ctx`]; a pane asks the
//! rest of the workstation for something (show a line in the browser, say
//! something) by pushing an internal event on the [`queue::Queue`]. So every behaviour is testable without a terminal: the tests feed
//! `update` key strings and snapshot what `render` draws on a test backend.
//!
//! Read-only unless started with `--write`: the chain files are opened for
//! reading (the line index and verification both), and the only code path
//! that writes is the entry form's ([`form`]), which opens only in write
//! mode and appends through the append module, like `iss append descriptor`.
//!
//! Panes: 1 the chain browser ([`browser`], with [`search`], [`filter`],
//! [`bookmarks`] and [`clipboard`]), 2 integrity ([`integrity`]), 3 time pulses
//! ([`time`]), 4 maturity ([`maturity`]), 5 the audit trail of the selected
//! record ([`audit`]); the analyses behind 3-5 run in the background
//! ([`panes`]). While open, the ledger is watched ([`live`]): appended
//! records appear as they are verified, and any other change is an alert.
//! The entry form ([`form`], `--write` only) is an overlay over any pane.
//!
//! A native ledger (`docs/FORMAT.md`) opens the same way: the browser shows
//! its three chains ([`chain::ChainKind::NATIVE`]), the integrity pane each
//! file's tamper-evidence level ([`integrity::native`]); the form and `P`
//! append to it through the native writer, signing with the key the
//! workstation was given ([`Options::keys`]). Every write runs off the UI
//! thread ([`writes`]).
//!
//! May import: `time`, `tlog`, `ledger`, `analysis`, `remote`; never `cli`
//! (the command line starts it with resolved [`Options`]). It verifies and
//! writes nothing itself: it asks a [`crate::ledger::open::Ledger`].

pub mod actions;
pub mod app;
pub mod audit;
pub mod bookmarks;
pub mod browser;
pub mod chain;
pub mod chrome;
pub mod clipboard;
pub mod component;
pub mod context;
pub mod detail;
pub mod event_loop;
pub mod export;
pub mod export_records;
pub mod filter;
pub mod first_screen;
pub mod fit;
pub mod fleet;
pub mod form;
pub mod goto_time;
pub mod help;
pub mod histogram;
pub mod hits;
pub mod integrity;
pub mod key_latency;
pub mod keys;
pub mod layout;
pub mod live;
pub mod load;
pub mod marks;
pub mod maturity;
pub mod mouse;
pub mod msg;
pub mod narrow;
pub mod pager;
pub mod panes;
pub mod prompt;
pub mod queue;
pub mod remote_load;
pub mod search;
pub mod sort;
pub mod stored_fields;
pub mod strings;
pub mod theme;
pub mod time;
pub mod ui;
pub mod update;
pub mod write_pulse;
pub mod writes;

#[cfg(test)]
mod tests;

pub use app::App;
pub use msg::Msg;
pub use theme::ThemeName;

use std::path::PathBuf;

/// What the workstation opens, and how it looks.
#[derive(Debug, Clone)]
pub struct Options {
    /// The ledger (any path `iss verify` accepts).
    pub path: PathBuf,
    /// Dark or light palette (`NO_COLOR` overrides both).
    pub theme: ThemeName,
    /// Whether writes are allowed (`--write`); off, nothing is ever written.
    pub write: bool,
    /// A native ledger's keys: the MAC key verifies (and, with `--write`,
    /// keys appends); the signing key signs appends (`--write` only).
    pub keys: writes::Keys,
    /// The clock `P`, the form and `:export` read "now" from (the
    /// machine's; a fixed one in tests, [`crate::ledger::clock`]).
    pub clock: std::sync::Arc<dyn crate::ledger::clock::Clock>,
    /// What the ledger is checked against from outside it (`--trust`, the
    /// remembered state); every verification the workstation runs uses it.
    pub trust: crate::ledger::trust::TrustOptions,
    /// The only signing keys trusted (`--vkey`); `None`: the ledger's own.
    pub pinned: Option<Vec<crate::tlog::note::Verifier>>,
}

/// Open the workstation on the terminal until the user quits.
pub fn run(options: Options) -> anyhow::Result<()> {
    event_loop::run(options)
}

/// The ledger `iss` opens when given no path: the sample ledger when it is
/// there (a fresh clone), else `./data`.
pub fn default_ledger() -> PathBuf {
    let sample = PathBuf::from("data/sample-ledger");
    if sample.exists() {
        sample
    } else {
        PathBuf::from("data")
    }
}
