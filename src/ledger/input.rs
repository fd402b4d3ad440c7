//! Opening what a user points at without ever blocking, and reading a
//! stream exactly once.
//!
//! Verification reads a ledger file more than once (discovery looks at its
//! first line, the verifiers walk it, a report reads it again). A regular
//! file gives the same bytes every time; a pipe (`<(zcat x.gz)`,
//! `/dev/stdin`, `-`) gives them once, and a named pipe with no writer
//! makes a plain `open` wait for ever. So:
//!
//! - every reader of a ledger file opens it with [`open_regular`]: the open
//!   never blocks (`O_NONBLOCK`, then the file type is checked on the open
//!   descriptor), and anything but a regular file is refused with an error
//!   that says what it is (a named pipe, a directory, a device);
//! - a command that only reads may accept a stream: [`spool`] copies it
//!   once into an unnamed temporary file (bounded by a byte limit) and
//!   registers it under the path the user gave, so every later
//!   [`open_regular`] of that path reads the same bytes, and reports keep
//!   naming the path as given;
//! - [`classify`] says what a path is from its metadata alone (it never
//!   opens), for commands that refuse streams before doing anything.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// The path that names standard input.
pub const STDIN: &str = "-";

/// The most bytes [`spool`] copies from a stream by default (4 GiB): a
/// legacy ledger of several million pulses fits; a device that never ends
/// (`/dev/zero`) is refused instead of filling the disk.
pub const STREAM_LIMIT: u64 = 4 << 30;

/// What a path names, from its metadata (following links).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A regular file: it can be read as often as needed.
    Regular,
    /// A directory.
    Directory,
    /// Something that gives its bytes once or not at all: standard input,
    /// a pipe, a named pipe, a socket or a device. The text says which.
    Stream(&'static str),
    /// Nothing is there (or its metadata cannot be read): the command's own
    /// error will say so.
    Absent,
}

/// What a path names, without opening it.
pub fn classify(path: &Path) -> InputKind {
    if path.as_os_str() == STDIN {
        return InputKind::Stream("standard input");
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => InputKind::Regular,
        Ok(m) if m.is_dir() => InputKind::Directory,
        Ok(m) => InputKind::Stream(describe(m.file_type())),
        Err(_) => InputKind::Absent,
    }
}

/// A word for a file type that is neither a regular file nor a directory.
fn describe(t: std::fs::FileType) -> &'static str {
    if t.is_fifo() {
        "a pipe"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Streams copied by [`spool`], by the path the user gave.
static SPOOLED: Mutex<Option<HashMap<PathBuf, Arc<File>>>> = Mutex::new(None);

fn spooled(path: &Path) -> Option<Arc<File>> {
    SPOOLED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()?
        .get(path)
        .cloned()
}

/// Whether `path` was copied by [`spool`]: it is then one regular file,
/// whatever its metadata says.
pub fn is_spooled(path: &Path) -> bool {
    spooled(path).is_some()
}

/// Why a stream could not be taken in.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpoolError {
    /// Reading the stream failed.
    #[error("{path}: cannot read {what}: {error}")]
    Io {
        /// The path given.
        path: PathBuf,
        /// What it is (a pipe, standard input, ...).
        what: &'static str,
        /// The operating system's reason (in the message: not repeated as a cause).
        error: io::Error,
    },
    /// The temporary copy could not be made (no space in `$TMPDIR`, ...).
    #[error(
        "{path}: cannot copy {what} into a temporary file in {dir} (a stream is read once, into that copy): {error}"
    )]
    Copy {
        /// The path given.
        path: PathBuf,
        /// What it is.
        what: &'static str,
        /// Where temporary files go.
        dir: PathBuf,
        /// The operating system's reason (in the message: not repeated as a cause).
        error: io::Error,
    },
    /// The stream gave no byte at all.
    #[error(
        "{path}: {what} gave no bytes (a named pipe with no writer yet, or an empty stream): nothing to read; \
         start the writer first, or save the stream to a file"
    )]
    Empty {
        /// The path given.
        path: PathBuf,
        /// What it is.
        what: &'static str,
    },
    /// The stream is longer than the limit.
    #[error(
        "{path}: {what} is longer than {limit} bytes, the most iss copies from a stream; save it to a file and give the file"
    )]
    TooLong {
        /// The path given.
        path: PathBuf,
        /// What it is.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
}

/// Read the stream at `path` (`-`: standard input) to its end, once, into
/// an unnamed temporary file (removed by the system when the process
/// ends), and register it so that [`open_regular`] of `path` reads those
/// bytes. At most `limit` bytes are taken; a longer stream, an empty one
/// and a read error are refused. A named pipe with no writer gives no
/// bytes at once rather than waiting for one.
pub fn spool(path: &Path, limit: u64) -> Result<(), SpoolError> {
    if is_spooled(path) {
        return Ok(());
    }
    let what = match classify(path) {
        InputKind::Stream(w) => w,
        _ => "the file",
    };
    let read_err = |error| SpoolError::Io {
        path: path.to_owned(),
        what,
        error,
    };
    let copy_err = |error| SpoolError::Copy {
        path: path.to_owned(),
        what,
        dir: std::env::temp_dir(),
        error,
    };
    let mut copy = tempfile::tempfile().map_err(copy_err)?;
    let copied = if path.as_os_str() == STDIN {
        copy_at_most(io::stdin().lock(), &mut copy, limit)
    } else {
        let from = open_nonblocking(path)
            .and_then(|f| blocking(&f).map(|()| f))
            .map_err(read_err)?;
        copy_at_most(from, &mut copy, limit)
    }
    .map_err(|e| match e {
        Side::Read(e) => read_err(e),
        Side::Write(e) => copy_err(e),
    })?;
    if copied == 0 {
        return Err(SpoolError::Empty {
            path: path.to_owned(),
            what,
        });
    }
    if copied > limit {
        return Err(SpoolError::TooLong {
            path: path.to_owned(),
            what,
            limit,
        });
    }
    copy.flush().map_err(copy_err)?;
    SPOOLED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get_or_insert_with(HashMap::new)
        .insert(path.to_owned(), Arc::new(copy));
    Ok(())
}

/// Which side of a copy failed.
enum Side {
    Read(io::Error),
    Write(io::Error),
}

/// Copy at most `limit + 1` bytes (one more tells a longer stream apart).
fn copy_at_most(from: impl Read, to: &mut File, limit: u64) -> Result<u64, Side> {
    let mut from = from.take(limit.saturating_add(1));
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Side::Read(e)),
        };
        to.write_all(&buf[..n]).map_err(Side::Write)?;
        total += n as u64;
    }
}

/// Open for reading without waiting: a named pipe with no writer opens at
/// once instead of blocking until one comes.
fn open_nonblocking(path: &Path) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits().cast_signed())
        .open(path)
}

/// Make reads on `f` wait for data again (a pipe with a writer then gives
/// all its bytes; one without a writer gives end of file at once).
fn blocking(f: &File) -> io::Result<()> {
    let flags = rustix::fs::fcntl_getfl(f)?;
    rustix::fs::fcntl_setfl(f, flags - rustix::fs::OFlags::NONBLOCK)?;
    Ok(())
}

/// Open a ledger file for reading, never blocking: the registered copy of a
/// stream taken in by [`spool`] (a fresh handle each time, reading from its
/// start), else the file itself, refused with
/// [`io::ErrorKind::InvalidInput`] unless it is a regular file. Every
/// reader of a ledger file goes through here.
pub fn open_regular(path: &Path) -> io::Result<File> {
    if let Some(copy) = spooled(path) {
        // A new open file description: its own offset, from the start.
        return File::open(format!("/proc/self/fd/{}", copy.as_raw_fd()));
    }
    let f = open_nonblocking(path)?;
    let t = f.metadata()?.file_type();
    if !t.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {}, not a regular file", describe(t)),
        ));
    }
    blocking(&f)?;
    Ok(f)
}

/// [`open_regular`], then read the whole file (what `std::fs::read` does,
/// without blocking on a named pipe).
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let mut f = open_regular(path)?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Read a document that is read once (a proof, a descriptor's JSON): a
/// regular file or a stream, at most `limit` bytes, never waiting for a
/// named pipe's writer (no writer: no bytes). `-` is standard input.
pub fn read_once(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path.as_os_str() == STDIN {
        io::stdin()
            .lock()
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)?;
    } else if let Some(copy) = spooled(path) {
        File::open(format!("/proc/self/fd/{}", copy.as_raw_fd()))?
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)?;
    } else {
        let f = open_nonblocking(path)?;
        if f.metadata()?.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "it is a directory, not a file",
            ));
        }
        blocking(&f)?;
        f.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    }
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("it is longer than {limit} bytes"),
        ));
    }
    Ok(bytes)
}

/// [`read_once`] as UTF-8 text.
pub fn read_once_to_string(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_once(path, limit)?).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("it is not UTF-8 text: {e}"),
        )
    })
}

/// Whether something is at `path` as far as a ledger's layout is
/// concerned: any kind of file, or a name whose metadata cannot be read
/// (the reader will then say why it cannot be read). Only a name that does
/// not exist is absent.
pub fn present(path: &Path) -> bool {
    match std::fs::metadata(path) {
        Ok(_) => true,
        Err(e) => e.kind() != io::ErrorKind::NotFound,
    }
}

/// Tests only: make reads of a file fail part-way, as a failing disk does
/// (`EIO` after a number of bytes), for every reader that goes through
/// [`crate::ledger::io::scan::open`] (all verifiers' line walks).
#[cfg(test)]
pub mod fault {
    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, PoisonError};

    static FAULTS: Mutex<Vec<(PathBuf, u64)>> = Mutex::new(Vec::new());

    /// Removes its fault when dropped.
    #[derive(Debug)]
    pub struct FaultGuard(PathBuf);

    impl Drop for FaultGuard {
        fn drop(&mut self) {
            FAULTS
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .retain(|(p, _)| *p != self.0);
        }
    }

    fn canonical(path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }

    /// Reads of `path` fail with `EIO` once `after` bytes were read.
    pub fn fail_reads_after(path: &Path, after: u64) -> FaultGuard {
        let p = canonical(path);
        FAULTS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((p.clone(), after));
        FaultGuard(p)
    }

    /// The fault injected for `path`, if any.
    pub fn read_fault(path: &Path) -> Option<u64> {
        let p = canonical(path);
        FAULTS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|(f, _)| *f == p)
            .map(|(_, n)| *n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn mkfifo(path: &Path) {
        rustix::fs::mkfifoat(rustix::fs::CWD, path, rustix::fs::Mode::from(0o600)).unwrap();
    }

    #[test]
    fn a_named_pipe_is_refused_at_once_and_says_what_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("spice_chain.jsonl");
        mkfifo(&fifo);
        let start = Instant::now();
        let e = open_regular(&fifo).unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(5));
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(
            e.to_string().contains("it is a pipe, not a regular file"),
            "{e}"
        );
        assert_eq!(classify(&fifo), InputKind::Stream("a pipe"));
        assert!(present(&fifo));
    }

    #[test]
    fn a_directory_is_refused_and_a_regular_file_opens() {
        let dir = tempfile::tempdir().unwrap();
        let e = open_regular(dir.path()).unwrap_err();
        assert!(e.to_string().contains("is a directory"), "{e}");
        let f = dir.path().join("a.jsonl");
        std::fs::write(&f, b"x\n").unwrap();
        assert_eq!(read_regular(&f).unwrap(), b"x\n");
        assert!(!present(&dir.path().join("nothing")));
    }

    #[test]
    fn a_spooled_pipe_reads_the_same_bytes_every_time() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("stream");
        mkfifo(&fifo);
        // A reader held open lets the writer open without waiting; the
        // bytes stay in the pipe after the writer closes, for as long as a
        // reader holds it.
        let held = open_nonblocking(&fifo).unwrap();
        let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        w.write_all(b"line one\nline two\n").unwrap();
        drop(w);
        spool(&fifo, 1 << 20).unwrap();
        drop(held);
        assert!(is_spooled(&fifo));
        for _ in 0..3 {
            assert_eq!(read_regular(&fifo).unwrap(), b"line one\nline two\n");
        }
    }

    #[test]
    fn a_pipe_without_a_writer_gives_no_bytes_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("lonely");
        mkfifo(&fifo);
        let start = Instant::now();
        let e = spool(&fifo, 1 << 20).unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(matches!(e, SpoolError::Empty { .. }), "{e}");
        assert!(e.to_string().contains("no writer"), "{e}");
        assert!(read_once(&fifo, 10).unwrap().is_empty());
    }

    #[test]
    fn a_stream_longer_than_the_limit_is_refused() {
        let e = spool(Path::new("/dev/zero"), 4096).unwrap_err();
        assert!(matches!(e, SpoolError::TooLong { limit: 4096, .. }), "{e}");
        assert!(!is_spooled(Path::new("/dev/zero")));
        let e = read_once(Path::new("/dev/zero"), 10).unwrap_err();
        assert!(e.to_string().contains("longer than 10 bytes"), "{e}");
    }
}
