//! The terminal workstation (ratatui).
//!
//! Not built yet: the panes, the live watcher and the entry form are the
//! subject of their own issue. The verification and analysis they will show
//! already live in [`crate::ledger`] and [`crate::analysis`].
