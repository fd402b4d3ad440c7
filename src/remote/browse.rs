//! A published location opened for the workstation (`iss tui LOCATION`):
//! the copy grows in front of the reader and the verdict comes last.
//!
//! [`open`] fetches the location into a private copy as `iss verify
//! LOCATION` does ([`super::fetch`]), but says after every entry bundle how
//! far each chain's file has got ([`Step::Grew`]), so the workstation
//! shows the first records once the checkpoints and the first bundle are
//! in, not after the whole log. Then it verifies the copy with the same
//! verifier and completes the report as `iss verify` does
//! ([`super::Fetched::finish`]): the verdict is that command's.
//!
//! Tiles and entry bundles are kept in a disk cache ([`super::cache`]) and
//! read from it the next time. A cached object is checked exactly as a
//! fetched one (the mirror compares every tile with the tree the bundles
//! make, the verifier that tree's root with the signed checkpoint); when a
//! verification that read from the cache is not clean, the cache is
//! thrown away ([`Step::CacheDiscarded`]) and everything fetched again, so
//! the verdict shown never rests on a cached byte.

use super::cache;
use super::location::{Location, LocationError};
use super::mirror::Mirror;
use super::{Fetched, fetch_dir};
use crate::ledger::model::report::{LedgerStatus, VerifyReport};
use crate::ledger::native::format::meta::Chain;
use crate::ledger::open::Ledger;
use crate::ledger::verify::VerifyOptions;
use std::path::Path;

/// How far [`open`] has got.
#[derive(Debug)]
pub enum Step<'a> {
    /// `chain`'s file in the copy at `dir` holds its first `entries` of
    /// the `of` the checkpoint names (said once per chain with 0 before
    /// any entry, then after each bundle).
    Grew {
        /// The copy (laid out as a native ledger).
        dir: &'a Path,
        /// Which chain.
        chain: Chain,
        /// Entries in its file so far.
        entries: u64,
        /// Entries its published checkpoint names.
        of: u64,
    },
    /// Everything is fetched; the copy at `dir` is being verified.
    Verifying {
        /// The copy.
        dir: &'a Path,
    },
    /// The cache disagreed with the checkpoint (or the ledger does not
    /// verify): it was thrown away and the location is fetched again.
    CacheDiscarded,
}

/// The result of [`open`]: the copy (kept while this lives) and its report.
#[derive(Debug)]
pub struct Opened {
    /// The copy, laid out as a native ledger.
    pub fetched: Fetched,
    /// The same report as `iss verify LOCATION`'s.
    pub report: VerifyReport,
    /// Objects read from the disk cache instead of fetched.
    pub cache_hits: u64,
}

/// Open the published location `arg` read-only: fetch it (tiles and
/// bundles through the disk cache at `cache_dir`, when given), saying how
/// far it got to `step`, then verify it. Errors: a read failed (no verdict).
pub fn open(
    arg: &Path,
    options: &VerifyOptions,
    cache_dir: Option<&Path>,
    step: &mut dyn FnMut(Step),
) -> Result<Opened, LocationError> {
    let first = attempt(arg, options, cache_dir, step)?;
    if first.cache_hits == 0 || trustworthy(&first) {
        return Ok(first);
    }
    // Read from the cache and not clean: the cache may be what is wrong.
    // Judge the location on fetched bytes alone (refilling the cache).
    if let Some(c) = first.fetched.mirror().location.cache() {
        c.clear();
    }
    drop(first);
    step(Step::CacheDiscarded);
    attempt(arg, options, cache_dir, step)
}

/// Clean, and no object disagreed with the tree: nothing cached misled.
fn trustworthy(o: &Opened) -> bool {
    o.report.status != LedgerStatus::Violated && o.fetched.mirror().findings.is_empty()
}

fn attempt(
    arg: &Path,
    options: &VerifyOptions,
    cache_dir: Option<&Path>,
    step: &mut dyn FnMut(Step),
) -> Result<Opened, LocationError> {
    let mut location = Location::open(arg)?;
    if let Some(dir) = cache_dir {
        location = location.with_cache(dir.to_path_buf());
    }
    let dir = fetch_dir()?;
    let path = dir.path().to_path_buf();
    let mirror = Mirror::fetch_with(location, &path, &mut |chain, entries, of| {
        step(Step::Grew {
            dir: &path,
            chain,
            entries,
            of,
        });
    })?;
    let fetched = Fetched { mirror, _dir: dir };
    step(Step::Verifying { dir: &path });
    let mut report = Ledger::at(&path)
        .verify(options)
        .map_err(|e| LocationError::Read {
            url: arg.display().to_string(),
            detail: e.to_string(),
        })?;
    fetched.finish(&mut report);
    let cache_hits = fetched
        .mirror()
        .location
        .cache()
        .map_or(0, cache::Cache::hits);
    Ok(Opened {
        fetched,
        report,
        cache_hits,
    })
}

/// The disk cache folder for `arg` ([`cache::dir_for`]).
pub fn cache_dir(arg: &Path) -> Option<std::path::PathBuf> {
    cache::dir_for(arg.to_string_lossy().trim_end_matches('/'))
}
