//! One appended chain line, and one appended history entry, judged and
//! reported: what was checked, what was found, and what is not established
//! yet (a record is signed only once a checkpoint covering it verifies).

use super::{Ctx, Item, LiveChain};
use crate::ledger::io::reader::{Content, RawLine};
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::ledger::native::format::legacy_starts::START_EVENT;
use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::secret::MacKey;
use crate::ledger::native::verify::Verdict;
use crate::ledger::native::verify::events::{event_body, second_genesis};
use crate::ledger::watch::WatchEvent;
use crate::ledger::watch::event::{NativeUpdate, RecordEvent, RecordStatus};

/// The checks on an appended native record (no MAC key held: a MAC the
/// ledger requires is checked to be present, not checked with the key).
pub const RECORD_CHECKS: &[&str] = &[
    "framing",
    "seq follows the previous record",
    "prev links to the previous record",
    "hash",
    "MAC policy",
];
/// [`RECORD_CHECKS`] with the HMAC key held.
pub const RECORD_CHECKS_KEYED: &[&str] = &[
    "framing",
    "seq follows the previous record",
    "prev links to the previous record",
    "hash",
    "MAC policy",
    "MAC with the key",
];
/// The checks on an appended `descriptors` record (no MAC key held).
pub const DESCRIPTOR_CHECKS: &[&str] = &[
    "framing",
    "seq follows the previous record",
    "prev links to the previous record",
    "hash",
    "MAC policy",
    "descriptor_id not used by an earlier record",
];
/// [`DESCRIPTOR_CHECKS`] with the HMAC key held.
pub const DESCRIPTOR_CHECKS_KEYED: &[&str] = &[
    "framing",
    "seq follows the previous record",
    "prev links to the previous record",
    "hash",
    "MAC policy",
    "MAC with the key",
    "descriptor_id not used by an earlier record",
];
/// The checks on an appended `events` record.
pub const EVENT_CHECKS: &[&str] = &[
    "framing",
    "seq follows the previous record",
    "prev links to the previous record",
    "hash",
    "MAC policy",
    "event body (no second genesis)",
];
/// [`EVENT_CHECKS`] with the HMAC key held.
pub const EVENT_CHECKS_KEYED: &[&str] = &[
    "framing",
    "seq follows the previous record",
    "prev links to the previous record",
    "hash",
    "MAC policy",
    "MAC with the key",
    "event body (no second genesis)",
];
/// The checks on an appended checkpoint history entry (`docs/FORMAT.md` §7).
pub const CHECKPOINT_CHECKS: &[&str] = &[
    "entry form",
    "sizes never decrease",
    "signed note opens with a trusted key, origin",
    "entry size is the signed size",
    "key trusted for this size",
    "size within the chain",
    "root is the chain's Merkle root at this size",
];

impl LiveChain {
    /// Verify one appended line and report it. Returns why the whole
    /// ledger must be verified instead (a key rotation).
    pub(super) fn record(
        &mut self,
        path: &str,
        key: Option<&MacKey>,
        raw: &RawLine<'_>,
        events: &mut Vec<WatchEvent>,
    ) -> Option<String> {
        let mut findings = Vec::new();
        if self.chain == Chain::Events
            && let Content::Bytes(b) = raw.content
            && let Some(ev) = event_body(b)
        {
            match ev.kind.as_str() {
                "key_rotation" => {
                    return Some(format!(
                        "events line {}: a key rotation changes which key may sign which \
                         checkpoint of every chain; the whole ledger is verified again",
                        raw.number
                    ));
                }
                // Only a migration writes these, with the genesis: one
                // appended later is judged with the whole start log.
                START_EVENT => {
                    return Some(format!(
                        "events line {}: a migrated start record is checked against the \
                         genesis with the whole start log; the whole ledger is verified again",
                        raw.number
                    ));
                }
                "genesis" => findings.push(second_genesis(raw.number, raw.offset, ev.seq)),
                _ => {}
            }
        }
        let before = self.verifier.mac_counts();
        self.verifier.feed(key, raw, &mut findings);
        let after = self.verifier.mac_counts();
        let parsed = !findings.iter().any(|f| f.kind == FindingKind::ParseError);
        let keyed = key.is_some();
        let checks = match (self.chain, keyed) {
            (Chain::Pulses, false) => RECORD_CHECKS,
            (Chain::Pulses, true) => RECORD_CHECKS_KEYED,
            (Chain::Descriptors, false) => DESCRIPTOR_CHECKS,
            (Chain::Descriptors, true) => DESCRIPTOR_CHECKS_KEYED,
            (Chain::Events, false) => EVENT_CHECKS,
            (Chain::Events, true) => EVENT_CHECKS_KEYED,
        };
        let by = if after.0 > before.0 {
            "hash chain and MAC"
        } else {
            "hash chain"
        };
        let signed = self.judge.status().signed_size.map_or_else(
            || "no checkpoint of this chain verified yet".to_owned(),
            |s| format!("the newest verified checkpoint signs {s} record(s)"),
        );
        let mut note = format!(
            "verified by {by}; not signed yet ({signed}): it is covered by a signature once a \
             checkpoint of its size or more verifies"
        );
        if after.1 > before.1 {
            note.push_str("; its MAC was not checked (no HMAC key given)");
        }
        events.push(WatchEvent::Record(RecordEvent {
            file: self.chain.name(),
            path: path.to_owned(),
            line: raw.number,
            offset: raw.offset,
            record_id: parsed.then(|| self.verifier.next_seq().saturating_sub(1).to_string()),
            status: verdict(&findings),
            checks,
            findings,
            note: Some(note),
            native: None,
        }));
        None
    }

    /// Judge the queued history entries whose size the chain has reached.
    /// Returns why the whole ledger must be verified instead.
    pub(super) fn drain(&mut self, ctx: &Ctx<'_>, events: &mut Vec<WatchEvent>) -> Option<String> {
        let records = self.verifier.records();
        while let Some(front) = self.queue.front() {
            if let Some(h) = &front.entry
                && !self.judge.goes_backwards(h.entry.size)
                && h.entry.size > records
            {
                break; // signs lines not read yet
            }
            let item = self.queue.pop_front()?;
            let Some(h) = &item.entry else {
                // Not an entry at all: its finding (PARSE_ERROR, ...) stands.
                self.entry_event(&item, Vec::new(), None, None, events);
                continue;
            };
            let size = h.entry.size;
            if !self.judge.goes_backwards(size)
                && !self.roots.contains_key(&size)
                && size != records
            {
                return Some(format!(
                    "{} line {}: a checkpoint of size {size}, below the {records} lines of {} \
                     already verified, and the watcher kept no Merkle root at that size (it \
                     keeps the current one and the newest verified checkpoint's); the whole \
                     ledger is verified again",
                    self.history.name,
                    h.line,
                    self.chain.file_name()
                ));
            }
            self.roots.insert(records, self.verifier.root());
            let mut findings = Vec::new();
            match self.judge.entry(h, records, &self.roots, &mut findings) {
                Verdict::Verified { signers } => {
                    let keep = self.judge.latest().map(|l| l.size);
                    self.roots.retain(|s, _| *s == records || Some(*s) == keep);
                    let note = format!(
                        "signed by key(s) {}: records 1-{size} of {} are covered by a verified \
                         signature",
                        signers.join(", "),
                        self.chain.file_name()
                    );
                    self.entry_event(&item, findings, Some(note), Some(size), events);
                }
                Verdict::Refused
                    if findings
                        .iter()
                        .any(|f| f.kind == FindingKind::SignatureInvalid)
                        && (ctx.rotated)() =>
                {
                    return Some(format!(
                        "{} line {}: the checkpoint does not open with the keys known, and \
                         events.jsonl grew since it was verified (a key rotation may introduce \
                         its key); the whole ledger is verified again",
                        self.history.name, h.line
                    ));
                }
                Verdict::Refused => self.entry_event(&item, findings, None, Some(size), events),
                other => {
                    return Some(format!(
                        "{} line {}: the checkpoint could not be judged live ({other:?}); the \
                         whole ledger is verified again",
                        self.history.name, h.line
                    ));
                }
            }
        }
        None
    }

    /// Report one history line: verified when `findings` holds no
    /// violation, with the chain's numbers after it.
    fn entry_event(
        &self,
        item: &Item,
        mut findings: Vec<Finding>,
        note: Option<String>,
        size: Option<u64>,
        events: &mut Vec<WatchEvent>,
    ) {
        findings.extend(item.findings.iter().cloned());
        events.push(WatchEvent::Record(RecordEvent {
            file: self.history.name,
            path: self.history.path.display().to_string(),
            line: item.line,
            offset: item.offset,
            record_id: size.map(|s| s.to_string()),
            status: verdict(&findings),
            checks: CHECKPOINT_CHECKS,
            findings,
            note,
            native: Some(Box::new(NativeUpdate {
                chain: self.chain.name(),
                status: self.status(),
            })),
        }));
    }
}

fn verdict(findings: &[Finding]) -> RecordStatus {
    if findings.iter().any(Finding::is_violation) {
        RecordStatus::Violated
    } else {
        RecordStatus::Verified
    }
}
