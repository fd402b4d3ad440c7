//! Remote review: a ledger published as tlog-tiles (`docs/TILES.md`) read
//! from `https://…`, `http://…`, `s3://bucket/prefix` or a local directory
//! of tiles, read-only, and judged by the same native verifier and watcher
//! as a local ledger (`docs/REMOTE.md`).
//!
//! How: [`fetch`] streams the published entries into a private temporary
//! directory laid out as a native ledger (the metadata, each chain's lines,
//! its checkpoint and history), checking every hash tile against the tree
//! the entries make; the caller verifies that directory with the ordinary
//! verifier and [`Fetched::finish`] adds the tile findings and names every
//! file by the published key it came from. `iss verify` does both at once
//! ([`stream`]): the verifier reads the copy's chains as they are fetched.
//! [`monitor`] follows a location's checkpoints (`iss watch URL`).
//!
//! [`browse`] does the same for the workstation (`iss tui LOCATION`),
//! saying how far the copy has grown so the first records show before the
//! whole log is in, with tiles and bundles kept in a disk cache
//! ([`cache`]) that is checked, never trusted.
//!
//! For other views (the fleet pane): [`review`] opens any location — a
//! ledger path or a published one — read-only and returns its verdict,
//! size and newest checkpoints ([`Review`]).
//!
//! May import: `time`, `tlog`, `ledger`.

pub mod browse;
pub mod cache;
pub mod follow;
pub mod location;
pub mod mirror;
pub mod monitor;
pub mod proof;
pub mod stream;

pub use location::{Location, LocationError, is_location};

use crate::ledger::model::finding::Finding;
use crate::ledger::model::report::{FileReport, LedgerStatus, VerifyReport};
use crate::ledger::native::format::meta::{Chain, ChainPaths};
use crate::ledger::open::Ledger;
use crate::ledger::verify::VerifyOptions;
use mirror::Mirror;
use std::path::{Path, PathBuf};

/// A published location fetched into a private directory laid out as a
/// native ledger; the directory is removed when this is dropped.
#[derive(Debug)]
pub struct Fetched {
    mirror: Mirror,
    _dir: tempfile::TempDir,
}

/// Fetch the published location `arg` (see [`is_location`]) into a new
/// temporary directory (under `$TMPDIR`): the disk holds one copy of the
/// log's lines, memory one window of bundles.
pub fn fetch(arg: &Path) -> Result<Fetched, LocationError> {
    let location = Location::open(arg)?;
    let dir = fetch_dir()?;
    let mirror = Mirror::fetch(location, dir.path())?;
    Ok(Fetched { mirror, _dir: dir })
}

/// The copies made in this process, for [`remove_copies`].
static COPIES: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// A new private directory for a copy (`$TMPDIR/iss-remote-*`), noted for
/// [`remove_copies`].
fn fetch_dir() -> Result<tempfile::TempDir, LocationError> {
    let dir = tempfile::Builder::new()
        .prefix("iss-remote-")
        .tempdir()
        .map_err(|e| LocationError::Read {
            url: std::env::temp_dir().display().to_string(),
            detail: format!("cannot create the local copy's directory: {e}"),
        })?;
    let mut copies = COPIES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Those already removed (their `Fetched` dropped) are forgotten.
    copies.retain(|p| p.exists());
    copies.push(dir.path().to_path_buf());
    Ok(dir)
}

/// Remove every private copy this process made that is still there: called
/// by a view before the process exits, since the threads that fetch or
/// follow a location are not joined, and a copy held by one (or still
/// being fetched) would otherwise stay in `$TMPDIR`.
pub fn remove_copies() {
    let dirs = std::mem::take(
        &mut *COPIES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    for dir in dirs {
        let _ = std::fs::remove_dir_all(dir);
    }
}

impl Fetched {
    /// The local directory to verify as a native ledger.
    pub fn dir(&self) -> &Path {
        self.mirror.dir()
    }

    /// The location as the user named it.
    pub fn name(&self) -> &str {
        self.mirror.location.name()
    }

    /// The mirror (for the monitor).
    pub fn mirror(&self) -> &Mirror {
        &self.mirror
    }

    /// Complete the report of the verification of [`Fetched::dir`]: add
    /// what the fetch found (tiles, bundles), name every file by its
    /// published key, and settle the verdict again.
    pub fn finish(&self, report: &mut VerifyReport) {
        for (chain, finding) in &self.mirror.findings {
            let path = ChainPaths::new(self.dir(), *chain)
                .file
                .display()
                .to_string();
            let i = if let Some(i) = report.files.iter().position(|f| f.path == path) {
                i
            } else {
                report.files.push(FileReport::new(
                    chain_file_name(*chain),
                    path,
                    crate::ledger::native::verify::coverage::chain(false),
                ));
                report.files.len() - 1
            };
            let file = &mut report.files[i];
            file.findings.push(finding.clone());
            file.settle();
        }
        self.rename(report);
        report.settle();
    }

    /// Name the files of a watcher's event on the copy by their published
    /// keys (and complete the first report as [`Fetched::finish`] does).
    pub fn rename_event(&self, ev: &mut crate::ledger::watch::WatchEvent) {
        use crate::ledger::watch::WatchEvent;
        match ev {
            WatchEvent::Ready(r) => self.finish(r),
            WatchEvent::Reverified(r) => {
                self.rename(r);
            }
            WatchEvent::Record(r) => {
                r.path = self.mirror.published_name(&r.path);
                for f in &mut r.findings {
                    rename_finding(f, &|s: &mut String| self.rename_text(s));
                }
            }
            WatchEvent::Pending(p) => p.path = self.mirror.published_name(&p.path),
            WatchEvent::Alert(a) if a.path.starts_with(&self.dir().display().to_string()) => {
                a.path = self.mirror.published_name(&a.path);
                self.rename_text(&mut a.detail);
            }
            WatchEvent::Error(e) | WatchEvent::Reverifying { reason: e } => self.rename_text(e),
            WatchEvent::Alert(a) => {
                self.rename_text(&mut a.detail);
                self.rename_text(&mut a.expected);
                self.rename_text(&mut a.found);
            }
        }
    }

    /// Every local path in `s` by the published key it came from (the
    /// longest names first: `x.jsonl.checkpoints` before `x.jsonl`).
    fn rename_text(&self, s: &mut String) {
        let dir = self.dir().display().to_string();
        if !s.contains(&dir) {
            return;
        }
        for c in Chain::ALL {
            let p = ChainPaths::new(self.dir(), c);
            for f in [p.history, p.latest, p.file] {
                let local = f.display().to_string();
                *s = s.replace(&local, &self.mirror.published_name(&local));
            }
        }
        *s = s.replace(&dir, self.name());
    }

    fn rename(&self, report: &mut VerifyReport) {
        let text = |s: &mut String| self.rename_text(s);
        self.name().clone_into(&mut report.ledger);
        for f in &mut report.files {
            f.path = self.mirror.published_name(&f.path);
            if let Some(e) = &mut f.error {
                text(e);
            }
            for x in &mut f.findings {
                rename_finding(x, &text);
            }
        }
        for m in &mut report.missing {
            m.path = self.mirror.published_name(&m.path);
        }
    }
}

fn rename_finding(f: &mut Finding, text: &impl Fn(&mut String)) {
    text(&mut f.detail);
    if let Some(e) = &mut f.expected {
        text(e);
    }
    if let Some(e) = &mut f.found {
        text(e);
    }
}

fn chain_file_name(chain: Chain) -> &'static str {
    chain.name()
}

/// One chain of a [`Review`].
#[derive(Debug, Clone)]
pub struct ChainSummary {
    /// The chain.
    pub chain: &'static str,
    /// Its records (the tree size verified).
    pub size: u64,
    /// The newest checkpoint note, when there is one.
    pub checkpoint: Option<String>,
}

/// A location opened read-only and verified: what a fleet view shows.
#[derive(Debug)]
pub struct Review {
    /// Where, as given.
    pub location: String,
    /// The full verification report (same findings as `iss verify`).
    pub report: VerifyReport,
    /// Per chain: size and newest checkpoint.
    pub chains: Vec<ChainSummary>,
}

impl Review {
    /// The verdict.
    pub fn status(&self) -> LedgerStatus {
        self.report.status
    }

    /// Records in all chains.
    pub fn size(&self) -> u64 {
        self.chains.iter().map(|c| c.size).sum()
    }
}

/// Open `arg` — a ledger path, or a published location ([`is_location`])
/// — read-only, verify it with `options` and say its verdict, size and
/// newest checkpoints. Errors: the location could not be read (no verdict).
pub fn review(arg: &Path, options: &VerifyOptions) -> Result<Review, LocationError> {
    // A published location is verified as it is fetched ([`stream`]).
    let streaming = if is_location(arg) {
        Some(stream::start(arg)?)
    } else {
        None
    };
    let dir: PathBuf = streaming
        .as_ref()
        .map_or_else(|| arg.to_path_buf(), |s| s.dir().to_path_buf());
    let options = VerifyOptions {
        growing: streaming.as_ref().map(stream::Streaming::growing),
        ..options.clone()
    };
    // The copy is read as any ledger is, through its `Ledger` (the key, if
    // any, is in `options`).
    let mut report = Ledger::at(&dir)
        .verify(&options)
        .map_err(|e| LocationError::Read {
            url: arg.display().to_string(),
            detail: e.to_string(),
        })?;
    // The copy is complete from here on, or its fetch failed (no verdict).
    let fetched = streaming.map(stream::Streaming::finish).transpose()?;
    if let Some(f) = &fetched {
        f.finish(&mut report);
    }
    let chains = report
        .files
        .iter()
        .filter_map(|f| {
            let n = f.native.as_ref()?;
            let chain = Chain::ALL
                .into_iter()
                .find(|c| chain_file_name(*c) == f.name)?;
            let checkpoint = std::fs::read_to_string(ChainPaths::new(&dir, chain).latest).ok();
            Some(ChainSummary {
                chain: chain.name(),
                size: n.tree_size,
                checkpoint,
            })
        })
        .collect();
    Ok(Review {
        location: arg.display().to_string(),
        report,
        chains,
    })
}
