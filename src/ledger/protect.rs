//! The operating system's own protection of ledger files: the Linux
//! append-only attribute (`chattr +a`, `FS_APPEND_FL`).
//!
//! A hash chain detects changes after the fact; the append-only attribute
//! prevents them: the kernel then refuses any write that is not an append,
//! any truncation, rename or deletion, even by the file's owner, until
//! someone with `CAP_LINUX_IMMUTABLE` clears it. Appends through
//! `ledger::append` keep working (they open with `O_APPEND`). The immutable
//! attribute (`+i`) is never set: it also refuses appends, which is how the
//! legacy service broke its own next write (`LEGACY_FORMAT.md`).
//!
//! Reading the attribute is read-only (`FS_IOC_GETFLAGS` on a handle opened
//! for reading) and is part of verification; setting it is `iss protect`.
//! Not every file system keeps these attributes, and setting them needs
//! `CAP_LINUX_IMMUTABLE`: both are reported per file, never guessed.

use rustix::fs::{IFlags, ioctl_getflags, ioctl_setflags};
use rustix::io::Errno;
use serde::Serialize;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

/// A file's protection attribute as the kernel reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OsAttribute {
    /// `+a`: only appends are allowed.
    AppendOnly,
    /// `+i`: no change at all, appends included.
    Immutable,
    /// Neither: the file system would let anyone with write permission
    /// rewrite the file.
    None,
    /// The attribute could not be read.
    Unknown {
        /// Why (for example: the file system does not support attributes).
        reason: String,
    },
}

impl OsAttribute {
    /// A short label for text output.
    pub fn label(&self) -> &'static str {
        match self {
            OsAttribute::AppendOnly => "append-only",
            OsAttribute::Immutable => "immutable",
            OsAttribute::None => "none",
            OsAttribute::Unknown { .. } => "unknown",
        }
    }
}

/// What `iss protect` did to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ProtectOutcome {
    /// The attribute was changed as asked (set, or cleared).
    Changed,
    /// It was already as asked; nothing changed.
    Unchanged,
    /// The file is immutable: left as it is (appends to it fail until
    /// someone clears `+i` with `chattr -i`).
    Immutable,
    /// The kernel refused: the reason says what is missing.
    NotPermitted {
        /// Why.
        reason: String,
    },
    /// The file system does not support the attribute, or the file could
    /// not be opened.
    Unsupported {
        /// Why.
        reason: String,
    },
}

/// One file's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Protected {
    /// The file.
    pub path: PathBuf,
    /// What happened.
    #[serde(flatten)]
    pub outcome: ProtectOutcome,
}

/// Read the protection attribute of `path` (read-only).
pub fn read_attribute(path: &Path) -> OsAttribute {
    match read_flags(path) {
        Ok(flags) if flags.contains(IFlags::IMMUTABLE) => OsAttribute::Immutable,
        Ok(flags) if flags.contains(IFlags::APPEND) => OsAttribute::AppendOnly,
        Ok(_) => OsAttribute::None,
        Err(reason) => OsAttribute::Unknown { reason },
    }
}

/// Set the append-only attribute on `path`, keeping its other attributes.
pub fn set_append_only(path: &Path) -> ProtectOutcome {
    change_append_only(path, true)
}

/// Clear the append-only attribute (needs `CAP_LINUX_IMMUTABLE` too).
/// For tests and for an operator who must rotate a ledger away.
pub fn clear_append_only(path: &Path) -> ProtectOutcome {
    change_append_only(path, false)
}

fn change_append_only(path: &Path, on: bool) -> ProtectOutcome {
    let file = match open_regular(path) {
        Ok(f) => f,
        Err(reason) => return ProtectOutcome::Unsupported { reason },
    };
    let flags = match ioctl_getflags(&file) {
        Ok(f) => f,
        Err(e) => {
            return ProtectOutcome::Unsupported {
                reason: explain(e, "reading the attributes"),
            };
        }
    };
    if on && flags.contains(IFlags::IMMUTABLE) {
        return ProtectOutcome::Immutable;
    }
    if flags.contains(IFlags::APPEND) == on {
        return ProtectOutcome::Unchanged;
    }
    let wanted = if on {
        flags | IFlags::APPEND
    } else {
        flags - IFlags::APPEND
    };
    match ioctl_setflags(&file, wanted) {
        Ok(()) => ProtectOutcome::Changed,
        Err(e) if e == Errno::PERM || e == Errno::ACCESS => ProtectOutcome::NotPermitted {
            reason: format!(
                "{}: changing the append-only attribute needs CAP_LINUX_IMMUTABLE (run as root, or grant the capability)",
                Errno::PERM
            ),
        },
        Err(e) => ProtectOutcome::Unsupported {
            reason: explain(e, "setting the attributes"),
        },
    }
}

fn read_flags(path: &Path) -> Result<IFlags, String> {
    let file = open_regular(path)?;
    ioctl_getflags(&file).map_err(|e| explain(e, "reading the attributes"))
}

/// Open a regular file for reading: a FIFO swapped in would block the open.
fn open_regular(path: &Path) -> Result<File, String> {
    match fs::metadata(path) {
        Ok(m) if m.is_file() => {}
        Ok(_) => return Err("not a regular file".into()),
        Err(e) => return Err(format!("cannot open: {e}")),
    }
    File::open(path).map_err(|e| format!("cannot open: {e}"))
}

/// The OS error, with what it means here.
fn explain(e: Errno, doing: &str) -> String {
    if e == Errno::NOTTY || e == Errno::NOSYS || e == Errno::OPNOTSUPP || e == Errno::INVAL {
        format!("{e} while {doing}: this file system does not support file attributes")
    } else {
        format!("{e} while {doing}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_file_reads_as_none_or_unknown_with_a_reason() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("f.jsonl");
        fs::write(&p, "{}\n").expect("write");
        match read_attribute(&p) {
            OsAttribute::None => {}
            OsAttribute::Unknown { reason } => {
                println!("attributes not readable here: {reason}");
                assert!(!reason.is_empty());
            }
            other => panic!("a fresh file is not protected: {other:?}"),
        }
    }

    #[test]
    fn what_cannot_be_opened_is_unknown_with_the_reason() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("missing");
        assert!(
            matches!(read_attribute(&missing), OsAttribute::Unknown { reason } if reason.contains("cannot open"))
        );
        assert!(
            matches!(read_attribute(dir.path()), OsAttribute::Unknown { reason } if reason == "not a regular file")
        );
        assert!(matches!(
            set_append_only(&missing),
            ProtectOutcome::Unsupported { .. }
        ));
    }

    /// Capabilities are per thread on Linux: a thread that drops
    /// `CAP_LINUX_IMMUTABLE` shows what an unprivileged user gets.
    #[test]
    fn without_the_capability_the_refusal_says_what_is_missing() {
        use rustix::thread::{CapabilitySet, capabilities, set_capabilities};
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("f.jsonl");
        fs::write(&p, "{}\n").expect("write");
        let outcome = std::thread::spawn(move || {
            let mut caps = capabilities(None).map_err(|e| e.to_string())?;
            caps.effective -= CapabilitySet::LINUX_IMMUTABLE;
            set_capabilities(None, caps).map_err(|e| e.to_string())?;
            Ok::<_, String>(set_append_only(&p))
        })
        .join()
        .expect("thread");
        match outcome {
            Ok(ProtectOutcome::NotPermitted { reason }) => {
                assert!(reason.contains("CAP_LINUX_IMMUTABLE"), "{reason}");
            }
            // The file system has no attributes at all: that is said instead.
            Ok(ProtectOutcome::Unsupported { reason }) => {
                println!("could not check the permission path: {reason}");
            }
            Ok(other) => panic!("set without CAP_LINUX_IMMUTABLE: {other:?}"),
            Err(e) => {
                println!("could not drop the capability here ({e}): permission path not checked");
            }
        }
    }

    #[test]
    fn json_shapes() {
        let unknown = OsAttribute::Unknown { reason: "r".into() };
        assert_eq!(
            serde_json::to_string(&unknown).expect("json"),
            r#"{"state":"unknown","reason":"r"}"#
        );
        assert_eq!(
            serde_json::to_string(&OsAttribute::AppendOnly).expect("json"),
            r#"{"state":"append_only"}"#
        );
        let p = Protected {
            path: "x".into(),
            outcome: ProtectOutcome::NotPermitted { reason: "r".into() },
        };
        assert_eq!(
            serde_json::to_string(&p).expect("json"),
            r#"{"path":"x","outcome":"not_permitted","reason":"r"}"#
        );
    }
}
