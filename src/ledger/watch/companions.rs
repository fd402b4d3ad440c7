//! The files of a native ledger that are not chains: the metadata and each
//! chain's checkpoint files (`docs/FORMAT.md` §3, §7).
//!
//! They are not read line by line: `iss checkpoint` rewrites the latest
//! checkpoint in place, so a rewrite is no alert in itself. Any change to
//! one (size, modification time, inode, presence) is answered with a full
//! re-verification, whose report judges the checkpoints against the chains:
//! the live view never keeps showing a signed size, or an unsigned count,
//! that the files no longer say.

use crate::ledger::discover::{Discovery, Layout};
use crate::ledger::native::meta::{Chain, ChainPaths, METADATA_FILE};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::SystemTime;

/// What a companion file looked like: `None` when it was absent.
type Fingerprint = Option<(u64, u64, u64, Option<SystemTime>)>;

/// The companion files of a native ledger, as last seen.
#[derive(Debug, Clone, Default)]
pub struct Companions {
    files: Vec<(PathBuf, Fingerprint)>,
}

fn fingerprint(path: &std::path::Path) -> Fingerprint {
    let m = std::fs::metadata(path).ok()?;
    Some((m.dev(), m.ino(), m.len(), m.modified().ok()))
}

impl Companions {
    /// The companions of a discovered ledger (none unless it is native).
    pub fn of(d: &Discovery) -> Self {
        if d.layout != Layout::Native {
            return Companions::default();
        }
        let mut paths = vec![d.root.join(METADATA_FILE)];
        for chain in Chain::ALL {
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

    /// Why the ledger must be verified again, when a companion changed
    /// since the last look (each change is reported once).
    pub fn changed(&mut self) -> Option<String> {
        let mut why = None;
        for (path, seen) in &mut self.files {
            let now = fingerprint(path);
            if now != *seen {
                *seen = now;
                why.get_or_insert_with(|| {
                    format!(
                        "{} changed: a native ledger's checkpoints and metadata are verified \
                         with the whole ledger",
                        path.display()
                    )
                });
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
        let mut c = Companions::of(&d);
        assert_eq!(c.changed(), None);
        std::fs::write(dir.join("descriptors.jsonl.checkpoint"), "x\n").unwrap();
        let why = c.changed().expect("a new checkpoint file is a change");
        assert!(why.contains("descriptors.jsonl.checkpoint"), "{why}");
        assert_eq!(c.changed(), None, "reported once");
        let legacy = Discovery {
            layout: Layout::FlatDirectory,
            ..d
        };
        assert!(Companions::of(&legacy).files.is_empty());
    }
}
