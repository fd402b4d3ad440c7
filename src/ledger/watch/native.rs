//! A native ledger watched record by record (`docs/FORMAT.md` §4-8).
//!
//! After the full verification, each chain keeps the state that
//! verification ended in ([`crate::ledger::native::verify::ChainState`]): the in-order verifier (next
//! `seq`, `prev`, Merkle tree, tail, MAC policy and counts) and the
//! checkpoint judge (previous size, newest verified checkpoint, keyring).
//! Appended lines are fed to that verifier from the last verified offset,
//! and appended history entries to that judge: the same code as `iss
//! verify`, continued, not a second verifier.
//!
//! A checkpoint signs the root at its size, and the tree only knows its
//! current root. So per chain, history growth is read first and queued,
//! then chain lines are fed one by one, and after each line the entries
//! whose size the chain has just reached are judged against the root of
//! that moment. An entry below what was already verified needs a root the
//! watcher did not keep (it keeps the current one and the newest verified
//! checkpoint's): that falls back to a full re-verification, said so.
//!
//! What also falls back, with its reason: a key rotation (it changes which
//! key may sign what, for every chain), a checkpoint that does not open
//! while `events` grew since it was read (a rotation it may depend on), a
//! latest-checkpoint file that does not hold the newest history entry, an
//! entry that signs lines the chain does not have, and every rewrite,
//! truncation, replacement or deletion (an alert first). The metadata is
//! watched by [`super::companions`]. `chains` is ordered `events` first, so
//! a rotation is seen before the checkpoints its new key signs.

mod records;

use super::companions::{Companions, Fingerprint, fingerprint};
use super::file_state::{FileState, Look};
use super::{WatchEvent, WatchOptions, feed_grown, state_from_report};
use crate::ledger::discover::{Discovery, FileKind};
use crate::ledger::io::reader::RawLine;
use crate::ledger::model::finding::Finding;
use crate::ledger::model::report::{NativeChainStatus, VerifyReport};
use crate::ledger::native::format::history::{HistoryEntry, parse_entry};
use crate::ledger::native::format::meta::{Chain, ChainPaths};
use crate::ledger::native::secret::MacKey;
use crate::ledger::native::verify::chain::NativeChainVerifier;
use crate::ledger::native::verify::{HistoryJudge, finish_status, history_name};
use crate::ledger::verify::NativeHeads;
use crate::tlog::merkle::Hash;
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::time::Instant;

pub use records::{
    CHECKPOINT_CHECKS, DESCRIPTOR_CHECKS, DESCRIPTOR_CHECKS_KEYED, EVENT_CHECKS,
    EVENT_CHECKS_KEYED, RECORD_CHECKS, RECORD_CHECKS_KEYED,
};

/// The chains of a native ledger, continued line by line and entry by entry.
#[derive(Debug)]
pub struct NativeLive {
    mac_key: Option<MacKey>,
    /// `events` first: its rotations decide what the other chains' checkpoints mean.
    chains: Vec<LiveChain>,
}

/// One chain as last verified, with its checkpoint history.
#[derive(Debug)]
struct LiveChain {
    chain: Chain,
    kind: FileKind,
    verifier: NativeChainVerifier,
    judge: HistoryJudge,
    /// Merkle roots known without re-reading the chain: at its current
    /// size, at the newest verified checkpoint's, at the size verification
    /// ended on.
    roots: BTreeMap<u64, Option<Hash>>,
    history: FileState,
    /// The newest parseable history entry's note: what the latest file holds
    /// once the writer has replaced it.
    last_note: Option<String>,
    latest: PathBuf,
    latest_seen: Fingerprint,
    /// History lines read whose size the chain has not reached yet.
    queue: VecDeque<Item>,
}

/// One history line read, not judged yet.
#[derive(Debug)]
struct Item {
    line: u64,
    offset: u64,
    /// `None`: the line is not an entry (`findings` says why).
    entry: Option<HistoryEntry>,
    findings: Vec<Finding>,
}

impl NativeLive {
    /// Continue from a full verification of the native ledger `d`, whose
    /// report is `report` and end state `heads`; `seen` holds the
    /// companions as they were before it ran. `None` when that verification
    /// could not establish a state to continue from (metadata refused, a
    /// chain unreadable or its tree unknown, no genesis): then every change
    /// re-verifies the whole ledger.
    pub fn start(
        d: &Discovery,
        report: &VerifyReport,
        heads: NativeHeads,
        seen: &Companions,
        options: &WatchOptions,
        now: Instant,
    ) -> Option<NativeLive> {
        heads.meta.as_ref()?;
        heads.keyring.as_ref()?;
        if heads.chains.len() != Chain::ALL.len() {
            return None;
        }
        let mut chains = Vec::new();
        for state in heads.chains {
            let paths = ChainPaths::new(&d.root, state.chain);
            let chain_report = report.files.iter().find(|f| f.name == state.chain.name())?;
            if chain_report.error.is_some() || state.verifier.root().is_none() {
                return None;
            }
            if state.chain == Chain::Events && state.verifier.records() == 0 {
                return None;
            }
            let kind = match state.chain {
                Chain::Descriptors => FileKind::NativeDescriptors,
                Chain::Pulses => FileKind::NativePulses,
                Chain::Events => FileKind::NativeEvents,
            };
            let name = history_name(state.chain);
            let hist_report = report.files.iter().find(|f| f.name == name);
            let history = state_from_report(kind, &paths.history, hist_report, now).named(name);
            let mut roots = BTreeMap::new();
            roots.insert(state.verifier.records(), state.verifier.root());
            if let Some(l) = &state.latest_verified {
                roots.insert(l.size, Some(l.root));
            }
            chains.push(LiveChain {
                chain: state.chain,
                kind,
                verifier: state.verifier,
                judge: state.judge,
                roots,
                history,
                last_note: state.last_history.map(|h| h.entry.note),
                latest_seen: seen
                    .seen(&paths.latest)
                    .unwrap_or_else(|| fingerprint(&paths.latest)),
                latest: paths.latest,
                queue: VecDeque::new(),
            });
        }
        chains.sort_by_key(|c| c.chain != Chain::Events);
        Some(NativeLive {
            mac_key: options.verify.mac_key.clone(),
            chains,
        })
    }

    /// Look at every chain and history; report each appended line and
    /// entry. Returns why the whole ledger must be verified again, if it must.
    pub fn rescan(
        &mut self,
        files: &mut [FileState],
        options: &WatchOptions,
        now: Instant,
        events: &mut Vec<WatchEvent>,
    ) -> Option<String> {
        // Where `events` was verified to: a checkpoint that does not open
        // while it grew may be signed by a key a new rotation introduced.
        let events_at = files
            .iter()
            .find(|f| f.kind == FileKind::NativeEvents)
            .map(|f| (f.path.clone(), f.verified_len));
        let rotated = move || {
            events_at
                .as_ref()
                .is_none_or(|(p, len)| std::fs::metadata(p).map_or(true, |m| m.len() > *len))
        };
        for c in &mut self.chains {
            let Some(st) = files.iter_mut().find(|f| f.kind == c.kind) else {
                return Some(format!(
                    "{} is not among the watched files",
                    c.chain.file_name()
                ));
            };
            let start = events.len();
            let ctx = Ctx {
                key: self.mac_key.as_ref(),
                options,
                now,
                rotated: &rotated,
            };
            let why = c.rescan(st, &ctx, events);
            if why.is_some() {
                return why;
            }
            // The chain's numbers as they stand now, on its last event.
            let status = c.status();
            if let Some(WatchEvent::Record(r)) = events[start..]
                .iter_mut()
                .rev()
                .find(|e| matches!(e, WatchEvent::Record(_)))
            {
                r.native = Some(Box::new(super::event::NativeUpdate {
                    chain: c.chain.name(),
                    status,
                }));
            }
        }
        None
    }
}

/// What judging one chain's growth needs from the watcher.
struct Ctx<'a> {
    key: Option<&'a MacKey>,
    options: &'a WatchOptions,
    now: Instant,
    /// Whether `events` grew since it was last verified.
    rotated: &'a dyn Fn() -> bool,
}

impl LiveChain {
    /// The chain's numbers now, as a full verification would report them.
    fn status(&self) -> NativeChainStatus {
        finish_status(
            self.judge.status().clone(),
            &self.verifier,
            self.verifier.policy(),
        )
    }

    /// The history's growth, then the chain's, then the latest file. A
    /// writer appends lines, then a history entry, then replaces the latest
    /// file: when a look falls between two of its steps (an entry signing
    /// lines not read yet, a latest file ahead of the history read), all is
    /// looked at once more; if the file that would explain it grew again
    /// meanwhile, the writer is still ahead and the next rescan continues.
    /// Only what no further append can explain is a reason to re-verify.
    fn rescan(
        &mut self,
        st: &mut FileState,
        ctx: &Ctx<'_>,
        events: &mut Vec<WatchEvent>,
    ) -> Option<String> {
        for attempt in 0..2 {
            if let Some(why) = self.read_history(ctx, events) {
                return Some(why);
            }
            if let Some(why) = self.read_chain(st, ctx, events) {
                return Some(why);
            }
            if let Some(why) = self.drain(ctx, events) {
                return Some(why);
            }
            let beyond = self.beyond();
            let latest = if beyond.is_none() {
                self.latest_problem()
            } else {
                None
            };
            match (beyond, latest) {
                (None, None) => return None,
                (Some(why), _) if attempt == 1 => {
                    return (!grew(&st.path, st.verified_len)).then_some(why);
                }
                (_, Some(why)) if attempt == 1 => {
                    return (!grew(&self.history.path, self.history.verified_len)).then_some(why);
                }
                _ => {}
            }
        }
        None
    }

    /// Why the first queued entry cannot be judged: it signs lines the
    /// chain does not have (yet).
    fn beyond(&self) -> Option<String> {
        let h = self.queue.front()?.entry.as_ref()?;
        Some(format!(
            "{} line {} signs {} lines of {}, which has {} complete lines: the chain is shorter \
             than a checkpoint",
            self.history.name,
            h.line,
            h.entry.size,
            self.chain.file_name(),
            self.verifier.records()
        ))
    }

    /// Queue the complete lines appended to the history.
    fn read_history(&mut self, ctx: &Ctx<'_>, events: &mut Vec<WatchEvent>) -> Option<String> {
        read_grown(&mut self.history, ctx, events, |raw, _| {
            let mut findings = Vec::new();
            let entry = parse_entry(raw, &mut findings);
            if let Some(h) = &entry {
                self.last_note = Some(h.entry.note.clone());
            }
            self.queue.push_back(Item {
                line: raw.number,
                offset: raw.offset,
                entry,
                findings,
            });
            None
        })
    }

    /// Verify the complete lines appended to the chain, judging the queued
    /// history entries as the chain reaches their sizes.
    fn read_chain(
        &mut self,
        st: &mut FileState,
        ctx: &Ctx<'_>,
        events: &mut Vec<WatchEvent>,
    ) -> Option<String> {
        let path = st.path.display().to_string();
        read_grown(st, ctx, events, |raw, events| {
            self.record(&path, ctx.key, raw, events)
                .or_else(|| self.drain(ctx, events))
        })
    }

    /// Why the latest-checkpoint file is not as expected, if it changed.
    /// The writer replaces it (a rename: a new inode) with the note it has
    /// just appended to the history: that is no alert.
    fn latest_problem(&mut self) -> Option<String> {
        let now = fingerprint(&self.latest);
        if now == self.latest_seen {
            return None;
        }
        let text = crate::ledger::input::read_regular(&self.latest).ok();
        match (&text, &self.last_note) {
            (Some(t), Some(n)) if t == n.as_bytes() => {
                self.latest_seen = now;
                None
            }
            _ => Some(format!(
                "{} changed and does not hold the newest entry of the checkpoint history (missing, \
                 lagging or foreign): the latest checkpoint is judged with the whole ledger",
                self.latest.display()
            )),
        }
    }
}

/// [`super::feed_grown`] on what a native file grew by, if it grew; `Some(why)`
/// when it changed otherwise (the alert is pushed) or must be verified with
/// the whole ledger.
fn read_grown(
    st: &mut FileState,
    ctx: &Ctx<'_>,
    events: &mut Vec<WatchEvent>,
    each: impl FnMut(&RawLine<'_>, &mut Vec<WatchEvent>) -> Option<String>,
) -> Option<String> {
    let bytes = match look(st, events)? {
        Ok(bytes) => bytes,
        Err(why) => return Some(why),
    };
    feed_grown(st, &bytes, ctx.options, ctx.now, events, None, each)
}

/// Whether the file at `path` is longer than `verified` bytes now.
fn grew(path: &std::path::Path, verified: u64) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() > verified)
}

/// Look at a watched file: `None` when nothing grew, `Some(Ok(bytes))`
/// when it grew by `bytes`, `Some(Err(why))` when it changed otherwise (the
/// alert is pushed) and must be verified with the whole ledger.
fn look(st: &mut FileState, events: &mut Vec<WatchEvent>) -> Option<Result<Vec<u8>, String>> {
    match st.look() {
        Err(e) => {
            events.push(WatchEvent::Error(format!("{}: {e}", st.path.display())));
            None
        }
        Ok(Look::Same) => None,
        Ok(Look::Changed(alert)) => {
            let why = alert.text();
            events.push(WatchEvent::Alert(alert));
            Some(Err(why))
        }
        Ok(Look::Grew(bytes)) => Some(Ok(bytes)),
    }
}
