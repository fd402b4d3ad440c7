//! What a pane may read besides its own state: the look, the ledger as
//! loaded so far, the clock, and the room on screen.
//!
//! A pane draws from its own state and a [`Ctx`], never from the whole
//! app (gitui hands its components the same kind of small shared
//! environment): so what a pane depends on is written in one place.

use crate::ledger::discover::Discovery;
use crate::ledger::io::progress::Progress;
use crate::ledger::model::report::VerifyReport;
use crate::tui::app::Loading;
use crate::tui::chain::ChainView;
use crate::tui::strings;
use crate::tui::theme::Theme;
use ratatui::layout::Rect;

/// The shared, read-only context of one draw or one update of a pane.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// Styles.
    pub theme: &'a Theme,
    /// The discovered files.
    pub discovery: &'a Loading<Discovery>,
    /// The verification report.
    pub report: &'a Loading<Box<VerifyReport>>,
    /// How far the verification under way has read.
    pub verify_progress: Option<&'a Progress>,
    /// The browsable chains, as the browser holds them.
    pub chains: &'a [ChainView],
    /// Ticks seen: animates the progress indicators.
    pub tick: u64,
    /// The body rectangle at the current size.
    pub body: Rect,
}

impl Ctx<'_> {
    /// The progress indicator's frame at this tick.
    pub fn spinner(&self) -> &'static str {
        strings::SPINNER[(self.tick % 4) as usize]
    }

    /// Whether the ledger's records are framed (a native ledger), as the
    /// ledger layer found it; not until it is discovered.
    pub fn framed(&self) -> bool {
        self.discovery
            .ready()
            .is_some_and(crate::ledger::discover::Discovery::framed)
    }

    /// The file given, when one file was opened on its own (`iss tui
    /// FILE`): only it is browsed and verified, as by `iss verify FILE`.
    pub fn single_file(&self) -> Option<&std::path::Path> {
        self.discovery
            .ready()
            .filter(|d| d.layout == crate::ledger::discover::Layout::SingleFile)
            .map(|d| d.root.as_path())
    }

    /// The verification report, once there.
    pub fn report(&self) -> Option<&VerifyReport> {
        self.report.ready().map(|b| &**b)
    }
}
