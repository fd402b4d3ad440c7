//! Pane 1's own state: one view per browsable chain, which one is shown,
//! the open record detail, and the searches.

use crate::tui::chain::{ChainKind, ChainView};
use crate::tui::detail::Detail;
use crate::tui::narrow::Narrowing;
use crate::tui::search::Pending;

/// The chain browser's state.
#[derive(Debug)]
pub struct Browser {
    /// One view per browsable chain of the ledger ([`ChainKind::for_discovery`];
    /// the legacy two until discovery says otherwise), in `c` order.
    chains: Vec<ChainView>,
    /// Which chain is shown.
    chain: usize,
    /// The open record detail, if any.
    detail: Option<Detail>,
    /// The last search, for `n`/`N`.
    last_search: Option<String>,
    /// The search running in the background, if any.
    search: Option<Pending>,
    /// The filter scan or sort running in the background, if any.
    narrowing: Option<Narrowing>,
    /// The last search's hits, counted in the background.
    hits: Option<crate::tui::hits::Hits>,
}

impl Default for Browser {
    fn default() -> Self {
        Browser {
            chains: ChainKind::LEGACY.into_iter().map(ChainView::new).collect(),
            chain: 0,
            detail: None,
            last_search: None,
            search: None,
            narrowing: None,
            hits: None,
        }
    }
}

impl Browser {
    /// Every chain's view, in `c` order.
    pub fn chains(&self) -> &[ChainView] {
        &self.chains
    }

    /// Every chain's view, to change (marks, sources).
    pub fn chains_mut(&mut self) -> &mut [ChainView] {
        &mut self.chains
    }

    /// Browse the chains `kinds` from now on: a ledger of other chains
    /// than those shown gets new views (on the first, detail closed); the
    /// same chains keep theirs (and their cursors). Whether they changed.
    pub fn set_kinds(&mut self, kinds: &[ChainKind]) -> bool {
        if self.chains.iter().map(|c| c.kind).eq(kinds.iter().copied()) {
            return false;
        }
        self.chains = kinds.iter().copied().map(ChainView::new).collect();
        self.chain = 0;
        self.detail = None;
        true
    }

    /// The position of the chain shown.
    pub fn chain(&self) -> usize {
        self.chain
    }

    /// Show the chain at position `i`.
    pub fn select(&mut self, i: usize) {
        self.chain = i;
    }

    /// `c`: show the next chain.
    pub fn next_chain(&mut self) {
        self.chain = (self.chain + 1) % self.chains.len();
    }

    /// The chain shown.
    pub fn current(&self) -> &ChainView {
        &self.chains[self.chain]
    }

    /// The chain shown, to change.
    pub fn current_mut(&mut self) -> &mut ChainView {
        &mut self.chains[self.chain]
    }

    /// The view of `kind`, when the ledger has that chain (a legacy ledger
    /// has no `events`, a native one no `spice_chain`).
    pub fn chain_of(&self, kind: ChainKind) -> Option<&ChainView> {
        self.chains.iter().find(|c| c.kind == kind)
    }

    /// The view of `kind`, to change, when the ledger has that chain.
    pub fn chain_mut(&mut self, kind: ChainKind) -> Option<&mut ChainView> {
        self.chains.iter_mut().find(|c| c.kind == kind)
    }

    /// The position of `kind` among the chains.
    pub fn chain_index(&self, kind: ChainKind) -> Option<usize> {
        self.chains.iter().position(|c| c.kind == kind)
    }

    /// The open record detail.
    pub fn detail(&self) -> Option<&Detail> {
        self.detail.as_ref()
    }

    /// The open record detail, to scroll or rewrap.
    pub fn detail_mut(&mut self) -> Option<&mut Detail> {
        self.detail.as_mut()
    }

    /// Open `detail` (or close it, with `None`).
    pub fn set_detail(&mut self, detail: Option<Detail>) {
        self.detail = detail;
    }

    /// Close the detail; whether one was open.
    pub fn close_detail(&mut self) -> bool {
        self.detail.take().is_some()
    }

    /// The last search, for `n`/`N`.
    pub fn last_search(&self) -> Option<&str> {
        self.last_search.as_deref()
    }

    /// Remember `query` for `n`/`N`.
    pub fn set_last_search(&mut self, query: String) {
        self.last_search = Some(query);
    }

    /// The search running in the background, if any.
    pub fn search(&self) -> Option<&Pending> {
        self.search.as_ref()
    }

    /// A search now runs in the background (it replaces any other).
    pub fn set_search(&mut self, search: Pending) {
        self.search = Some(search);
    }

    /// Stop following the running search; it, if there was one.
    pub fn take_search(&mut self) -> Option<Pending> {
        self.search.take()
    }

    /// The last search's hits (their count, once counted).
    pub fn hits(&self) -> Option<&crate::tui::hits::Hits> {
        self.hits.as_ref()
    }

    /// The last search's hits, to fill in.
    pub fn hits_mut(&mut self) -> Option<&mut crate::tui::hits::Hits> {
        self.hits.as_mut()
    }

    /// Set the last search's hits.
    pub fn set_hits(&mut self, hits: Option<crate::tui::hits::Hits>) {
        self.hits = hits;
    }

    /// The filter scan or sort running in the background.
    pub fn narrowing(&self) -> Option<&Narrowing> {
        self.narrowing.as_ref()
    }

    /// The filter scan or sort running in the background, to change.
    pub fn narrowing_mut(&mut self) -> Option<&mut Narrowing> {
        self.narrowing.as_mut()
    }

    /// Note the narrowing running now (`None`: none).
    pub fn set_narrowing(&mut self, n: Option<Narrowing>) {
        self.narrowing = n;
    }

    /// Forget the running narrowing; it, if there was one.
    pub fn take_narrowing(&mut self) -> Option<Narrowing> {
        self.narrowing.take()
    }

    /// Show 0-based `line` of `chain` (its detail closed), with `rows` rows
    /// in the table; whether the ledger has that chain.
    pub fn show_line(&mut self, chain: ChainKind, line: u64, rows: usize) -> bool {
        let Some(i) = self.chain_index(chain) else {
            return false;
        };
        self.chain = i;
        self.detail = None;
        self.chains[i].move_to(line, rows);
        true
    }

    /// After an append of 1-based `line` to the descriptors: show that
    /// chain with the cursor on the new record, `rows` rows in the table.
    /// The cursor is put there before the file is indexed again: indexing
    /// clamps it, and then it is there. `watching`: the live view runs.
    pub fn show_appended(&mut self, line: u64, rows: usize, watching: bool) {
        let Some(i) = self
            .chain_index(ChainKind::Descriptors)
            .or_else(|| self.chain_index(ChainKind::NativeDescriptors))
        else {
            return;
        };
        self.chain = i;
        let view = &mut self.chains[i];
        if !watching {
            view.cursor = line.saturating_sub(1);
        } else if view.lines() >= line {
            // The watcher was quicker than this acknowledgement: the record
            // is indexed already, so go to it (scrolling the view there).
            view.move_to(line.saturating_sub(1), rows);
        } else {
            // On the last row, the view follows the end: the new record
            // shows as soon as the watcher has verified it.
            view.move_to(u64::MAX, rows);
        }
    }

    /// The running search, when it is the one `request` answers.
    pub fn take_search_if(&mut self, request: u64) -> Option<Pending> {
        self.search.take_if(|p| p.request == request)
    }
}
