//! `iss tui LOCATION`: a published ledger (`https://…`, `http://…`,
//! `s3://…`, a directory of tiles) browsed while it is fetched.
//!
//! The load runs [`crate::remote::browse::open`] on a thread: once the
//! checkpoints and each chain's first entry bundle are in, the copy's
//! chains are discovered and indexed as a local ledger's are, so the first
//! screen shows without the whole log; the status bar says the view is
//! partial and how far the fetch is. The index follows the copy as it
//! grows (new lines indexed only, at most every `REFRESH`). Then the copy
//! is verified and the verdict shown is the one `iss verify LOCATION`
//! gives. Tiles and bundles come from the disk cache when they are there
//! ([`crate::remote::cache`]), checked as fetched ones are.
//!
//! Then the location is followed live on the same copy
//! ([`crate::remote::follow::follow`], what the fleet's rows and `iss watch
//! LOCATION` run): its checkpoints are polled, consistent growth is
//! appended to the copy and each new record verified and shown as for a
//! local ledger; a rollback, a fork or a badly signed checkpoint is an
//! alert (the banner, and a finding in the verdict).
//!
//! Read-only: the copy is private, removed when it is no longer followed
//! or when the workstation ends ([`crate::remote::remove_copies`]).

use crate::ledger::discover::{Discovery, discover};
use crate::ledger::io::line_index::IndexedFile;
use crate::ledger::io::progress::Progress;
use crate::ledger::native::format::meta::{Chain, ChainPaths};
use crate::ledger::open::Ledger;
use crate::ledger::verify::VerifyOptions;
use crate::ledger::watch::WatchHandle;
use crate::ledger::watch::{WatchEvent, WatchOptions};
use crate::remote::browse::{self, Step};
use crate::remote::follow;
use crate::tui::chain::ChainKind;
use crate::tui::msg::Msg;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

/// A growing chain is indexed again at most this often.
const REFRESH: Duration = Duration::from_millis(250);

/// What the fetch of a location tells the workstation.
#[derive(Debug, Clone, Copy)]
pub enum RemoteMsg {
    /// Records in the copy so far, of all the checkpoints name.
    Fetched {
        /// Records fetched.
        done: u64,
        /// Records named.
        total: u64,
    },
    /// The cache did not verify: thrown away, everything fetched again.
    CacheDiscarded,
}

/// Start loading `ledger`: a published location through [`spawn`] (the
/// handle stops following it; the key, if any, is in `options`, for the
/// copy it fetches), a ledger as [`crate::tui::load::spawn`] does (`None`:
/// its live view is started apart, [`crate::tui::live::spawn`]).
pub fn spawn_any(ledger: &Ledger, options: VerifyOptions, tx: Sender<Msg>) -> Option<WatchHandle> {
    if crate::remote::is_location(ledger.path()) {
        Some(spawn(ledger.path().to_path_buf(), options, tx))
    } else {
        crate::tui::load::spawn(ledger.clone(), options, tx);
        None
    }
}

/// Start fetching and verifying the location `at` on a thread, then
/// following it on the same copy until the returned handle is dropped (or
/// `tx` closes); results arrive on `tx` as a local ledger's load and live
/// view send them ([`crate::tui::load`], [`crate::tui::live`]).
pub fn spawn(at: PathBuf, options: VerifyOptions, tx: Sender<Msg>) -> WatchHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    std::thread::spawn(move || {
        let cache = browse::cache_dir(&at);
        let mut view = Growing::new(tx.clone());
        let opened = browse::open(&at, &options, cache.as_deref(), &mut |s| view.step(&s));
        if !view.alive {
            return;
        }
        match opened {
            Ok(o) => {
                view.refresh_all();
                let report = Box::new(o.report.clone());
                // Kept while it is followed (a reload's new copy replaces
                // it); removed when the follower ends, or by
                // `remote::remove_copies` when the workstation quits.
                let fetched = Arc::new(o.fetched);
                if tx.send(Msg::Verified(Ok(report))).is_err() || flag.load(Ordering::Relaxed) {
                    return;
                }
                let watch = WatchOptions {
                    verify: options,
                    ..WatchOptions::default()
                };
                let dir = fetched.dir().to_path_buf();
                let live =
                    Box::new(move |ev| messages(&dir, ev).into_iter().all(|m| tx.send(m).is_ok()));
                follow::follow(&fetched, watch, follow::POLL, live, &flag);
            }
            Err(e) if view.discovered.is_none() => {
                let _ = tx.send(Msg::Discovered(Err(e.to_string())));
            }
            Err(e) => {
                let _ = tx.send(Msg::Verified(Err(format!("cannot read: {e}"))));
            }
        }
    });
    WatchHandle::new(stop)
}

/// The messages one event of the copy's follower becomes, as
/// [`crate::tui::live::messages`] makes them for a local ledger, but after
/// a full re-verification the chains are indexed again from the copy at
/// `dir` (the report names their files by the published keys, which are
/// not files here).
fn messages(dir: &Path, ev: WatchEvent) -> Vec<Msg> {
    let mut out = Vec::new();
    if let WatchEvent::Reverified(r) = &ev {
        for chain in Chain::ALL {
            let Some(kind) = ChainKind::from_name(chain.name()) else {
                continue;
            };
            if !r.files.iter().any(|f| f.name == chain.name()) {
                continue;
            }
            let path = ChainPaths::new(dir, chain).file;
            let result =
                IndexedFile::open(&path, |_| {}).map_err(|e| format!("{}: {e}", chain.name()));
            out.push(Msg::Indexed {
                chain: kind,
                result,
            });
        }
    }
    out.push(Msg::Live(ev));
    out
}

/// The copy as it grows, shown to the workstation.
struct Growing {
    tx: Sender<Msg>,
    /// The copy being shown (a new one after the cache was thrown away).
    dir: Option<PathBuf>,
    discovered: Option<Discovery>,
    files: BTreeMap<&'static str, (ChainKind, IndexedFile, Instant)>,
    /// Per chain: entries fetched, entries named.
    counts: BTreeMap<&'static str, (u64, u64)>,
    /// The workstation is still there.
    alive: bool,
}

impl Growing {
    fn new(tx: Sender<Msg>) -> Self {
        Growing {
            tx,
            dir: None,
            discovered: None,
            files: BTreeMap::new(),
            counts: BTreeMap::new(),
            alive: true,
        }
    }

    fn send(&mut self, m: Msg) {
        self.alive = self.alive && self.tx.send(m).is_ok();
    }

    fn step(&mut self, s: &Step) {
        if !self.alive {
            return;
        }
        match *s {
            Step::Grew {
                dir,
                chain,
                entries,
                of,
            } => {
                self.counts.insert(chain.name(), (entries, of));
                if entries == 0 {
                    // Said for every chain before any entry. A chain shows
                    // from its first bundle on (as "opening…" until then),
                    // its cursor on line 1 as for a local ledger; an empty
                    // one at once.
                    self.start(dir);
                    if of == 0 {
                        self.send_index(chain);
                    }
                    return;
                }
                // How far the fetch is, before the records it brought: a
                // frame drawn between the two never shows them unmarked.
                let (done, total) = self
                    .counts
                    .values()
                    .fold((0, 0), |(d, t), (e, o)| (d + e, t + o));
                self.send(Msg::Remote(RemoteMsg::Fetched { done, total }));
                self.grew(dir, chain, entries == of);
            }
            Step::Verifying { dir } => {
                self.start(dir);
                self.refresh_all();
                if let Some(d) = &self.discovered {
                    let paths: Vec<&Path> = d.found.iter().map(|f| f.path.as_path()).collect();
                    let p = Progress::follow(&paths);
                    self.send(Msg::Verifying(p));
                }
            }
            Step::CacheDiscarded => {
                self.counts.clear();
                self.send(Msg::Remote(RemoteMsg::CacheDiscarded));
            }
        }
    }

    /// A (new) copy at `dir`: discover it and open every chain file.
    fn start(&mut self, dir: &Path) {
        if self.dir.as_deref() == Some(dir) {
            return;
        }
        self.dir = Some(dir.to_path_buf());
        self.files.clear();
        let found = discover(dir).map_err(|e| e.to_string());
        self.discovered = found.as_ref().ok().cloned();
        self.send(Msg::Discovered(found));
        let Some(d) = self.discovered.clone() else {
            return;
        };
        for kind in ChainKind::for_discovery(&d) {
            let Some(path) = d.path_of(kind.file_kind()) else {
                continue;
            };
            let Some(chain) = Chain::ALL
                .into_iter()
                .find(|c| ChainPaths::new(dir, *c).file == path)
            else {
                continue;
            };
            match IndexedFile::open(path, |_| {}) {
                Ok(f) => {
                    self.files.insert(chain.name(), (kind, f, Instant::now()));
                }
                Err(e) => self.send(Msg::Indexed {
                    chain: kind,
                    result: Err(format!("{}: {e}", path.display())),
                }),
            }
        }
    }

    /// `chain`'s file grew: index the new lines, at most every
    /// [`REFRESH`] (always the first lines and the last).
    fn grew(&mut self, dir: &Path, chain: Chain, last: bool) {
        self.start(dir);
        let Some((_, file, at)) = self.files.get_mut(chain.name()) else {
            return;
        };
        let first = file.lines() == 0;
        if !(first || last || at.elapsed() >= REFRESH) {
            return;
        }
        *at = Instant::now();
        self.send_index(chain);
    }

    /// Show what `chain`'s file holds now.
    fn send_index(&mut self, chain: Chain) {
        let Some((kind, file, _)) = self.files.get_mut(chain.name()) else {
            return;
        };
        let kind = *kind;
        let result = file.refresh().map(|_| file.snapshot());
        self.send(Msg::Indexed {
            chain: kind,
            result: result.map_err(|e| e.to_string()),
        });
    }

    /// Show what every chain's file holds now (all fetched, or the fetch
    /// stopped: a chain still "opening…" shows what it got).
    fn refresh_all(&mut self) {
        for chain in Chain::ALL {
            self.send_index(chain);
        }
    }
}
