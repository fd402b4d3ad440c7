//! Messages: everything that can change the workstation's state.
//!
//! Input, the tick and the background loader all arrive as [`Msg`]s on one
//! channel, and [`crate::tui::update::update`] is the only place that turns
//! them into state changes; so a test can replay any sequence of them
//! without a terminal, a thread or a clock.

use crate::ledger::discover::Discovery;
use crate::ledger::io::line_index::IndexedFile;
use crate::ledger::model::report::VerifyReport;
use crate::tui::chain::ChainKind;
use crossterm::event::{KeyEvent, MouseEvent};

/// One event for [`crate::tui::update::update`].
#[derive(Debug)]
pub enum Msg {
    /// A key was pressed.
    Key(KeyEvent),
    /// The mouse did something (the wheel scrolls).
    Mouse(MouseEvent),
    /// The terminal now has this many columns and rows.
    Resize(u16, u16),
    /// Time passed (animates the progress indicators).
    Tick,
    /// The ledger's files were found (or the path holds no ledger).
    Discovered(Result<Discovery, String>),
    /// A chain file is being indexed: bytes done of total.
    Progress {
        /// Which chain.
        chain: ChainKind,
        /// Bytes indexed so far.
        done: u64,
        /// The file's size.
        total: u64,
    },
    /// A chain file was indexed and can be browsed (or could not be read).
    Indexed {
        /// Which chain.
        chain: ChainKind,
        /// The opened file, or why it could not be opened.
        result: Result<IndexedFile, String>,
    },
    /// Verification of the whole ledger started: how far it has read.
    Verifying(crate::ledger::io::progress::Progress),
    /// Verification of the whole ledger finished (or could not run).
    Verified(Result<Box<VerifyReport>, String>),
    /// A result of the background work of panes 3-5.
    Panes(crate::tui::panes::PanesMsg),
    /// A write job (form preview or append, pulse) answered.
    Written {
        /// The request it answers.
        request: u64,
        /// What it did.
        outcome: crate::tui::writes::Written,
    },
    /// An evidence bundle was written (what, where), or why not.
    Exported(Result<String, String>),
    /// The terminal's input is gone: nobody can press `q` any more.
    InputClosed,
    /// The ledger's watcher reported something (see [`crate::tui::live`]).
    Live(crate::ledger::watch::WatchEvent),
    /// A published location's copy grew, or its cache was thrown away
    /// ([`crate::tui::remote_load`]).
    Remote(crate::tui::remote_load::RemoteMsg),
}
