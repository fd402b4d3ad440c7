//! Checking a file's lines on several threads, with results in file order.
//!
//! Most of verifying a large ledger is work that needs only the line at
//! hand (parsing, schema, hashing the record's own fields). A reader thread
//! cuts the file into blocks of whole lines with the same [`LineReader`]
//! as everywhere else (so limits, torn tails and offsets behave the same),
//! worker threads run the per-line check on each block, and the iterator
//! hands the results back strictly in file order for the checks that need
//! the lines before them. Memory is bounded: a few blocks are in flight at
//! any time, whatever the file's size.

use crate::ledger::io::reader::{Content, Ending, LineReader, RawLine};
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Bytes of line content per block: large enough to amortise channel
/// traffic, small enough to keep memory flat.
const BLOCK_BYTES: usize = 1 << 20;
/// Lines per block at most (many tiny lines).
const BLOCK_LINES: usize = 8192;

/// A line's place in its block.
#[derive(Debug, Clone, Copy)]
struct LineMeta {
    number: u64,
    offset: u64,
    start: usize,
    /// `None`: the line was over the limit, with this many bytes.
    len: Result<usize, u64>,
    ending: Ending,
    bom: bool,
}

struct Block {
    seq: u64,
    data: Vec<u8>,
    lines: Vec<LineMeta>,
}

enum Msg<T> {
    Done(u64, io::Result<Vec<T>>),
    End {
        blocks: u64,
        lines: u64,
        bytes: u64,
        error: Option<io::Error>,
    },
}

/// Worker threads for the per-line checks: one per core, a few at most
/// (the in-order stage and the reader need a share of the machine too).
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

/// The per-line check run on the workers.
pub type LineCheck<T> = Arc<dyn Fn(&RawLine<'_>) -> T + Send + Sync>;

/// An iterator over `check(line)` for every line of a file, in file order.
pub struct ParLines<T> {
    results: Option<Receiver<Msg<T>>>,
    pending: BTreeMap<u64, io::Result<Vec<T>>>,
    next_seq: u64,
    end: Option<(u64, u64, u64)>,
    error: Option<io::Error>,
    current: std::vec::IntoIter<T>,
    threads: Vec<JoinHandle<()>>,
}

impl<T: Send + 'static> ParLines<T> {
    /// Start reading `input` and checking its lines on `workers` threads.
    pub fn new<R: Read + Send + 'static>(
        input: R,
        max_line: usize,
        workers: usize,
        check: &LineCheck<T>,
    ) -> Self {
        let workers = workers.max(1);
        let (work_tx, work_rx) = sync_channel::<Block>(workers * 2);
        let (result_tx, result_rx) = sync_channel::<Msg<T>>(workers * 2);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let mut threads = Vec::with_capacity(workers + 1);
        for _ in 0..workers {
            let (rx, tx, check) = (Arc::clone(&work_rx), result_tx.clone(), Arc::clone(check));
            threads.push(std::thread::spawn(move || work(&rx, &tx, &*check)));
        }
        threads.push(std::thread::spawn(move || {
            read(input, max_line, &work_tx, &result_tx);
        }));
        ParLines {
            results: Some(result_rx),
            pending: BTreeMap::new(),
            next_seq: 0,
            end: None,
            error: None,
            current: Vec::new().into_iter(),
            threads,
        }
    }
}

impl<T> ParLines<T> {
    /// Lines and bytes read, once the iterator is exhausted.
    pub fn totals(&self) -> Option<(u64, u64)> {
        self.end.map(|(_, lines, bytes)| (lines, bytes))
    }

    /// The read error that ended the file early, if any (taken once).
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }
}

impl<T> Iterator for ParLines<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        loop {
            if let Some(item) = self.current.next() {
                return Some(item);
            }
            if let Some(result) = self.pending.remove(&self.next_seq) {
                self.next_seq += 1;
                match result {
                    Ok(items) => self.current = items.into_iter(),
                    Err(e) => {
                        self.error = Some(e);
                        self.finish_early();
                        return None;
                    }
                }
                continue;
            }
            if self.end.is_some_and(|(blocks, ..)| self.next_seq >= blocks) {
                return None;
            }
            match self.results.as_ref().map(Receiver::recv) {
                Some(Ok(Msg::Done(seq, result))) => {
                    self.pending.insert(seq, result);
                }
                Some(Ok(Msg::End {
                    blocks,
                    lines,
                    bytes,
                    error,
                })) => {
                    self.end = Some((blocks, lines, bytes));
                    if error.is_some() {
                        self.error = error;
                    }
                }
                Some(Err(_)) | None => {
                    if self.end.is_none() {
                        self.error = Some(io::Error::other(
                            "line workers stopped before the end of the file",
                        ));
                    }
                    self.end.get_or_insert((self.next_seq, 0, 0));
                    return None;
                }
            }
        }
    }
}

impl<T> ParLines<T> {
    /// Stop the threads after an error: dropping the receiver makes their
    /// sends fail, so they return.
    fn finish_early(&mut self) {
        self.results = None;
        self.pending.clear();
        self.end.get_or_insert((self.next_seq, 0, 0));
    }
}

impl<T> Drop for ParLines<T> {
    fn drop(&mut self) {
        self.results = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn work<T>(
    rx: &Mutex<Receiver<Block>>,
    tx: &SyncSender<Msg<T>>,
    check: &(dyn Fn(&RawLine<'_>) -> T + Sync),
) {
    loop {
        let block = match rx.lock() {
            Ok(guard) => guard.recv(),
            Err(_) => return,
        };
        let Ok(block) = block else { return };
        let result = catch_unwind(AssertUnwindSafe(|| {
            block
                .lines
                .iter()
                .map(|m| check(&view(&block.data, m)))
                .collect::<Vec<T>>()
        }))
        .map_err(|_| {
            io::Error::other(format!(
                "internal error: a check panicked in lines from {}",
                first_line(&block)
            ))
        });
        if tx.send(Msg::Done(block.seq, result)).is_err() {
            return;
        }
    }
}

fn first_line(block: &Block) -> u64 {
    block.lines.first().map_or(0, |m| m.number)
}

fn view<'a>(data: &'a [u8], m: &LineMeta) -> RawLine<'a> {
    RawLine {
        number: m.number,
        offset: m.offset,
        content: match m.len {
            Ok(len) => Content::Bytes(&data[m.start..m.start + len]),
            Err(len) => Content::TooLong { len },
        },
        ending: m.ending,
        bom: m.bom,
    }
}

fn read<R: Read, T>(
    input: R,
    max_line: usize,
    work: &SyncSender<Block>,
    results: &SyncSender<Msg<T>>,
) {
    let mut reader = LineReader::with_limit(input, max_line);
    let mut seq = 0;
    let mut block = Block {
        seq,
        data: Vec::with_capacity(BLOCK_BYTES + 4096),
        lines: Vec::new(),
    };
    let error = loop {
        match reader.next_line() {
            Ok(Some(line)) => {
                let start = block.data.len();
                let len = match line.content {
                    Content::Bytes(b) => {
                        block.data.extend_from_slice(b);
                        Ok(b.len())
                    }
                    Content::TooLong { len } => Err(len),
                };
                block.lines.push(LineMeta {
                    number: line.number,
                    offset: line.offset,
                    start,
                    len,
                    ending: line.ending,
                    bom: line.bom,
                });
                if block.data.len() >= BLOCK_BYTES || block.lines.len() >= BLOCK_LINES {
                    seq += 1;
                    let full = std::mem::replace(
                        &mut block,
                        Block {
                            seq,
                            data: Vec::with_capacity(BLOCK_BYTES + 4096),
                            lines: Vec::new(),
                        },
                    );
                    if work.send(full).is_err() {
                        return;
                    }
                }
            }
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    let mut blocks = seq;
    if !block.lines.is_empty() {
        blocks += 1;
        if work.send(block).is_err() {
            return;
        }
    }
    let _ = results.send(Msg::End {
        blocks,
        lines: reader.lines_read(),
        bytes: reader.offset(),
        error,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    type Seen = (u64, u64, Option<usize>);

    fn collect(data: Vec<u8>, max_line: usize, workers: usize) -> (Vec<Seen>, Option<(u64, u64)>) {
        let check: LineCheck<Seen> = Arc::new(|l: &RawLine<'_>| {
            let len = match l.content {
                Content::Bytes(b) => Some(b.len()),
                Content::TooLong { .. } => None,
            };
            (l.number, l.offset, len)
        });
        let mut it = ParLines::new(std::io::Cursor::new(data), max_line, workers, &check);
        let v: Vec<_> = it.by_ref().collect();
        assert!(it.take_error().is_none());
        (v, it.totals())
    }

    #[test]
    fn matches_the_sequential_reader_in_order() {
        let mut data = Vec::new();
        for i in 0..50_000u32 {
            data.extend_from_slice(
                format!("line {i} {}\n", "x".repeat((i % 97) as usize)).as_bytes(),
            );
        }
        data.extend_from_slice(&[b'y'; 300]);
        let mut expected = Vec::new();
        let mut r = LineReader::with_limit(&data[..], 120);
        while let Some(l) = r.next_line().unwrap() {
            let len = match l.content {
                Content::Bytes(b) => Some(b.len()),
                Content::TooLong { .. } => None,
            };
            expected.push((l.number, l.offset, len));
        }
        for workers in [1, 2, 3] {
            let (got, totals) = collect(data.clone(), 120, workers);
            assert_eq!(got, expected, "{workers} workers");
            assert_eq!(totals, Some((50_001, data.len() as u64)));
        }
    }

    #[test]
    fn empty_input() {
        assert_eq!(collect(Vec::new(), 10, 2), (vec![], Some((0, 0))));
    }

    #[test]
    fn a_panicking_check_is_an_error_not_a_panic() {
        let check: LineCheck<u64> = Arc::new(|l: &RawLine<'_>| {
            assert!(l.number != 3, "boom");
            l.number
        });
        let mut it = ParLines::new(
            std::io::Cursor::new(b"a\nb\nc\nd\n".to_vec()),
            10,
            2,
            &check,
        );
        let got: Vec<_> = it.by_ref().collect();
        assert!(got.is_empty() || got.len() < 4);
        assert!(it.take_error().unwrap().to_string().contains("panicked"));
    }

    #[test]
    fn a_read_error_ends_the_lines_and_is_reported() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::other("disk on fire"));
                }
                self.0 -= 1;
                buf[..2].copy_from_slice(b"x\n");
                Ok(2)
            }
        }
        let check: LineCheck<u64> = Arc::new(|l: &RawLine<'_>| l.number);
        let mut it = ParLines::new(Failing(3), 10, 2, &check);
        let got: Vec<_> = it.by_ref().collect();
        assert_eq!(got, vec![1, 2, 3]);
        assert_eq!(it.take_error().unwrap().to_string(), "disk on fire");
        assert_eq!(it.totals(), Some((3, 6)));
    }
}
