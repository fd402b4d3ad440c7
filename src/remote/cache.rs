//! A disk cache of a published location's immutable objects, for the
//! workstation: a second look at the same location fetches only what
//! changes (`iss-ledger.json`, each chain's `checkpoint` and
//! `checkpoints`), and reads its tiles and entry bundles from disk.
//!
//! Only `…/tile/…` keys are cached: full and partial hash tiles and entry
//! bundles never change at their path (`docs/TILES.md`: a wider partial
//! tile gets a new path). What the cache holds is never taken on its word:
//! it is fed to the same mirror as fetched bytes (every hash tile compared
//! with the tree the bundles make) and the copy to the same verifier (the
//! tree's root against the signed checkpoint). [`super::browse`] throws the
//! cache away and fetches again whenever a verification that read from it
//! is not clean, so a verdict is never drawn from a cached byte that
//! disagrees with the checkpoint.
//!
//! Where: `$XDG_CACHE_HOME/iss/remote/<id>/` (else `~/.cache/iss/remote/<id>/`),
//! `<id>` the first 24 hex digits of SHA-256 of the location's name (a
//! `location` file in it says which); under it, the objects by key.

use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// A location's cache folder.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    hits: AtomicU64,
    /// Keys fetched and written by this process: reading them back is not
    /// a hit (a mirror reads a right-edge tile twice), they are fetched bytes.
    written: Mutex<HashSet<String>>,
}

/// The cache folder of the location named `name` (as
/// [`super::Location::name`] says it), from `$XDG_CACHE_HOME` or `$HOME`;
/// `None` when neither is set.
pub fn dir_for(name: &str) -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })?;
    let id = hex::encode(Sha256::digest(name.as_bytes()));
    Some(base.join("iss").join("remote").join(&id[..24]))
}

/// Whether `key` names an object that never changes at its path.
fn immutable(key: &str) -> bool {
    key.contains("/tile/") || key.starts_with("tile/")
}

impl Cache {
    /// The cache in `dir` for the location `name` (the folder is made on
    /// the first write).
    pub fn new(dir: PathBuf, name: &str) -> Cache {
        if std::fs::create_dir_all(&dir).is_ok() {
            let _ = std::fs::write(dir.join("location"), format!("{name}\n"));
        }
        Cache {
            dir,
            hits: AtomicU64::new(0),
            written: Mutex::new(HashSet::new()),
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Objects read from the cache so far that this process did not fetch.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// The cached bytes of `key`, if it is an immutable object held here.
    pub fn read(&self, key: &str) -> Option<Vec<u8>> {
        if !immutable(key) {
            return None;
        }
        let b = std::fs::read(self.dir.join("objects").join(key)).ok()?;
        if !self.lock().contains(key) {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        Some(b)
    }

    /// Keep the fetched bytes of `key` (an immutable object), replacing
    /// by rename: a reader sees a whole object or none. A cache that
    /// cannot be written only costs a fetch next time: errors are ignored.
    pub fn write(&self, key: &str, bytes: &[u8]) {
        if !immutable(key) {
            return;
        }
        let path = self.dir.join("objects").join(key);
        let Some(parent) = path.parent() else {
            return;
        };
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        let ok = std::fs::create_dir_all(parent)
            .and_then(|()| std::fs::write(&tmp, bytes))
            .and_then(|()| std::fs::rename(&tmp, &path));
        if ok.is_err() {
            let _ = std::fs::remove_file(&tmp);
        } else {
            self.lock().insert(key.to_owned());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.written.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Throw every cached object away (they disagreed with a checkpoint).
    pub fn clear(&self) {
        let _ = std::fs::remove_dir_all(self.dir.join("objects"));
        self.hits.store(0, Ordering::Relaxed);
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tiles_and_bundles_are_kept_and_read_back() {
        let tmp = tempfile::tempdir().unwrap();
        let c = Cache::new(tmp.path().join("c"), "http://x/");
        c.write("descriptors/tile/entries/000", b"bundle");
        c.write("descriptors/checkpoint", b"note");
        c.write("iss-ledger.json", b"{}");
        assert_eq!(
            c.read("descriptors/tile/entries/000").as_deref(),
            Some(&b"bundle"[..])
        );
        assert_eq!(c.read("descriptors/checkpoint"), None);
        assert_eq!(c.read("iss-ledger.json"), None);
        assert_eq!(c.hits(), 0, "written by this cache: fetched bytes");
        let again = Cache::new(tmp.path().join("c"), "http://x/");
        assert!(again.read("descriptors/tile/entries/000").is_some());
        assert_eq!(again.hits(), 1, "kept by an earlier open");
        c.clear();
        assert_eq!(again.read("descriptors/tile/entries/000"), None);
    }

    #[test]
    fn each_location_has_its_own_folder() {
        let a = dir_for("http://a/x");
        let b = dir_for("http://a/y");
        if a.is_some() {
            assert_ne!(a, b);
        }
    }
}
