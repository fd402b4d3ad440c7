//! The files of a native ledger that are not chains: the metadata and each
//! chain's checkpoint files (`docs/FORMAT.md` §3, §7).
//!
//! When the watcher follows a native ledger record by record
//! ([`super::native`]), the checkpoint files are followed there, entry by
//! entry, and only the metadata is kept here. Otherwise (the ledger could
//! not be continued incrementally) none is read line by line: `iss
//! checkpoint` replaces the latest checkpoint, so a new file is no alert in
//! itself. Any change to a companion (size, modification time, inode,
//! presence) is answered with a full re-verification, whose report judges
//! the checkpoints against the chains: the live view never keeps showing a
//! signed size, or an unsigned count, that the files no longer say.

use crate::ledger::discover::{Discovery, Layout};
use crate::ledger::native::format::meta::{Chain, ChainPaths, METADATA_FILE};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::SystemTime;

/// What a companion file looked like: `None` when it was absent.
pub type Fingerprint = Option<(u64, u64, u64, Option<SystemTime>)>;

/// The companion files of a native ledger, as last seen.
#[derive(Debug, Clone, Default)]
pub struct Companions {
    files: Vec<(PathBuf, Fingerprint)>,
}

/// What `path` looks like now: device, inode, length, modification time.
pub fn fingerprint(path: &std::path::Path) -> Fingerprint {
    #[cfg(test)]
    super::file_state::before_look(path);
    let m = std::fs::metadata(path).ok()?;
    Some((m.dev(), m.ino(), m.len(), m.modified().ok()))
}

impl Companions {
    /// The companions of a discovered ledger (none unless it is native).
    /// With `checkpoints` false only the metadata is kept: the checkpoint
    /// files are then followed entry by entry ([`super::native`]).
    pub fn of(d: &Discovery, checkpoints: bool) -> Self {
        if d.layout != Layout::Native {
            return Companions::default();
        }
        let mut paths = vec![d.root.join(METADATA_FILE)];
        for chain in Chain::ALL.into_iter().filter(|_| checkpoints) {
            let p = ChainPaths::new(&d.root, chain);
            paths.push(p.latest);
            paths.push(p.history);
        }
        Companions {
            files: paths
                .into_iter()
                .map(|p| {
                    let f = fingerprint(&p);
                    (p, f)
                })
                .collect(),
        }
    }

    /// How `path` looked when these companions were taken, if it is one.
    pub fn seen(&self, path: &std::path::Path) -> Option<Fingerprint> {
        self.files.iter().find(|(p, _)| p == path).map(|(_, f)| *f)
    }

    /// Why the ledger must be verified again, when a companion changed
    /// since the last look (each change is reported once).
    pub fn changed(&mut self) -> Option<String> {
        let mut why = None;
        for (path, seen) in &mut self.files {
            let now = fingerprint(path);
            if now != *seen {
                *seen = now;
                let what = if path.ends_with(METADATA_FILE) {
                    "the metadata decides the origin, the trusted keys and the MAC policy of \
                     every record and checkpoint, so the whole ledger is verified again"
                } else {
                    "a native ledger's checkpoints and metadata are verified with the whole \
                     ledger"
                };
                why.get_or_insert_with(|| format!("{} changed: {what}", path.display()));
            }
        }
        why
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_checkpoint_file_is_reported_once_and_legacy_ledgers_have_none() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let d = Discovery {
            root: dir.clone(),
            layout: Layout::Native,
            found: Vec::new(),
            missing: Vec::new(),
        };
        let mut c = Companions::of(&d, true);
        assert_eq!(c.changed(), None);
        std::fs::write(dir.join("descriptors.jsonl.checkpoint"), "x\n").unwrap();
        let why = c.changed().expect("a new checkpoint file is a change");
        assert!(why.contains("descriptors.jsonl.checkpoint"), "{why}");
        assert_eq!(c.changed(), None, "reported once");
        let legacy = Discovery {
            layout: Layout::FlatDirectory,
            ..d
        };
        assert!(Companions::of(&legacy, true).files.is_empty());
    }
}
