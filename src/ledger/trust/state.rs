//! The verifier's memory: the newest verified checkpoint of each origin,
//! one file per origin in a state directory, as Go's checksum-database
//! client keeps its latest signed tree head. The next verification checks
//! the ledger against it (`ROLLBACK`, `FORK`).
//!
//! The state only moves forward: it is written after a verification that
//! found no violation, under a lock, never with a smaller tree than the one
//! remembered, and atomically (temporary file, fsync, rename, fsync of the
//! directory), so a crash leaves either the old or the new checkpoint. It
//! is the only thing `iss verify` writes, and never inside the ledger.

use super::anchor::{Anchor, parse_note};
use crate::ledger::model::trust::VerifiedCheckpoint;
use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The default state directory: `$XDG_STATE_HOME/iss` when that is an
/// absolute path (the XDG spec ignores a relative one), else
/// `$HOME/.local/state/iss`; `None` when neither is set.
pub fn default_dir(xdg_state_home: Option<&str>, home: Option<&str>) -> Option<PathBuf> {
    match (xdg_state_home, home) {
        (Some(x), _) if Path::new(x).is_absolute() => Some(Path::new(x).join("iss")),
        (_, Some(h)) if !h.is_empty() => Some(Path::new(h).join(".local/state/iss")),
        _ => None,
    }
}

/// The file remembering `origin` in `dir`: `checkpoints/<origin>.checkpoint`
/// with every byte other than ASCII letters, digits, `-`, `_` and a
/// non-leading `.` written as `%XX` (an origin holds `/`). The file is a
/// checkpoint note, so `--trust` reads it too.
pub fn file_for(dir: &Path, origin: &str) -> PathBuf {
    let mut name = String::new();
    for (i, b) in origin.bytes().enumerate() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (b == b'.' && i > 0) {
            name.push(char::from(b));
        } else {
            let _ = write!(name, "%{b:02X}");
        }
    }
    dir.join("checkpoints").join(format!("{name}.checkpoint"))
}

/// The checkpoint remembered for `origin`: `Ok(None)` when none was yet
/// (the file does not exist), an error when it exists but cannot be read
/// or is not a checkpoint of that origin: a state that cannot be read is
/// never taken for an empty one.
pub fn load(dir: &Path, origin: &str) -> Result<Option<Anchor>, String> {
    let path = file_for(dir, origin);
    let shown = path.display();
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!(
                "the remembered checkpoint {shown} cannot be read ({e}): a rollback or fork of {origin} cannot be checked; fix its permissions, or verify with --no-state"
            ));
        }
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("the remembered checkpoint {shown} is not UTF-8 text"))?;
    let anchor = parse_note(&text, &shown.to_string()).map_err(|e| {
        format!("{e}: the remembered state is damaged; remove the file to start over, or verify with --no-state")
    })?;
    if anchor.origin != origin {
        return Err(format!(
            "the remembered checkpoint {shown} is of origin {:?}, expected {origin:?}",
            anchor.origin
        ));
    }
    Ok(Some(anchor))
}

/// Remember `latest` (each origin's newest verified checkpoint) in `dir`,
/// never replacing a larger remembered tree; returns the origins written.
pub fn remember(dir: &Path, latest: &[VerifiedCheckpoint]) -> Result<Vec<String>, String> {
    if latest.is_empty() {
        return Ok(Vec::new()); // nothing to remember: create nothing
    }
    let folder = dir.join("checkpoints");
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&folder)
        .map_err(|e| {
            format!(
                "cannot create the state directory {}: {e}",
                folder.display()
            )
        })?;
    // One writer at a time, so two verifiers cannot interleave a read and
    // a write and move the state backwards.
    let lock_path = dir.join(".lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&lock_path)
        .map_err(|e| format!("cannot open the state lock {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    let mut saved = Vec::new();
    for cp in latest {
        if let Some(old) = load(dir, &cp.origin)?
            && old.size >= cp.size
        {
            continue;
        }
        write_atomic(&file_for(dir, &cp.origin), cp.note.as_bytes())?;
        saved.push(cp.origin.clone());
    }
    if !saved.is_empty() {
        File::open(&folder)
            .and_then(|d| d.sync_all())
            .map_err(|e| format!("cannot sync {}: {e}", folder.display()))?;
    }
    drop(lock);
    Ok(saved)
}

/// Write `bytes` to `path` through a temporary file beside it, fsynced
/// before the rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let res = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    res.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        format!(
            "cannot write the remembered checkpoint {}: {e}",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp(size: u64, root: u8) -> VerifiedCheckpoint {
        VerifiedCheckpoint {
            origin: "iss.test/l/descriptors".into(),
            size,
            root: hex::encode([root; 32]),
            note: format!(
                "iss.test/l/descriptors\n{size}\n{}\n\n— sig\n",
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [root; 32])
            ),
        }
    }

    #[test]
    fn the_default_dir_follows_xdg_and_home() {
        assert_eq!(
            default_dir(Some("/x"), Some("/h")),
            Some(PathBuf::from("/x/iss"))
        );
        assert_eq!(
            default_dir(Some("rel"), Some("/h")),
            Some(PathBuf::from("/h/.local/state/iss"))
        );
        assert_eq!(default_dir(None, None), None);
    }

    #[test]
    fn origins_become_safe_file_names() {
        let f = file_for(Path::new("/s"), "iss.local/L/descriptors");
        assert_eq!(
            f,
            Path::new("/s/checkpoints/iss.local%2FL%2Fdescriptors.checkpoint")
        );
        let f = file_for(Path::new("/s"), "../x");
        assert_eq!(f, Path::new("/s/checkpoints/%2E.%2Fx.checkpoint"));
    }

    #[test]
    fn the_state_moves_forward_only() {
        let dir = tempfile::tempdir().unwrap();
        let o = "iss.test/l/descriptors";
        assert_eq!(load(dir.path(), o).unwrap(), None);
        assert_eq!(remember(dir.path(), &[cp(5, 1)]).unwrap(), [o]);
        assert_eq!(load(dir.path(), o).unwrap().unwrap().size, 5);
        // A smaller tree is never remembered over a larger one.
        assert!(remember(dir.path(), &[cp(3, 2)]).unwrap().is_empty());
        assert_eq!(load(dir.path(), o).unwrap().unwrap().size, 5);
        assert_eq!(remember(dir.path(), &[cp(8, 3)]).unwrap(), [o]);
        let a = load(dir.path(), o).unwrap().unwrap();
        assert_eq!((a.size, a.root), (8, [3; 32]));
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(dir.path().join("checkpoints"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn a_damaged_state_is_an_error_not_an_empty_state() {
        let dir = tempfile::tempdir().unwrap();
        let o = "iss.test/l/descriptors";
        let f = file_for(dir.path(), o);
        fs::create_dir_all(f.parent().unwrap()).unwrap();
        fs::write(&f, "garbage\n").unwrap();
        let e = load(dir.path(), o).unwrap_err();
        assert!(e.contains("damaged") && e.contains("--no-state"), "{e}");
        assert!(remember(dir.path(), &[cp(8, 3)]).is_err());
        assert_eq!(fs::read_to_string(&f).unwrap(), "garbage\n");
    }
}
