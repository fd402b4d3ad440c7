//! Incremental verification: the in-order verifiers of a full verification,
//! kept alive and fed the lines appended since.
//!
//! The descriptor chain continues from its [`ChainHead`] (the last stored
//! hash, every id seen, the running hash of the stored hashes), the pulse
//! chain from its [`GlyphChainVerifier`], and the manifest from its
//! [`ManifestVerifier`] against a cursor that holds the running hash of the
//! chain at each count it has not attested yet. So each appended line costs
//! what one line of a full verification costs, and is judged exactly as a
//! full verification would judge it.
//!
//! What cannot be continued this way (the constitutional log, whose check is
//! a cross-file set comparison; the start log; the v1 layer; a manifest line
//! whose count the cursor has no hash for) is answered with
//! [`Step::Reverify`]: the caller re-runs the full verification rather
//! than report a line as verified that was not checked.

use crate::ledger::discover::FileKind;
use crate::ledger::hash::{hex_str, to_hex};
use crate::ledger::io::reader::RawLine;
use crate::ledger::legacy::verify::glyph_chain::{GlyphChainVerifier, check_pulse_line};
use crate::ledger::legacy::verify::manifest::{ChainCursor, ManifestVerifier};
use crate::ledger::legacy::verify::spice_layer::ChainHead;
use crate::ledger::model::finding::Finding;
use crate::ledger::verify::VerifierHeads;
use crate::ledger::watch::event::{RecordEvent, RecordStatus};
use sha2::Digest;
use std::cell::Cell;
use std::collections::VecDeque;

/// The checks that run on an appended descriptor.
pub const CHAIN_CHECKS: &[&str] = &[
    "schema",
    "unique descriptor_id",
    "prev_descriptor_hash links to the previous record",
    "descriptor_hash",
];
/// The checks that run on an appended manifest line.
pub const MANIFEST_CHECKS: &[&str] = &[
    "schema",
    "descriptor_count grows by one per descriptor",
    "chain_hash over the chain's first descriptor_count records",
    "descriptor_id names the chain's record at that count",
];
/// The checks that run on an appended pulse.
pub const PULSE_CHECKS: &[&str] = &[
    "schema",
    "pulse_id",
    "chain_hash links to the previous pulse",
    "glyph_hash",
    "time consistency",
];

/// What feeding one line gave.
#[derive(Debug)]
pub enum Step {
    /// The line was judged.
    Judged(RecordEvent),
    /// The line cannot be judged incrementally: re-verify the ledger.
    Reverify(String),
}

/// The chain as the manifest sees it: the running hash at each record
/// count not attested yet.
#[derive(Debug, Default)]
struct LiveCursor {
    /// Records the manifest has consumed.
    consumed: u64,
    /// Hex prefix hash at `consumed`; `None` when unknown (the chain had
    /// unattested records when watching started).
    hash: Option<String>,
    id: String,
    line: u64,
    /// Chain records past `consumed`: (count, prefix hash, id, line).
    ahead: VecDeque<(u64, String, String, u64)>,
    /// Set when the manifest asked for a hash the cursor does not have.
    blind: Cell<bool>,
}

impl ChainCursor for LiveCursor {
    fn advance_to(&mut self, n: u64) -> u64 {
        while self.consumed < n {
            let Some((count, hash, id, line)) = self.ahead.pop_front() else {
                break;
            };
            self.consumed = count;
            self.hash = Some(hash);
            self.id = id;
            self.line = line;
        }
        self.consumed
    }

    fn prefix_hash(&self) -> String {
        if self.consumed == 0 {
            return String::new();
        }
        if let Some(h) = &self.hash {
            h.clone()
        } else {
            self.blind.set(true);
            String::new()
        }
    }

    fn last_id(&self) -> &str {
        &self.id
    }

    fn last_line(&self) -> u64 {
        self.line
    }

    fn ends_torn(&self) -> bool {
        false
    }
}

/// The verifiers of one ledger, continued line by line.
#[derive(Debug)]
pub struct LiveVerifiers {
    chain: ChainHead,
    manifest: Option<ManifestVerifier>,
    cursor: LiveCursor,
    glyph: Option<GlyphChainVerifier>,
}

impl LiveVerifiers {
    /// Continue from the state a full verification ended in.
    pub fn new(heads: VerifierHeads) -> Self {
        let attested = heads
            .manifest
            .as_ref()
            .map_or(0, ManifestVerifier::attested_count);
        let cursor = if attested == heads.chain.records {
            LiveCursor {
                consumed: attested,
                hash: Some(prefix_hex(&heads.chain)),
                id: heads.chain.verifier.last_id().to_owned(),
                line: heads.chain.lines,
                ..LiveCursor::default()
            }
        } else {
            cursor_over_unattested(&heads.chain, attested)
        };
        LiveVerifiers {
            chain: heads.chain,
            manifest: heads.manifest,
            cursor,
            glyph: heads.glyph,
        }
    }

    /// Whether lines appended to a file of `kind` can be verified here.
    pub fn incremental(&self, kind: FileKind) -> bool {
        match kind {
            FileKind::SpiceChain => true,
            FileKind::IntegrityManifest => self.manifest.is_some(),
            FileKind::GlyphChain => self.glyph.is_some(),
            _ => false,
        }
    }

    /// Judge one complete appended line of a file of `kind` at `path`.
    pub fn feed(&mut self, kind: FileKind, path: &str, line: &RawLine<'_>) -> Step {
        let mut out = Vec::new();
        let (record_id, checks, note) = match kind {
            FileKind::SpiceChain => {
                let Some(_) = self.chain.verifier.feed(line, &mut out) else {
                    return judged(kind, path, line, None, CHAIN_CHECKS, out, None);
                };
                self.chain
                    .prefix
                    .update(self.chain.verifier.last_hash().as_bytes());
                self.chain.records += 1;
                let id = self.chain.verifier.last_id().to_owned();
                self.cursor.ahead.push_back((
                    self.chain.records,
                    prefix_hex(&self.chain),
                    id.clone(),
                    line.number,
                ));
                let note = self
                    .manifest
                    .is_some()
                    .then(|| "attestation: awaiting its integrity_manifest line".to_owned());
                (Some(id), CHAIN_CHECKS, note)
            }
            FileKind::IntegrityManifest => {
                let Some(m) = self.manifest.as_mut() else {
                    return Step::Reverify(format!("{path}: no manifest verifier"));
                };
                if m.diverged() {
                    return unchecked(
                        kind,
                        path,
                        line,
                        "the manifest already disagrees with the chain before this line; \
                         later lines count into that finding",
                    );
                }
                m.feed(line, &mut self.cursor, &mut out);
                if self.cursor.blind.take() {
                    return Step::Reverify(format!(
                        "{path} line {}: the chain's hash at this count was not kept \
                         (the chain had unattested records when watching started)",
                        line.number
                    ));
                }
                (manifest_timestamp(line), MANIFEST_CHECKS, None)
            }
            FileKind::GlyphChain => {
                let Some(g) = self.glyph.as_mut() else {
                    return Step::Reverify(format!("{path}: no pulse verifier"));
                };
                let o = check_pulse_line(line, g.line_checks());
                let id = o
                    .record
                    .as_ref()
                    .and_then(|r| r.pulse_id.as_ref())
                    .map(|p| p.as_str().to_owned());
                g.accept(o, &mut out);
                (id, PULSE_CHECKS, None)
            }
            other => {
                return Step::Reverify(format!(
                    "{} grew: its checks compare it with other files as a whole",
                    other.file_name()
                ));
            }
        };
        judged(kind, path, line, record_id, checks, out, note)
    }
}

/// The cursor when the chain ends in records no manifest line attests yet
/// (a writer's manifest lines follow its records: a verification in
/// between sees them): the running hash at each of their counts, rebuilt
/// from the verification's [`Unattested`](crate::ledger::legacy::verify::spice_layer::Unattested)
/// tail, so the manifest lines that attest them later are checked one by
/// one. Without that tail (or with more records than it kept) the hashes
/// are unknown and such a line asks for a full verification.
fn cursor_over_unattested(chain: &ChainHead, attested: u64) -> LiveCursor {
    let blind = LiveCursor {
        consumed: attested,
        hash: None,
        id: chain.verifier.last_id().to_owned(),
        line: chain.lines,
        ..LiveCursor::default()
    };
    let Some(u) = chain.unattested.as_ref() else {
        return blind;
    };
    if u.overflow
        || u.after != attested
        || u.records.len() != u.lines.len()
        || attested + u.records.len() as u64 != chain.records
    {
        return blind;
    }
    let mut prefix = u.prefix.clone();
    let mut ahead = VecDeque::with_capacity(u.records.len());
    for (count, ((id, hash), line)) in (attested + 1..).zip(u.records.iter().zip(&u.lines)) {
        prefix.update(hash.as_bytes());
        let hex = hex_str(&to_hex(&prefix.clone().finalize().into())).to_owned();
        ahead.push_back((count, hex, id.clone(), *line));
    }
    LiveCursor {
        consumed: attested,
        hash: Some(if attested == 0 {
            String::new()
        } else {
            hex_str(&to_hex(&u.prefix.clone().finalize().into())).to_owned()
        }),
        id: u.last_attested.0.clone(),
        line: u.last_attested.1,
        ahead,
        blind: Cell::new(false),
    }
}

fn prefix_hex(head: &ChainHead) -> String {
    if head.records == 0 {
        String::new()
    } else {
        hex_str(&to_hex(&head.prefix.clone().finalize().into())).to_owned()
    }
}

fn manifest_timestamp(line: &RawLine<'_>) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Ts {
        timestamp: Option<String>,
        descriptor_id: Option<String>,
    }
    let crate::ledger::io::reader::Content::Bytes(b) = line.content else {
        return None;
    };
    let ts: Ts = serde_json::from_slice(b).ok()?;
    ts.descriptor_id.or(ts.timestamp)
}

fn judged(
    kind: FileKind,
    path: &str,
    line: &RawLine<'_>,
    record_id: Option<String>,
    checks: &'static [&'static str],
    findings: Vec<Finding>,
    note: Option<String>,
) -> Step {
    let status = if findings.iter().any(Finding::is_violation) {
        RecordStatus::Violated
    } else {
        RecordStatus::Verified
    };
    Step::Judged(RecordEvent {
        file: kind.name(),
        path: path.to_owned(),
        line: line.number,
        offset: line.offset,
        record_id,
        status,
        checks,
        findings,
        note,
        native: None,
    })
}

fn unchecked(kind: FileKind, path: &str, line: &RawLine<'_>, why: &str) -> Step {
    Step::Judged(RecordEvent {
        file: kind.name(),
        path: path.to_owned(),
        line: line.number,
        offset: line.offset,
        record_id: None,
        status: RecordStatus::Unchecked,
        checks: &[],
        findings: Vec::new(),
        note: Some(why.to_owned()),
        native: None,
    })
}
