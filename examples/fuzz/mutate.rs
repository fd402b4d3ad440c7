//! The mutations: byte flips, inserted and deleted bytes, duplicated,
//! swapped and deleted lines, a cut file; each says what it did, so a
//! reproducer lists them.

use crate::rng::Rng;
use std::fmt;
use std::path::{Path, PathBuf};

/// One change to one file of a ledger.
#[derive(Debug, Clone)]
pub struct Mutation {
    /// The file, relative to the ledger.
    pub file: PathBuf,
    /// What was done to it.
    pub op: Op,
}

/// What a mutation does.
#[derive(Debug, Clone)]
pub enum Op {
    /// XOR the byte at `at` with `mask`.
    Flip { at: usize, mask: u8 },
    /// Replace the byte at `at` (a letter or digit) by `byte`, of the same
    /// kind: the JSON stays valid, so the change reaches the checks of
    /// values, not only the parser's.
    Replace { at: usize, byte: u8 },
    /// Insert `bytes` before byte `at`.
    Insert { at: usize, bytes: Vec<u8> },
    /// Delete `len` bytes from `at`.
    Delete { at: usize, len: usize },
    /// Write line `line` (0-based) twice.
    DuplicateLine { line: usize },
    /// Exchange lines `a` and `b`.
    SwapLines { a: usize, b: usize },
    /// Remove line `line`.
    DeleteLine { line: usize },
    /// Keep the first `len` bytes.
    Truncate { len: usize },
}

impl fmt::Display for Mutation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        match &self.op {
            Op::Flip { at, mask } => write!(f, "{file}: flip byte {at} with mask {mask:#04x}"),
            Op::Replace { at, byte } => {
                write!(f, "{file}: replace byte {at} by {:?}", char::from(*byte))
            }
            Op::Insert { at, bytes } => {
                write!(
                    f,
                    "{file}: insert {:?} at byte {at}",
                    String::from_utf8_lossy(bytes)
                )
            }
            Op::Delete { at, len } => write!(f, "{file}: delete {len} bytes at byte {at}"),
            Op::DuplicateLine { line } => write!(f, "{file}: duplicate line {}", line + 1),
            Op::SwapLines { a, b } => write!(f, "{file}: swap lines {} and {}", a + 1, b + 1),
            Op::DeleteLine { line } => write!(f, "{file}: delete line {}", line + 1),
            Op::Truncate { len } => write!(f, "{file}: cut to {len} bytes"),
        }
    }
}

/// Bytes worth inserting: JSON's own, digits, hex, escapes, whitespace,
/// line ends, and bytes that are not UTF-8.
const ALPHABET: &[u8] = b"0123456789abcdefABCDEF{}[]\":,.-+eE\\u \t\r\n\x00\xff\xc3";

/// A random mutation of one of `files` (relative to `dir`).
pub fn random(rng: &mut Rng, dir: &Path, files: &[PathBuf]) -> Mutation {
    let file = rng.pick(files).clone();
    let bytes = std::fs::read(dir.join(&file)).unwrap_or_default();
    let n = bytes.len();
    let lines = line_spans(&bytes).len();
    let op = match rng.below(10) {
        _ if n == 0 => Op::Insert {
            at: 0,
            bytes: random_bytes(rng),
        },
        8 | 9 => replace(rng, &bytes),
        0 | 1 => Op::Flip {
            at: rng.below(n),
            mask: 1 << rng.below(8),
        },
        2 => Op::Flip {
            at: rng.below(n),
            mask: u8::try_from(rng.between(1, 255)).unwrap_or(1),
        },
        3 => Op::Insert {
            at: rng.below(n + 1),
            bytes: random_bytes(rng),
        },
        4 => {
            let at = rng.below(n);
            Op::Delete {
                at,
                len: rng.between(1, 16).min(n - at),
            }
        }
        5 => Op::DuplicateLine {
            line: rng.below(lines),
        },
        6 if lines >= 2 => Op::SwapLines {
            a: rng.below(lines),
            b: rng.below(lines),
        },
        6 => Op::DeleteLine { line: 0 },
        _ if rng.one_in(3) => Op::Truncate { len: rng.below(n) },
        _ => Op::DeleteLine {
            line: rng.below(lines),
        },
    };
    Mutation { file, op }
}

/// A letter or digit from a random place on replaced by another of its
/// kind (a digit by a digit, a hex letter by a hex letter, another letter
/// by a letter of its case); a flip when there is none.
fn replace(rng: &mut Rng, bytes: &[u8]) -> Op {
    let from = rng.below(bytes.len());
    let Some(at) = (from..bytes.len())
        .chain(0..from)
        .find(|&i| bytes[i].is_ascii_alphanumeric())
    else {
        return Op::Flip { at: from, mask: 1 };
    };
    let old = bytes[at];
    let pool: &[u8] = match old {
        b'0'..=b'9' => b"0123456789",
        b'a'..=b'f' => b"abcdef",
        b'A'..=b'F' => b"ABCDEF",
        b'g'..=b'z' => b"abcdefghijklmnopqrstuvwxyz",
        _ => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    };
    let mut byte = *rng.pick(pool);
    if byte == old {
        byte = pool[(pool.iter().position(|&b| b == old).unwrap_or(0) + 1) % pool.len()];
    }
    Op::Replace { at, byte }
}

fn random_bytes(rng: &mut Rng) -> Vec<u8> {
    (0..rng.between(1, 8))
        .map(|_| {
            if rng.one_in(4) {
                u8::try_from(rng.below(256)).unwrap_or(0)
            } else {
                *rng.pick(ALPHABET)
            }
        })
        .collect()
}

/// Byte ranges of the lines of `bytes`, each with its `\n` (the last may
/// have none).
pub fn line_spans(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < bytes.len() {
        out.push((start, bytes.len()));
    }
    out
}

impl Mutation {
    /// Apply it to the ledger at `dir`.
    pub fn apply(&self, dir: &Path) -> std::io::Result<()> {
        let path = dir.join(&self.file);
        let bytes = std::fs::read(&path)?;
        std::fs::write(&path, self.op.on(&bytes))
    }
}

impl Op {
    /// `bytes` with this change.
    pub fn on(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = bytes.to_vec();
        let lines = line_spans(bytes);
        let line = |i: usize| lines.get(i).map_or(&[][..], |&(a, b)| &bytes[a..b]);
        match self {
            Op::Flip { at, mask } => {
                if let Some(b) = out.get_mut(*at) {
                    *b ^= mask;
                }
            }
            Op::Replace { at, byte } => {
                if let Some(b) = out.get_mut(*at) {
                    *b = *byte;
                }
            }
            Op::Insert { at, bytes: new } => {
                let at = (*at).min(out.len());
                out.splice(at..at, new.iter().copied());
            }
            Op::Delete { at, len } => {
                let at = (*at).min(out.len());
                out.drain(at..(at + len).min(out.len()));
            }
            Op::DuplicateLine { line: i } => {
                let Some(&(_, end)) = lines.get(*i) else {
                    return out;
                };
                let mut copy = line(*i).to_vec();
                if copy.ends_with(b"\n") {
                    out.splice(end..end, copy);
                } else {
                    // A last line without its end: the copy gets one.
                    copy.push(b'\n');
                    out.splice(lines[*i].0..lines[*i].0, copy);
                }
            }
            Op::SwapLines { a, b } => {
                let (a, b) = ((*a).min(*b), (*a).max(*b));
                if a == b || b >= lines.len() {
                    return out;
                }
                let mut rebuilt = Vec::with_capacity(out.len());
                for (k, _) in lines.iter().enumerate() {
                    let pick = if k == a {
                        b
                    } else if k == b {
                        a
                    } else {
                        k
                    };
                    let mut l = line(pick).to_vec();
                    // Line ends stay where they were.
                    let ends = line(k).ends_with(b"\n");
                    if l.ends_with(b"\n") && !ends {
                        l.pop();
                    } else if !l.ends_with(b"\n") && ends {
                        l.push(b'\n');
                    }
                    rebuilt.extend(l);
                }
                out = rebuilt;
            }
            Op::DeleteLine { line: i } => {
                if let Some(&(a, b)) = lines.get(*i) {
                    out.drain(a..b);
                }
            }
            Op::Truncate { len } => out.truncate(*len),
        }
        out
    }
}
