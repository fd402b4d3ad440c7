//! One chain's checkpoint history judged entry by entry (`docs/FORMAT.md`
//! §7, rules 6 and 1-5).
//!
//! The judge keeps what the rules need from one entry to the next (the
//! previous size, whether a root already diverged, the newest verified
//! checkpoint), so the same code judges a whole history at once
//! (`checkpoints::check`) and, in the live watcher, each entry as
//! it is appended: there is one checkpoint verifier, not two.

use crate::ledger::model::finding::{Finding, FindingKind, LineRange};
use crate::ledger::model::report::NativeChainStatus;
use crate::ledger::native::format::history::HistoryEntry;
use crate::ledger::native::format::meta::{Chain, Metadata};
use crate::ledger::native::keyring::{ChainKeys, Keyring};
use crate::tlog::checkpoint::{CheckpointError, open_checkpoint_with_signatures};
use crate::tlog::merkle::Hash;
use crate::tlog::note::NoteError;
use std::collections::BTreeMap;

/// The newest checkpoint that verified, for proofs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestCheckpoint {
    /// Tree size.
    pub size: u64,
    /// Merkle root.
    pub root: Hash,
    /// The signed note.
    pub note: String,
}

/// What became of one history entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every rule passed: the entry signs the chain's first `size` lines.
    Verified {
        /// Ids (8 hex) of the trusted keys whose signatures verified.
        signers: Vec<String>,
    },
    /// A rule failed; its finding was pushed (on the history line).
    Refused,
    /// No trusted key can be applied (the metadata was refused): only the
    /// order was checked.
    Unjudged,
    /// The entry signs more lines than the chain has (`TRUNCATED`, reported
    /// by [`HistoryJudge::truncation`]).
    BeyondChain,
    /// The chain's root at this size is not known (a line could not be
    /// read, or a live watcher did not keep it).
    RootUnknown,
}

/// The checkpoint rules, applied to a chain's history in order.
#[derive(Debug, Clone)]
pub struct HistoryJudge {
    chain: Chain,
    /// The checkpoints' origin (`<origin>/<chain>`); `None` when the
    /// metadata was refused (then no key is trusted).
    origin: Option<String>,
    ring: Option<Keyring>,
    /// The ring's keys under the ledger's name and the chain's origin.
    keys: ChainKeys,
    /// The previous entry's size and history line.
    prev: Option<(u64, u64)>,
    diverged: bool,
    /// Checkpoints verified, newest signed size and its signers.
    status: NativeChainStatus,
    latest: Option<LatestCheckpoint>,
    /// The history line and byte offset of `latest`.
    latest_at: Option<(u64, u64)>,
    /// The highest-ranked key (rank, key id, history line) that signed a
    /// verified entry so far: a retired key may not sign after it.
    top: Option<(usize, u32, u64)>,
    truncated_by: Option<HistoryEntry>,
}

/// How a `RETIRED_KEY` finding about a chain's newest checkpoint starts its
/// expected value (a writer told to accept the retired key's history
/// recognises it by this).
pub const ROTATION_COVER: &str = "a newest checkpoint signed by the key in use";

impl HistoryJudge {
    /// A judge for `chain`'s history, with the metadata and the keys
    /// trusted after every rotation (either `None`: nothing can be signed).
    pub fn new(chain: Chain, meta: Option<&Metadata>, keyring: Option<&Keyring>) -> Self {
        let (origin, ring) = match (meta, keyring) {
            (Some(m), Some(r)) => (Some(m.chain_origin(chain)), Some(r.clone())),
            _ => (None, None),
        };
        HistoryJudge {
            chain,
            keys: ring
                .as_ref()
                .zip(origin.as_deref())
                .map(|(r, o)| r.chain_keys(o))
                .unwrap_or_default(),
            origin,
            ring,
            prev: None,
            diverged: false,
            status: NativeChainStatus::default(),
            latest: None,
            latest_at: None,
            top: None,
            truncated_by: None,
        }
    }

    /// The previous entry's size, if there was one.
    pub fn prev_size(&self) -> Option<u64> {
        self.prev.map(|(s, _)| s)
    }

    /// Whether an entry of `size` would break the history's order (rule 6):
    /// such an entry is refused without needing the chain's root.
    pub fn goes_backwards(&self, size: u64) -> bool {
        self.prev_size().is_some_and(|p| size < p)
    }

    /// Checkpoints verified, newest signed size and signers so far.
    pub fn status(&self) -> &NativeChainStatus {
        &self.status
    }

    /// The newest checkpoint that verified.
    pub fn latest(&self) -> Option<&LatestCheckpoint> {
        self.latest.as_ref()
    }

    /// Judge the next entry `h` of the history; `records` is the chain's
    /// number of complete lines and `roots` its Merkle roots at the sizes
    /// known (`None` inside: unreadable). Findings go to `findings`.
    pub fn entry(
        &mut self,
        h: &HistoryEntry,
        records: u64,
        roots: &BTreeMap<u64, Option<Hash>>,
        findings: &mut Vec<Finding>,
    ) -> Verdict {
        let (n, off, size) = (h.line, h.offset, h.entry.size);
        let backwards = self.goes_backwards(size);
        if let Some((p, pl)) = self.prev.filter(|_| backwards) {
            findings.push(
                Finding::new(
                    FindingKind::CheckpointMismatch,
                    format!("the history goes backwards: line {pl} signed size {p}, this one a smaller tree"),
                )
                .at(n, off)
                .expected_found(format!("size >= {p}"), size.to_string()),
            );
        }
        self.prev = Some((size, n));
        if self.origin.is_none() || self.ring.is_none() {
            return Verdict::Unjudged;
        }
        if backwards {
            return Verdict::Refused; // an entry that breaks the order is not verified
        }
        let Some((cp_root, keys)) = self.open(h, findings) else {
            return Verdict::Refused;
        };
        let signers: Vec<String> = keys.iter().map(|k| format!("{k:08x}")).collect();
        if size > records {
            if self
                .truncated_by
                .as_ref()
                .is_none_or(|t| t.entry.size < size)
            {
                self.truncated_by = Some(h.clone());
            }
            return Verdict::BeyondChain;
        }
        match roots.get(&size).copied().flatten() {
            Some(root) if root == cp_root => {
                self.status.checkpoints_verified += 1;
                self.status.signed_size = Some(size);
                self.status.signed_by.clone_from(&signers);
                self.latest = Some(LatestCheckpoint {
                    size,
                    root,
                    note: h.entry.note.clone(),
                });
                self.latest_at = Some((n, off));
                let ring = self.ring.as_ref();
                let best = keys.iter().filter_map(|&k| Some((ring?.rank(k)?, k))).max();
                if let Some((rank, key)) = best
                    && self.top.is_none_or(|(r, _, _)| rank > r)
                {
                    self.top = Some((rank, key, n));
                }
                Verdict::Verified { signers }
            }
            Some(root) => {
                findings.push(self.diverges(h, cp_root, root));
                Verdict::Refused
            }
            None => Verdict::RootUnknown,
        }
    }

    /// The finding for a signed root the chain no longer has. The first
    /// divergence names the records it implicates: those after the last
    /// checkpoint that still verified (the change is among them), as the
    /// legacy manifest does. Later checkpoints cover that change too and
    /// name nothing more.
    fn diverges(&mut self, h: &HistoryEntry, signed: Hash, found: Hash) -> Finding {
        let size = h.entry.size;
        let mut f = Finding::new(
            FindingKind::CheckpointMismatch,
            format!(
                "the first {size} lines of {} no longer have the Merkle root this checkpoint signed: a record among them was changed",
                self.chain.file_name()
            ),
        )
        .at(h.line, h.offset)
        .expected_found(hex::encode(signed), hex::encode(found));
        if !self.diverged {
            self.diverged = true;
            let good = self.status.signed_size.filter(|&g| g < size).unwrap_or(0);
            f = f.related(LineRange {
                file: self.chain.name(),
                first_line: good + 1,
                last_line: size,
            });
        }
        f
    }

    /// The `TRUNCATED` finding (on the chain file) when an entry signed
    /// more lines than the chain's `records`; `history_file` names the
    /// history in the text.
    pub fn truncation(&self, records: u64, history_file: &str) -> Option<Finding> {
        let h = self.truncated_by.as_ref()?;
        Some(
            Finding::new(
                FindingKind::Truncated,
                format!(
                    "the chain has {records} complete records, but the checkpoint at line {} of {history_file} signs {}: signed records were removed",
                    h.line, h.entry.size
                ),
            )
            .expected_found(format!("at least {} records", h.entry.size), records.to_string()),
        )
    }

    /// After a key rotation (`docs/FORMAT.md` §8): the `RETIRED_KEY`
    /// finding when the newest verified checkpoint is not signed by the key
    /// in use, or signs fewer records than a rotation retired a key at.
    /// Call once the whole history was judged, and only on a chain whose
    /// every line was read (else the missing signature may be unread bytes).
    pub fn rotation_cover(&self) -> Option<Finding> {
        let ring = self.ring.as_ref()?;
        let floor = ring.rotation_floor(self.chain)?;
        let cur = format!("{:08x}", ring.current()?.key_id());
        let old = format!("{:08x}", floor.retired_key);
        let newest = self.latest.as_ref().map(|l| l.size);
        let by = self.status.signed_by.join(", ");
        let file = self.chain.file_name();
        let detail = match newest {
            Some(size) if self.status.signed_by.contains(&cur) && size >= floor.size => {
                return None;
            }
            Some(size) if self.status.signed_by.contains(&cur) => format!(
                "the newest verified checkpoint of {file} is signed by the key in use {cur} but covers {size} records, fewer than the {} at which the rotation at events line {} retired key {old}",
                floor.size, floor.line
            ),
            Some(size) => format!(
                "the newest verified checkpoint of {file} (size {size}) is signed only by {by}, and the rotation at events line {} retired key {old} at size {}: the key in use {cur} never signed this chain since. Either an earlier version of `iss key rotate` rotated it (it re-signed only events: `iss checkpoint --accept-retired-history --key NEW` signs it now, once you have checked the records), or someone holding the retired key rewrote this chain and its history",
                floor.line, floor.size
            ),
            None => format!(
                "no checkpoint of {file} verifies, and the rotation at events line {} retired key {old} at size {}: the key in use {cur} must sign this chain",
                floor.line, floor.size
            ),
        };
        let mut f = Finding::new(FindingKind::RetiredKey, detail).expected_found(
            format!(
                "{ROTATION_COVER} ({cur}), of at least {} records",
                floor.size
            ),
            newest.map_or_else(
                || "no verified checkpoint".to_owned(),
                |size| format!("size {size}, signed by {by}"),
            ),
        );
        if let Some((n, off)) = self.latest_at {
            f = f.at(n, off);
        }
        Some(f)
    }

    /// Rule 3 continued: an entry whose every trusted signature is by a
    /// retired key, after a verified entry signed by a key that ranks above
    /// them all (their successor or a later key), was signed after the
    /// retirement: the `RETIRED_KEY` finding.
    fn after_successor(&self, keys: &[u32], n: u64, off: u64) -> Option<Finding> {
        let ring = self.ring.as_ref()?;
        let (top_rank, top_key, top_line) = self.top?;
        let stale = keys
            .iter()
            .all(|&k| ring.is_retired(k) && ring.rank(k).is_some_and(|r| r < top_rank));
        if !stale {
            return None;
        }
        let ids: Vec<String> = keys.iter().map(|k| format!("{k:08x}")).collect();
        Some(
            Finding::new(
                FindingKind::RetiredKey,
                format!(
                    "signed only by the retired key {}, after history line {top_line} was signed by {top_key:08x}, a key that replaced it: the retired key was used after its retirement (treat it as compromised)",
                    ids.join(", ")
                ),
            )
            .at(n, off)
            .expected_found(
                format!("a signature by key {top_key:08x} or a key after it"),
                ids.join(", "),
            ),
        )
    }

    /// Open an entry's note with the keys trusted for its size; on success,
    /// its root and the ids of the keys that signed it (rules 1-3).
    fn open(&self, h: &HistoryEntry, findings: &mut Vec<Finding>) -> Option<(Hash, Vec<u32>)> {
        let (n, off, size) = (h.line, h.offset, h.entry.size);
        let (origin, ring) = (self.origin.as_deref()?, self.ring.as_ref()?);
        // One open checks every signature line by a ledger key, under the
        // ledger's name and under the chain's origin (FORMAT.md §7.1).
        let (cp, opened) = match open_checkpoint_with_signatures(
            &h.entry.note,
            self.keys.verifiers(),
            origin,
        ) {
            Ok(x) => x,
            Err(e) => {
                let detail = match &e {
                    CheckpointError::Note(NoteError::BadSignature { name, .. })
                        if name == origin =>
                    {
                        format!(
                            "the signature under the chain's origin name {origin} (FORMAT.md §7.1) does not verify: {e}"
                        )
                    }
                    _ => format!("the checkpoint does not open with the ledger's keys: {e}"),
                };
                findings.push(Finding::new(FindingKind::SignatureInvalid, detail).at(n, off));
                return None;
            }
        };
        // A key counts by its signature under the ledger's name; one only
        // under the chain's origin is checked, but does not make a note
        // signed (as before §7.1 lines were checked at all).
        if !opened
            .verified
            .iter()
            .any(|s| self.keys.is_ledger_name(&s.name))
        {
            let e = NoteError::Unverified {
                unknown_signers: opened
                    .verified
                    .iter()
                    .map(|s| s.name.clone())
                    .chain(opened.unknown.iter().map(|s| s.name.clone()))
                    .collect(),
            };
            findings.push(
                Finding::new(
                    FindingKind::SignatureInvalid,
                    format!("the checkpoint does not open with the ledger's keys: {e}"),
                )
                .at(n, off),
            );
            return None;
        }
        if cp.size != size {
            findings.push(
                Finding::new(
                    FindingKind::CheckpointMismatch,
                    "the entry's size differs from the size its note signs",
                )
                .at(n, off)
                .expected_found(cp.size.to_string(), size.to_string()),
            );
            return None;
        }
        let mut signers = Vec::new();
        let mut refusals = Vec::new();
        // Each key once, by its id under the ledger's name.
        let mut keys: Vec<u32> = Vec::new();
        for s in &opened.verified {
            if let Some(k) = self.keys.key_of(&s.name, s.key_id)
                && !keys.contains(&k)
            {
                keys.push(k);
            }
        }
        for &k in &keys {
            match ring.may_sign(k, self.chain, size) {
                Ok(()) => signers.push(k),
                Err(e) => refusals.push(e),
            }
        }
        if signers.is_empty() {
            // Signed, but only by keys the verifier did not pin (--vkey).
            let kind = if keys.iter().any(|&k| ring.unpinned(k)) {
                FindingKind::SignatureUntrusted
            } else {
                FindingKind::SignatureInvalid
            };
            findings.push(
                Finding::new(
                    kind,
                    format!(
                        "no signature by a key trusted for this size: {}",
                        refusals.join("; ")
                    ),
                )
                .at(n, off),
            );
            return None;
        }
        if let Some(f) = self.after_successor(&signers, n, off) {
            findings.push(f);
            return None;
        }
        Some((cp.root, signers))
    }
}
