//! Files another thread of this process is still writing, read as they
//! grow: verification of a copy that a remote fetch streams in
//! (`docs/REMOTE.md`) reads each chain while its later entries are still
//! being fetched, instead of waiting for the whole copy first.
//!
//! The writer announces each file ([`Growing::start`]), says how far its
//! flushed bytes reach ([`Growing::grew`]), and ends it as complete
//! ([`Growing::done`]) or failed ([`Growing::fail`]). A reader wrapped with
//! [`Growing::wrap`] that reaches the current end of the file waits for
//! more bytes instead of seeing an end of file: it sees the end only once
//! the writer said the file is complete, and an error if the writer
//! failed. So the reader reads exactly the bytes of the finished file, as
//! it would have after the fact, and never judges a file cut short by the
//! fetch. A writer that goes away without ending a file (a panic) fails it
//! (see [`WriterGuard`]): a reader never waits forever.

use std::collections::HashMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// Where a file being written stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Still written; this many bytes are flushed.
    Writing(u64),
    /// Complete: every byte is in the file.
    Done,
    /// The writer stopped on an error: the file is not complete.
    Failed(String),
}

#[derive(Debug, Default)]
struct Shared {
    files: Mutex<HashMap<PathBuf, State>>,
    changed: Condvar,
}

/// The files being written, shared by the writer and the readers.
#[derive(Debug, Clone, Default)]
pub struct Growing {
    shared: Arc<Shared>,
}

impl Growing {
    /// No file is being written yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn files(&self) -> MutexGuard<'_, HashMap<PathBuf, State>> {
        // A panic while holding the lock left a plain map: still usable.
        self.shared
            .files
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn set(&self, path: &Path, state: State) {
        self.files().insert(path.to_owned(), state);
        self.shared.changed.notify_all();
    }

    /// `path` is being written (it exists, empty or not): readers wait for
    /// its end.
    pub fn start(&self, path: &Path) {
        self.set(path, State::Writing(0));
    }

    /// `path`'s first `len` bytes are flushed to the file.
    pub fn grew(&self, path: &Path, len: u64) {
        self.set(path, State::Writing(len));
    }

    /// `path` is complete.
    pub fn done(&self, path: &Path) {
        self.set(path, State::Done);
    }

    /// The writer of `path` stopped on `why`: readers get an error.
    pub fn fail(&self, path: &Path, why: &str) {
        self.set(path, State::Failed(why.to_owned()));
    }

    /// Fail every file still being written (the writer is gone).
    pub fn fail_all(&self, why: &str) {
        let mut files = self.files();
        for state in files.values_mut() {
            if matches!(state, State::Writing(_)) {
                *state = State::Failed(why.to_owned());
            }
        }
        drop(files);
        self.shared.changed.notify_all();
    }

    /// A guard for the writer's thread: dropped before every file it
    /// started is ended (an early return, a panic), it fails them.
    pub fn guard(&self) -> WriterGuard {
        WriterGuard {
            growing: self.clone(),
        }
    }

    /// Wait until `path` has more than `at` bytes flushed (`Ok(true)`), is
    /// complete (`Ok(false)`: the caller reads what is left, then sees its
    /// end) or failed (the error). A file nobody writes is complete.
    fn wait(&self, path: &Path, at: u64) -> io::Result<bool> {
        let mut files = self.files();
        loop {
            match files.get(path) {
                None | Some(State::Done) => return Ok(false),
                Some(State::Failed(why)) => {
                    return Err(io::Error::other(format!(
                        "the copy stopped growing before its end: {why}"
                    )));
                }
                Some(State::Writing(len)) if *len > at => return Ok(true),
                Some(State::Writing(_)) => {
                    files = self
                        .shared
                        .changed
                        .wait(files)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
        }
    }

    /// `inner` (the file at `path`, read from its start) read as it grows
    /// when `growing` says `path` is being written; as it is otherwise.
    pub fn wrap<R: Read + Send + 'static>(
        growing: Option<&Growing>,
        path: &Path,
        inner: R,
    ) -> Box<dyn Read + Send> {
        match growing {
            Some(g) if g.files().contains_key(path) => Box::new(GrowingRead {
                inner,
                growing: g.clone(),
                path: path.to_owned(),
                at: 0,
            }),
            _ => Box::new(inner),
        }
    }
}

/// Fails the files its writer did not end (see [`Growing::guard`]).
#[derive(Debug)]
pub struct WriterGuard {
    growing: Growing,
}

impl Drop for WriterGuard {
    fn drop(&mut self) {
        self.growing
            .fail_all("the writer stopped without finishing it");
    }
}

struct GrowingRead<R> {
    inner: R,
    growing: Growing,
    path: PathBuf,
    at: u64,
}

impl<R: Read> Read for GrowingRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let n = self.inner.read(buf)?;
            if n > 0 {
                self.at += n as u64;
                return Ok(n);
            }
            // At the current end: read again once more bytes are flushed,
            // or once the file is complete (its last bytes may have been
            // flushed after the read above).
            if !self.growing.wait(&self.path, self.at)? {
                let n = self.inner.read(buf)?;
                self.at += n as u64;
                return Ok(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_reader_sees_every_byte_written_and_the_end_only_when_done() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chain.jsonl");
        let mut file = std::fs::File::create(&path).unwrap();
        let growing = Growing::new();
        growing.start(&path);
        let reader = Growing::wrap(Some(&growing), &path, std::fs::File::open(&path).unwrap());
        let read = std::thread::spawn(move || {
            let mut all = Vec::new();
            let mut reader = reader;
            reader.read_to_end(&mut all).unwrap();
            all
        });
        let mut written = Vec::new();
        for i in 0..200u32 {
            let line = format!("{{\"seq\":{i}}}\n");
            file.write_all(line.as_bytes()).unwrap();
            written.extend_from_slice(line.as_bytes());
            growing.grew(&path, written.len() as u64);
            if i % 50 == 0 {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
        growing.done(&path);
        assert_eq!(read.join().unwrap(), written);
    }

    #[test]
    fn a_failed_writer_is_an_error_for_the_reader_not_an_end_of_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chain.jsonl");
        std::fs::write(&path, b"{\"seq\":0}\n").unwrap();
        let growing = Growing::new();
        growing.start(&path);
        growing.grew(&path, 10);
        let mut reader = Growing::wrap(Some(&growing), &path, std::fs::File::open(&path).unwrap());
        let guard = growing.guard();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            drop(guard); // the writer went away without ending the file
        });
        let mut all = Vec::new();
        let e = reader.read_to_end(&mut all).unwrap_err();
        writer.join().unwrap();
        assert_eq!(all, b"{\"seq\":0}\n", "the flushed bytes are read first");
        assert!(e.to_string().contains("stopped growing"), "{e}");
    }

    #[test]
    fn a_file_nobody_writes_is_read_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chain.jsonl");
        std::fs::write(&path, b"abc\n").unwrap();
        let growing = Growing::new();
        let mut all = Vec::new();
        Growing::wrap(Some(&growing), &path, std::fs::File::open(&path).unwrap())
            .read_to_end(&mut all)
            .unwrap();
        assert_eq!(all, b"abc\n");
    }
}
