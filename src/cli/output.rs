//! Standard output of every command, where a reader that goes away early
//! (`iss verify --json BIG | head -c 100`) ends the output quietly and
//! leaves the exit status to the command's verdict.
//!
//! Why a writer and not a check of the error at the end: the error loses its
//! `io::ErrorKind` on some paths (`serde_json::to_writer` wraps the I/O
//! error, and its `source()` skips it), and an error returned from a command
//! loses the verdict it had already reached. Here the write that meets a
//! closed pipe succeeds as far as the command is concerned, every later
//! write is dropped, and the command returns its own status.

use std::io::{self, Write};

/// The standard output of a command: colour-aware (`anstream`), and quiet
/// once the reader has closed the pipe.
pub fn stdout() -> QuietPipe<anstream::AutoStream<io::StdoutLock<'static>>> {
    QuietPipe::new(anstream::stdout().lock())
}

/// A writer that turns "the reader has gone" (`EPIPE`) into the end of the
/// output: that write and every later one are dropped without error. Any
/// other error is returned as it is.
#[derive(Debug)]
pub struct QuietPipe<W> {
    inner: W,
    closed: bool,
}

impl<W: Write> QuietPipe<W> {
    /// Wrap `inner`.
    pub fn new(inner: W) -> Self {
        QuietPipe {
            inner,
            closed: false,
        }
    }

    /// Whether the reader has closed the pipe (nothing more is written).
    pub fn closed(&self) -> bool {
        self.closed
    }

    fn absorb<T>(&mut self, r: io::Result<T>, dropped: T) -> io::Result<T> {
        match r {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(dropped)
            }
            other => other,
        }
    }
}

impl<W: Write> Write for QuietPipe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let r = self.inner.write(buf);
        self.absorb(r, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let r = self.inner.flush();
        self.absorb(r, ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Accepts `room` bytes, then fails as a closed pipe (or with `other`).
    struct Pipe {
        room: usize,
        got: Vec<u8>,
        other: Option<io::ErrorKind>,
    }

    impl Write for Pipe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.got.len() >= self.room {
                return Err(self.other.unwrap_or(io::ErrorKind::BrokenPipe).into());
            }
            let n = buf.len().min(self.room - self.got.len());
            self.got.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_ends_the_output_without_an_error() {
        let mut w = QuietPipe::new(Pipe {
            room: 5,
            got: Vec::new(),
            other: None,
        });
        // serde_json wraps the I/O error: the path the issue saw.
        let doc = serde_json::json!({"findings": vec!["x"; 100]});
        serde_json::to_writer_pretty(&mut w, &doc).unwrap();
        writeln!(w, "more").unwrap();
        w.flush().unwrap();
        assert!(w.closed());
        assert_eq!(w.inner.got, b"{\n  \"");
    }

    #[test]
    fn other_errors_are_not_swallowed() {
        let mut w = QuietPipe::new(Pipe {
            room: 0,
            got: Vec::new(),
            other: Some(io::ErrorKind::StorageFull),
        });
        let e = w.write_all(b"x").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::StorageFull);
        assert!(!w.closed());
    }
}
