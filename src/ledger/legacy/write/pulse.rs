//! Appending a time pulse to a legacy ledger's `glyph_chain.jsonl`,
//! byte-compatible with the legacy time keeper, through the one append module.
//!
//! The order mirrors the descriptor append: take the lock of the pulse
//! chain's folder; read the chain's tail; verify the time layer (pulse chain
//! and start log) and refuse on any violation; build the new line with the
//! byte-compatible writer (the legacy formulas, floats as Python prints
//! them) and pass it through the very verifier that just judged the chain
//! (link, hashes, fields, time sequence); append it with one write, fsync
//! and read-back, refused if the file moved since it was read. Only then is
//! the pulse acknowledged, with any time warnings the new pulse raised (a
//! clock step, a gap): they are facts about the clocks, recorded, not hidden.
//!
//! The legacy `tai_ns` is the writer's monotonic clock, not TAI (see
//! `LEGACY_FORMAT.md`); an append writes this process's `CLOCK_MONOTONIC`,
//! which on the machine and boot of the service continues its counter.

use crate::ledger::append::Tail;
use crate::ledger::append::{AppendOptions, LedgerLock, append_lines};
use crate::ledger::discover::{Discovery, FileKind, discover};
use crate::ledger::io::reader::{Content, DEFAULT_MAX_LINE, Ending, RawLine};
use crate::ledger::legacy::format::line_builder::{DEFAULT_SOURCE_NODE, pulse_line};
use crate::ledger::legacy::verify::glyph_chain::GlyphChainVerifier;
use crate::ledger::legacy::verify::time_checks::TimeCheckConfig;
use crate::ledger::legacy::verify::time_layer::verify_time_layer_live;
use crate::ledger::legacy::write::append::{NotAppendable, WriteError, clean_tail};
use crate::ledger::model::finding::{Finding, FindingKind, Severity};
use crate::time::civil::iso_from_micros;
use serde::Serialize;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The clocks a legacy pulse is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PulseClock {
    /// Wall clock, Unix microseconds (the service's resolution).
    pub utc_micros: i64,
    /// Monotonic clock, nanoseconds (the legacy `tai_ns`).
    pub monotonic_ns: i64,
}

/// What an acknowledged pulse append wrote.
#[derive(Debug, Clone, Serialize)]
pub struct PulseAcknowledged {
    /// The pulse chain file.
    pub chain: String,
    /// 1-based line of the new pulse.
    pub line: u64,
    /// Its `pulse_id`.
    pub pulse_id: String,
    /// Its `glyph_hash`.
    pub glyph_hash: String,
    /// Its `chain_hash`.
    pub chain_hash: String,
    /// Its `tai_ns` (the monotonic clock).
    pub tai_ns: i64,
    /// Its `utc_iso`.
    pub utc_iso: String,
    /// Its `source_node`.
    pub source_node: String,
    /// Warnings the verifier raised on the new pulse (clock step, gap, ...).
    pub warnings: Vec<Finding>,
}

/// Append one pulse read from `clock` to the legacy ledger at `root`.
///
/// `source_node` defaults to the last pulse's (the node whose chain this
/// continues), or the service's default for an empty chain.
pub fn append_pulse(
    root: &Path,
    clock: PulseClock,
    source_node: Option<&str>,
) -> Result<PulseAcknowledged, WriteError> {
    let found = discover(root)?;
    let chain = chain_path(root, &found)?;
    let lock_dir = chain
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let mut lock = LedgerLock::acquire(&lock_dir)?;

    let tail = clean_tail(&chain)?;
    let (lines, mut head) = verified_head(&found, &chain)?;
    let last = head
        .next_last()
        .map(str::to_owned)
        .ok_or_else(|| WriteError::NotAppendable(NotAppendable::NoGlyphHash(chain.clone())))?;
    let node = match source_node {
        Some(n) => n.to_owned(),
        None => last_source_node(&chain, &tail).unwrap_or_else(|| DEFAULT_SOURCE_NODE.to_owned()),
    };

    let built = pulse_line(clock.monotonic_ns, clock.utc_micros, &node, &last);
    let body = built.line.trim_end_matches('\n');
    let line_no = lines + 1;
    let raw = RawLine {
        number: line_no,
        offset: tail.len,
        content: Content::Bytes(body.as_bytes()),
        ending: Ending::Lf,
        bom: false,
    };
    let mut findings = Vec::new();
    head.feed(&raw, &mut findings);
    head.finish(&mut findings);
    // A pulse of ours that repeats an id would be a replay: never written.
    let refused: Vec<Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Violation || f.kind == FindingKind::DuplicatePulse)
        .cloned()
        .collect();
    if !refused.is_empty() {
        return Err(WriteError::RecordDoesNotVerify(refused));
    }

    append_lines(&mut lock, &chain, &tail, &[body], AppendOptions::default())?;
    let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let field = |k: &str| value[k].as_str().unwrap_or_default().to_owned();
    Ok(PulseAcknowledged {
        chain: chain.display().to_string(),
        line: line_no,
        pulse_id: field("pulse_id"),
        glyph_hash: built.glyph_hash,
        chain_hash: field("chain_hash"),
        tai_ns: clock.monotonic_ns,
        utc_iso: iso_from_micros(clock.utc_micros),
        source_node: node,
        warnings: findings,
    })
}

/// The pulse chain to append to.
fn chain_path(root: &Path, found: &Discovery) -> Result<PathBuf, WriteError> {
    found
        .path_of(FileKind::GlyphChain)
        .map(Path::to_path_buf)
        .ok_or_else(|| WriteError::NotAppendable(NotAppendable::NoTimeChain(root.to_path_buf())))
}

/// Verify the time layer under the lock; refuse on any violation or read
/// error; return the chain's line count and its verifier's final state.
fn verified_head(found: &Discovery, chain: &Path) -> Result<(u64, GlyphChainVerifier), WriteError> {
    let (reports, _, head) = verify_time_layer_live(
        Some(chain),
        found.path_of(FileKind::ForensicAudit),
        &TimeCheckConfig::default(),
        DEFAULT_MAX_LINE,
    );
    let lines = super::append::layer::refuse_unless_verified(&reports, FileKind::GlyphChain)?;
    let head = head.ok_or_else(|| {
        WriteError::NotAppendable(NotAppendable::NotVerified(chain.to_path_buf()))
    })?;
    Ok((lines, head))
}

/// `source_node` of the chain's last line (read from the end, at most 64
/// KiB), or `None` for an empty chain or a line that does not say.
fn last_source_node(chain: &Path, tail: &Tail) -> Option<String> {
    if tail.len == 0 {
        return None;
    }
    // The tail was read under the lock, so the file ends where it says.
    let file = crate::ledger::input::open_regular(chain).ok()?;
    let want = tail.len.min(64 * 1024);
    let mut buf = vec![0u8; usize::try_from(want).ok()?];
    file.read_exact_at(&mut buf, tail.len - want).ok()?;
    let body = &buf[..buf.len().saturating_sub(1)];
    let start = memchr::memrchr(b'\n', body).map_or(0, |i| i + 1);
    if start == 0 && want < tail.len {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(&body[start..]).ok()?;
    value["source_node"].as_str().map(str::to_owned)
}
