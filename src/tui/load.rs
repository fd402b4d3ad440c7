//! Background loading: discovery, the chain indexes and verification, each
//! result sent as a [`Msg`] so the first frame draws at once and the loop
//! never waits on the disk.
//!
//! The same sequence runs inline for tests ([`load_blocking`]), so a test
//! sees exactly the messages the workstation sees.

use crate::ledger::discover::{Discovery, discover};
use crate::ledger::io::line_index::IndexedFile;
use crate::ledger::io::progress::Progress;
use crate::ledger::open::Ledger;
use crate::ledger::verify::VerifyOptions;
use crate::tui::chain::ChainKind;
use crate::tui::msg::Msg;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::mpsc::Sender;
use std::thread;

/// Start loading `ledger` on background threads; results arrive on `tx`.
/// Verification runs on its own thread beside the indexing, so the chains
/// can be browsed while the ledger is still being verified; it goes
/// through the [`Ledger`], which hands it its HMAC key.
pub fn spawn(ledger: Ledger, options: VerifyOptions, tx: Sender<Msg>) {
    thread::spawn(move || {
        let Some(d) = discover_and_send(ledger.path(), &tx) else {
            return;
        };
        let verify_tx = tx.clone();
        let verify_d = d.clone();
        thread::spawn(move || {
            // A closed channel means the workstation has quit: nothing to do.
            let _ = verify_tx.send(Msg::Verifying(follow(&verify_d)));
            let _ = verify_tx.send(verify(&ledger, &verify_d, &options));
        });
        index_chains(&d, &|m| tx.send(m).is_ok());
    });
}

/// Run the whole load inline and return its messages in order (for tests
/// and for any caller without threads).
pub fn load_blocking(ledger: &Path) -> Vec<Msg> {
    load_blocking_with(ledger, &VerifyOptions::default())
}

/// [`load_blocking`] with verification options (a MAC key).
pub fn load_blocking_with(ledger: &Path, options: &VerifyOptions) -> Vec<Msg> {
    let (tx, rx) = std::sync::mpsc::channel();
    if let Some(d) = discover_and_send(ledger, &tx) {
        index_chains(&d, &|m| tx.send(m).is_ok());
        let _ = tx.send(Msg::Verifying(follow(&d)));
        let _ = tx.send(verify(&Ledger::at(ledger), &d, options));
    }
    drop(tx);
    rx.into_iter().collect()
}

/// Discover and index `ledger`'s chains, inline, without verifying it:
/// for a view whose verdict and live events come from a watcher it already
/// has (the fleet's, for a ledger opened from it). Each result goes to
/// `send`, as [`spawn`] sends them.
pub fn index_only(ledger: &Path, send: &dyn Fn(Msg) -> bool) {
    let found = discover(ledger).map_err(|e| e.to_string());
    let d = found.as_ref().ok().cloned();
    if send(Msg::Discovered(found))
        && let Some(d) = d
    {
        index_chains(&d, send);
    }
}

fn discover_and_send(ledger: &Path, tx: &Sender<Msg>) -> Option<Discovery> {
    let found = discover(ledger).map_err(|e| e.to_string());
    let d = found.as_ref().ok().cloned();
    let _ = tx.send(Msg::Discovered(found));
    d
}

/// Follow how far verification reads each file found.
fn follow(d: &Discovery) -> Progress {
    let paths: Vec<&Path> = d.found.iter().map(|f| f.path.as_path()).collect();
    Progress::follow(&paths)
}

/// Index each chain the ledger has, reporting progress.
fn index_chains(d: &Discovery, send: &dyn Fn(Msg) -> bool) {
    for chain in ChainKind::for_discovery(d) {
        let Some(path) = d.path_of(chain.file_kind()) else {
            continue;
        };
        let total = std::fs::metadata(path).map_or(0, |m| m.len());
        let result = IndexedFile::open(path, |done| {
            send(Msg::Progress { chain, done, total });
        })
        .map_err(|e| format!("{}: {e}", path.display()));
        if !send(Msg::Indexed { chain, result }) {
            return;
        }
    }
}

/// Verify the discovered ledger. Verification is tested never to panic;
/// should it all the same, the workstation shows the failure instead of
/// waiting for ever.
fn verify(ledger: &Ledger, d: &Discovery, options: &VerifyOptions) -> Msg {
    let run = catch_unwind(AssertUnwindSafe(|| ledger.verify_discovered(d, options)));
    Msg::Verified(
        run.map(Box::new)
            .map_err(|_| "verification failed (internal error)".to_owned()),
    )
}
