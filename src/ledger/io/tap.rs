//! A tap on a file as verification reads it: every block read is also sent,
//! in order, to a bounded channel, so that another consumer (the maturity
//! report) reads the same bytes in the same pass instead of reading the file
//! a second time. The channel's bound keeps memory flat; a slow consumer
//! slows the reader, and a consumer that goes away just stops the copies.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Blocks in flight between the reader and the consumer.
const BLOCKS: usize = 16;

/// Which file to tap, and where its bytes go.
#[derive(Clone)]
pub struct Tap {
    /// The file (as discovery names it).
    pub path: PathBuf,
    sender: SyncSender<Vec<u8>>,
}

impl std::fmt::Debug for Tap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tap")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Tap {
    /// A tap on `path` and the reader of what it copies.
    pub fn new(path: &Path) -> (Tap, TapReader) {
        let (sender, receiver) = sync_channel(BLOCKS);
        (
            Tap {
                path: path.to_owned(),
                sender,
            },
            TapReader {
                receiver,
                block: Vec::new(),
                at: 0,
            },
        )
    }

    /// `inner` (the file at `path`), copied to the tap when `path` is the
    /// tapped file.
    pub fn wrap<R: Read + Send + 'static>(
        tap: Option<&Tap>,
        path: &Path,
        inner: R,
    ) -> Box<dyn Read + Send> {
        match tap.filter(|t| t.path == path) {
            Some(t) => Box::new(TeeRead {
                inner,
                sender: Some(t.sender.clone()),
            }),
            None => Box::new(inner),
        }
    }
}

struct TeeRead<R> {
    inner: R,
    sender: Option<SyncSender<Vec<u8>>>,
}

impl<R: Read> Read for TeeRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.sender = None; // end of file: the consumer sees the end
        } else if let Some(s) = &self.sender
            && s.send(buf[..n].to_vec()).is_err()
        {
            self.sender = None; // the consumer went away
        }
        Ok(n)
    }
}

/// The tapped bytes, in order, as a reader; ends when every tap is gone.
pub struct TapReader {
    receiver: Receiver<Vec<u8>>,
    block: Vec<u8>,
    at: usize,
}

impl Read for TapReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.block.len() {
            match self.receiver.recv() {
                Ok(b) => {
                    self.block = b;
                    self.at = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.block.len() - self.at);
        buf[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_consumer_reads_exactly_the_bytes_the_reader_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let data: Vec<u8> = (0..300_000u32).flat_map(u32::to_le_bytes).collect();
        std::fs::write(&p, &data).unwrap();
        let (tap, mut reader) = Tap::new(&p);
        let other = dir.path().join("g");
        std::fs::write(&other, b"x").unwrap();
        let consumer = std::thread::spawn(move || {
            let mut got = Vec::new();
            reader.read_to_end(&mut got).unwrap();
            got
        });
        let mut untapped = Tap::wrap(Some(&tap), &other, std::fs::File::open(&other).unwrap());
        let mut sink = Vec::new();
        untapped.read_to_end(&mut sink).unwrap();
        let mut tapped = Tap::wrap(Some(&tap), &p, std::fs::File::open(&p).unwrap());
        let mut read = Vec::new();
        tapped.read_to_end(&mut read).unwrap();
        drop(tapped);
        drop(tap);
        assert_eq!(read, data);
        assert_eq!(
            consumer.join().unwrap(),
            data,
            "only the tapped file, all of it"
        );
    }
}
