//! The witness's memory: for each log, the latest checkpoint it cosigned.
//!
//! One file per log in the state directory, named by the lower-case hex
//! SHA-256 of the origin (the name the monitoring endpoint uses), holding
//! the checkpoint note exactly as the witness last cosigned it (the log's
//! signatures and the witness's cosignature). A new state is written to a
//! temporary file, fsynced, renamed over the old one, and the directory is
//! fsynced, all before the witness answers: after a crash the file holds
//! either the old or the new checkpoint, never a mixture, and a cosignature
//! that left the witness is never forgotten.

use crate::tlog::checkpoint::Checkpoint;
use crate::tlog::witness::TreeHead;
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The state directory.
#[derive(Debug, Clone)]
pub struct StateDir {
    dir: PathBuf,
}

/// The lower-case hex SHA-256 of an origin.
pub fn origin_hash(origin: &str) -> String {
    hex::encode(Sha256::digest(origin.as_bytes()))
}

impl StateDir {
    /// Opens (creating) the state directory.
    pub fn open(dir: &Path) -> Result<Self, String> {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    fn path(&self, origin: &str) -> PathBuf {
        self.dir.join(origin_hash(origin))
    }

    /// The stored note of `origin`, if the witness ever cosigned one.
    pub fn note(&self, origin: &str) -> Result<Option<String>, String> {
        let path = self.path(origin);
        match fs::read_to_string(&path) {
            Ok(note) => Ok(Some(note)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// The tree head last cosigned for `origin` (`None`: never). A file that
    /// does not hold a checkpoint of that origin is an error: the witness
    /// must not guess, or it could be made to accept a rollback.
    pub fn head(&self, origin: &str) -> Result<Option<TreeHead>, String> {
        let Some(note) = self.note(origin)? else {
            return Ok(None);
        };
        let path = self.path(origin);
        let text = note
            .rfind("\n\n")
            .map(|i| &note[..=i])
            .ok_or_else(|| format!("{}: not a signed note", path.display()))?;
        let cp = Checkpoint::parse(text).map_err(|e| format!("{}: {e}", path.display()))?;
        if cp.origin != origin {
            return Err(format!(
                "{}: holds origin {:?}, expected {origin:?}",
                path.display(),
                cp.origin
            ));
        }
        Ok(Some(TreeHead {
            size: cp.size,
            root: cp.root,
        }))
    }

    /// Durably replaces the state of `origin` with `note`.
    pub fn store(&self, origin: &str, note: &str) -> Result<(), String> {
        let path = self.path(origin);
        let tmp = self.dir.join(format!(
            ".{}.tmp-{}",
            origin_hash(origin),
            std::process::id()
        ));
        let fail = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| fail(&tmp, e))?;
        f.write_all(note.as_bytes()).map_err(|e| fail(&tmp, e))?;
        f.sync_all().map_err(|e| fail(&tmp, e))?;
        drop(f);
        fs::rename(&tmp, &path).map_err(|e| fail(&path, e))?;
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| fail(&self.dir, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str = "example.com/log\n2\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n\n\u{2014} example.com/log AAAAAQ==\n";

    #[test]
    fn store_then_head_round_trips_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::open(dir.path()).unwrap();
        assert_eq!(s.head("example.com/log").unwrap(), None);
        s.store("example.com/log", NOTE).unwrap();
        assert_eq!(s.head("example.com/log").unwrap().unwrap().size, 2);
        s.store("example.com/log", &NOTE.replace("\n2\n", "\n3\n"))
            .unwrap();
        assert_eq!(s.head("example.com/log").unwrap().unwrap().size, 3);
        // Nothing but the state file is left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_file_for_another_origin_or_garbage_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::open(dir.path()).unwrap();
        fs::write(dir.path().join(origin_hash("other.example")), NOTE).unwrap();
        assert!(s.head("other.example").unwrap_err().contains("expected"));
        fs::write(dir.path().join(origin_hash("x.example")), "garbage").unwrap();
        assert!(s.head("x.example").is_err());
    }
}
