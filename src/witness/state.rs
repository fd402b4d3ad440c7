//! The witness's memory: for each log, the latest checkpoint it cosigned.
//!
//! Two slot files per log in the state directory, `<hash>.0` and
//! `<hash>.1`, named by the lower-case hex SHA-256 of the origin (the name
//! the monitoring endpoint uses). Each holds one record: a header line
//! `iss-witness-state v1 <seq> <len> <sha256 hex>` and then the checkpoint
//! note exactly as the witness cosigned it (the log's signatures and the
//! witness's cosignature), `len` bytes whose SHA-256 is the header's. The
//! newest state is the valid record with the highest `seq`.
//!
//! A new state overwrites the *other* slot in place and is fdatasynced
//! before the witness answers: one flush per request (a temporary file,
//! rename and directory fsync cost two). A crash in the middle of that
//! write leaves a slot whose hash does not match, and the previous state
//! in the other slot: never a mixture, and a cosignature that left the
//! witness is never forgotten (its slot was durable before the answer).
//! The slots are created once (written, fsynced, and the directory
//! fsynced) with room for typical notes, so later writes change no
//! metadata the flush would have to commit.

use crate::tlog::checkpoint::Checkpoint;
use crate::tlog::witness::TreeHead;
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The first word of a slot's header.
const MAGIC: &str = "iss-witness-state v1";

/// A slot file's size when created (a note with a few signatures fits;
/// a larger one grows the file, which the flush then also commits).
const SLOT_BYTES: u64 = 4096;

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

    fn slot_path(&self, origin: &str, slot: u64) -> PathBuf {
        self.dir.join(format!("{}.{slot}", origin_hash(origin)))
    }

    /// The newest valid record of `origin`: its sequence number, slot and
    /// note (`None`: the witness never cosigned for it).
    fn newest(&self, origin: &str) -> Result<Option<(u64, u64, String)>, String> {
        let mut best: Option<(u64, u64, String)> = None;
        let mut present = false;
        for slot in [0, 1] {
            let path = self.slot_path(origin, slot);
            let bytes = match fs::read(&path) {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(format!("{}: {e}", path.display())),
            };
            present = true;
            if let Some((seq, note)) = parse_record(&bytes)
                && best.as_ref().is_none_or(|(s, _, _)| seq > *s)
            {
                best = Some((seq, slot, note));
            }
        }
        if present && best.is_none() {
            // Both slots torn or not ours: the witness must not guess (an
            // empty state would accept a rollback).
            return Err(format!(
                "{}: no slot holds a whole state record",
                self.slot_path(origin, 0).display()
            ));
        }
        Ok(best)
    }

    /// The stored note of `origin`, if the witness ever cosigned one.
    pub fn note(&self, origin: &str) -> Result<Option<String>, String> {
        Ok(self.newest(origin)?.map(|(_, _, note)| note))
    }

    /// The tree head last cosigned for `origin` (`None`: never). A record
    /// that does not hold a checkpoint of that origin is an error: the
    /// witness must not guess, or it could be made to accept a rollback.
    pub fn head(&self, origin: &str) -> Result<Option<TreeHead>, String> {
        let Some(note) = self.note(origin)? else {
            return Ok(None);
        };
        let path = self.slot_path(origin, 0);
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

    /// Durably records `note` as the state of `origin` (see the module
    /// comment). The caller holds the log's lock: stores of one origin
    /// never run at once.
    pub fn store(&self, origin: &str, note: &str) -> Result<(), String> {
        let (seq, slot) = match self.newest(origin)? {
            Some((seq, slot, _)) => (seq + 1, 1 - slot),
            None => (1, 0),
        };
        let path = self.slot_path(origin, slot);
        let fail = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
        let record = format!(
            "{MAGIC} {seq} {} {}\n{note}",
            note.len(),
            hex::encode(Sha256::digest(note.as_bytes()))
        );
        let created = !path.exists();
        let f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| fail(&path, e))?;
        if created {
            f.set_len(SLOT_BYTES).map_err(|e| fail(&path, e))?;
        }
        f.write_all_at(record.as_bytes(), 0)
            .map_err(|e| fail(&path, e))?;
        if created {
            // A new file: its size and its name must be durable too.
            f.sync_all().map_err(|e| fail(&path, e))?;
            File::open(&self.dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| fail(&self.dir, e))?;
        } else {
            f.sync_data().map_err(|e| fail(&path, e))?;
        }
        Ok(())
    }
}

/// The sequence number and note of a slot's bytes, when they hold a whole
/// record (bytes after it are an older, longer record's rest, ignored).
fn parse_record(bytes: &[u8]) -> Option<(u64, String)> {
    let nl = bytes.iter().position(|&b| b == b'\n')?;
    let header = std::str::from_utf8(&bytes[..nl]).ok()?;
    let mut words = header.strip_prefix(MAGIC)?.strip_prefix(' ')?.split(' ');
    let seq: u64 = words.next()?.parse().ok()?;
    let len: usize = words.next()?.parse().ok()?;
    let hash = words.next()?;
    if words.next().is_some() {
        return None;
    }
    let body = bytes.get(nl + 1..nl + 1 + len)?;
    if hex::encode(Sha256::digest(body)) != hash {
        return None;
    }
    Some((seq, String::from_utf8(body.to_vec()).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str = "example.com/log\n2\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n\n\u{2014} example.com/log AAAAAQ==\n";
    const ORIGIN: &str = "example.com/log";

    fn size(n: u64) -> String {
        NOTE.replace("\n2\n", &format!("\n{n}\n"))
    }

    #[test]
    fn store_then_head_round_trips_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::open(dir.path()).unwrap();
        assert_eq!(s.head(ORIGIN).unwrap(), None);
        for n in [2, 3, 4] {
            s.store(ORIGIN, &size(n)).unwrap();
            assert_eq!(s.head(ORIGIN).unwrap().unwrap().size, n);
            assert_eq!(s.note(ORIGIN).unwrap().unwrap(), size(n));
        }
        // The two slots and nothing else.
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let h = origin_hash(ORIGIN);
        assert_eq!(names, [format!("{h}.0"), format!("{h}.1")]);
    }

    #[test]
    fn a_torn_newest_slot_leaves_the_previous_state() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::open(dir.path()).unwrap();
        s.store(ORIGIN, &size(2)).unwrap(); // slot 0
        s.store(ORIGIN, &size(3)).unwrap(); // slot 1
        // A crash in the middle of the write of slot 1: its note changed.
        let slot1 = s.slot_path(ORIGIN, 1);
        let mut bytes = fs::read(&slot1).unwrap();
        let at = bytes.iter().position(|&b| b == b'\n').unwrap() + 20;
        bytes[at] ^= 1;
        fs::write(&slot1, &bytes).unwrap();
        assert_eq!(s.head(ORIGIN).unwrap().unwrap().size, 2);
        // The next state goes to the torn slot, and is the newest.
        s.store(ORIGIN, &size(5)).unwrap();
        assert_eq!(s.head(ORIGIN).unwrap().unwrap().size, 5);
    }

    #[test]
    fn a_shorter_record_over_a_longer_one_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::open(dir.path()).unwrap();
        let long = format!("{}\u{2014} w.example {}\n", size(2), "A".repeat(5000));
        s.store(ORIGIN, &long).unwrap(); // slot 0, grown past its first size
        s.store(ORIGIN, &size(3)).unwrap(); // slot 1
        s.store(ORIGIN, &size(4)).unwrap(); // slot 0 again, shorter
        assert_eq!(s.note(ORIGIN).unwrap().unwrap(), size(4));
    }

    #[test]
    fn a_record_of_another_origin_or_garbage_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::open(dir.path()).unwrap();
        s.store(ORIGIN, NOTE).unwrap();
        fs::copy(s.slot_path(ORIGIN, 0), s.slot_path("other.example", 0)).unwrap();
        assert!(s.head("other.example").unwrap_err().contains("expected"));
        fs::write(s.slot_path("x.example", 1), "garbage").unwrap();
        assert!(
            s.head("x.example")
                .unwrap_err()
                .contains("no slot holds a whole state record")
        );
    }
}
