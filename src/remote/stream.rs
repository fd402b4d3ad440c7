//! A published ledger verified in one pass: the entries are fetched into
//! the private copy on a thread of their own while the ordinary verifier
//! reads the copy's chain files as they grow
//! ([`crate::ledger::io::growing`]), instead of the whole copy being
//! fetched first and read back after.
//!
//! Nothing is judged sooner or on other bytes than before: the verifier
//! sees the end of a chain file only once its fetch finished it (its last
//! bundle written, every hash tile compared), so it reads exactly the copy
//! the two-pass fetch made; a fetch that fails is an error for the reader,
//! and [`Streaming::finish`] returns that failure (no verdict), as
//! [`super::fetch`] does. The history and checkpoint of each chain are
//! written before its entries, since the verifier reads them first.
//!
//! Chains are fetched in the order the verifier reads them (`events`, whose
//! rotations decide the keys, then `descriptors`, then `pulses`).

use super::location::{Location, LocationError};
use super::mirror::{Mirror, Published, local};
use super::{Fetched, fetch_dir};
use crate::ledger::io::growing::Growing;
use crate::ledger::native::format::meta::{Chain, ChainPaths};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

/// The order the native verifier reads the chains in.
const VERIFY_ORDER: [Chain; 3] = [Chain::Events, Chain::Descriptors, Chain::Pulses];

/// A copy being fetched while it is verified (see the module docs).
#[derive(Debug)]
pub struct Streaming {
    growing: Growing,
    dir: Option<tempfile::TempDir>,
    thread: Option<JoinHandle<Result<Mirror, LocationError>>>,
    stop: Arc<AtomicBool>,
}

/// Start fetching the published location `arg` into a new private
/// directory: when this returns, the copy holds the metadata, each
/// published chain's checkpoint and history and its (empty, growing) chain
/// file; verify [`Streaming::dir`] with [`Streaming::growing`] in the
/// options, then [`Streaming::finish`].
pub fn start(arg: &Path) -> Result<Streaming, LocationError> {
    let location = Location::open(arg)?;
    let dir = fetch_dir()?;
    let (mirror, published) = Mirror::open(location, dir.path())?;
    let growing = Growing::new();
    for p in &published {
        p.write_notes(dir.path())?;
        growing.start(&ChainPaths::new(dir.path(), p.chain).file);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let thread = {
        let (growing, stop, dir) = (growing.clone(), Arc::clone(&stop), dir.path().to_owned());
        std::thread::Builder::new()
            .name("iss-remote-fetch".into())
            .spawn(move || fill_all(mirror, published, &dir, &growing, &stop))
            .map_err(|e| LocationError::Read {
                url: arg.display().to_string(),
                detail: format!("cannot start the fetch: {e}"),
            })?
    };
    Ok(Streaming {
        growing,
        dir: Some(dir),
        thread: Some(thread),
        stop,
    })
}

/// The fetch thread: every published chain filled in the verifier's order,
/// each announced as it grows and ended when complete; on an error every
/// chain not complete is failed for its readers.
fn fill_all(
    mut mirror: Mirror,
    mut published: Vec<Published>,
    dir: &Path,
    growing: &Growing,
    stop: &AtomicBool,
) -> Result<Mirror, LocationError> {
    let guard = growing.guard(); // a panic fails the chains not ended
    published.sort_by_key(|p| VERIFY_ORDER.iter().position(|&c| c == p.chain));
    for mut p in published {
        let path = ChainPaths::new(dir, p.chain).file;
        let file = p.file.take().ok_or_else(|| LocationError::Read {
            url: path.display().to_string(),
            detail: "the chain file was already taken".into(),
        })?;
        let mut out = Announced {
            inner: file,
            written: 0,
            growing,
            path: &path,
            stop,
        };
        if let Err(e) = mirror.fill(&p, &mut out, &mut |_| {}) {
            growing.fail_all(&e.to_string());
            return Err(e);
        }
        growing.done(&path);
    }
    drop(guard);
    Ok(mirror)
}

/// The chain file's writer, announcing to the readers how far the flushed
/// bytes reach after each flush (one per bundle); once `stop` is set (the
/// verification was given up) a flush fails, which ends the fetch.
struct Announced<'a, W: Write> {
    inner: W,
    written: u64,
    growing: &'a Growing,
    path: &'a PathBuf,
    stop: &'a AtomicBool,
}

impl<W: Write> Write for Announced<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(std::io::Error::other("the verification was given up"));
        }
        self.inner.flush()?;
        self.growing.grew(self.path, self.written);
        Ok(())
    }
}

impl Streaming {
    /// The copy to verify as a native ledger.
    pub fn dir(&self) -> &Path {
        self.dir
            .as_ref()
            .map_or(Path::new(""), tempfile::TempDir::path)
    }

    /// What the verifier's options carry so that it reads the chain files
    /// as they grow.
    pub fn growing(&self) -> Growing {
        self.growing.clone()
    }

    /// Wait for the fetch to end: the copy, complete, with what the fetch
    /// found (tiles, bundles), or the read that failed (no verdict then).
    pub fn finish(mut self) -> Result<Fetched, LocationError> {
        let mirror = self.join()?;
        let dir = self.dir.take().ok_or_else(|| LocationError::Read {
            url: String::new(),
            detail: "the copy was already taken".into(),
        })?;
        Ok(Fetched { mirror, _dir: dir })
    }

    fn join(&mut self) -> Result<Mirror, LocationError> {
        let thread = self.thread.take().ok_or_else(|| LocationError::Read {
            url: self.dir().display().to_string(),
            detail: "the fetch was already joined".into(),
        })?;
        thread.join().unwrap_or_else(|_| {
            Err(local(
                self.dir(),
                &std::io::Error::other("the fetch thread panicked"),
            ))
        })
    }
}

impl Drop for Streaming {
    /// Given up before the end (the verification failed to start): the
    /// fetch stops at its next bundle and the copy is removed.
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.stop.store(true, Ordering::Relaxed);
            let _ = self.join();
        }
    }
}
