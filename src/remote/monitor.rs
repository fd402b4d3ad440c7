//! `iss watch LOCATION`: a monitor of a published ledger. It polls each
//! chain's checkpoint; a new one must be signed by a key of the ledger
//! (`SIGNATURE_INVALID` otherwise), must not be smaller than the last one
//! verified (`ROLLBACK`), and its tree must contain the last one: the new
//! entries, appended to the entries already verified, must hash to its root
//! (`FORK` otherwise). The containment is first proved from the new
//! tree's hash tiles alone (an RFC 9162 consistency proof, [`super::proof`]),
//! so a fork is found without downloading a bundle; the new entries are
//! then fetched, and the hash tiles of the grown tree checked against them.
//! Consistent growth is appended to the private copy, where the ordinary
//! watcher verifies each new record and checkpoint as for a local ledger.
//!
//! A checkpoint that does not open (it does not parse as a signed note, or
//! its signature does not verify), or that is gone, is judged only when a
//! second poll in a row finds it so (`Doubt`): one read may have caught a
//! publisher (or a web server serving a file) in the middle of writing it
//! — a torn read, not the publisher's statement — and an alert resting on
//! bytes that were never published whole would be a false verdict. A
//! checkpoint that opens is never held back: a torn read cannot carry a
//! valid signature over another tree.

use super::Fetched;
use super::mirror::{ChainHead, checkpoint_key, history_key, parse_note, write_file};
use super::proof::Consistency;
use crate::ledger::native::format::meta::{Chain, ChainPaths, Metadata};
use crate::ledger::watch::{Alert, ChangeKind, WatchEvent};
use crate::tlog::checkpoint::open_checkpoint;
use crate::tlog::note::Verifier;
use std::io::Write;

/// The monitor's state: what was last verified of each chain.
#[derive(Debug)]
pub struct Monitor {
    heads: Vec<ChainHead>,
    /// Notes already alerted on (an alert is raised once, not at every poll).
    alerted: Vec<String>,
    pinned: Option<Vec<Verifier>>,
    /// Per chain (as `heads`): what the last poll could not open.
    doubts: Vec<Option<Doubt>>,
}

/// A published checkpoint that did not open (or was gone) at the last
/// poll: an alert once the next poll finds the same, nothing if that poll
/// reads a checkpoint that opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Doubt {
    /// No checkpoint was published.
    Gone,
    /// A checkpoint that did not open.
    Unopened,
}

impl Monitor {
    /// Start from what `fetched` holds; `pinned`: the only keys trusted
    /// (`--vkey`), else the ledger's own (metadata and rotations).
    pub fn new(fetched: &Fetched, pinned: Option<Vec<Verifier>>) -> Self {
        let heads = fetched.mirror().heads.clone();
        Monitor {
            doubts: vec![None; heads.len()],
            heads,
            alerted: Vec::new(),
            pinned,
        }
    }

    /// Fetch each chain's checkpoint once; apply consistent growth to the
    /// copy and return the events (alerts, read errors) for the rest.
    pub fn poll(&mut self, fetched: &Fetched) -> Vec<WatchEvent> {
        let mut events = Vec::new();
        let keys = self.keys(fetched);
        let origin = match Metadata::read(fetched.dir()) {
            Ok((m, _)) => m.origin,
            Err(e) => return vec![WatchEvent::Error(format!("the copy's metadata: {e}"))],
        };
        for i in 0..self.heads.len() {
            match self.poll_chain(fetched, i, &keys, &origin) {
                Ok(Some(alert)) => events.push(WatchEvent::Alert(alert)),
                Ok(None) => {}
                Err(e) => events.push(WatchEvent::Error(e)),
            }
        }
        events
    }

    fn poll_chain(
        &mut self,
        fetched: &Fetched,
        i: usize,
        keys: &[Verifier],
        origin: &str,
    ) -> Result<Option<Alert>, String> {
        let mirror = fetched.mirror();
        let head = &self.heads[i];
        let chain = head.chain;
        let key = checkpoint_key(chain);
        let url = mirror.location.url(&key);
        let note = mirror.location.get(&key).map_err(|e| e.to_string())?;
        let Some(note) = note else {
            if head.size == 0 || !confirmed(&mut self.doubts[i], Doubt::Gone) {
                return Ok(None);
            }
            return Ok(self.alert_once(
                String::new(),
                chain,
                &url,
                ChangeKind::Rollback,
                format!("a checkpoint of {} records", head.size),
                "no checkpoint".into(),
                "the published checkpoint is gone".into(),
            ));
        };
        let text = String::from_utf8_lossy(&note).into_owned();
        if head.note.as_deref() == Some(text.as_str()) || self.alerted.contains(&text) {
            self.doubts[i] = None;
            return Ok(None);
        }
        let cp = match open_checkpoint(&text, keys, &format!("{origin}/{}", chain.name())) {
            Ok(cp) => {
                self.doubts[i] = None;
                cp
            }
            Err(_) if !confirmed(&mut self.doubts[i], Doubt::Unopened) => return Ok(None),
            Err(e) => {
                let stated = parse_note(&note).map_or_else(|w| w, |c| format!("size {}", c.size));
                return Ok(self.alert_once(
                    text,
                    chain,
                    &url,
                    ChangeKind::SignatureInvalid,
                    "a checkpoint signed by a key trusted for this ledger".into(),
                    format!("{stated}: {e}"),
                    "a new checkpoint does not verify, at two polls in a row: it is not a note signed by the ledger's key"
                        .into(),
                ));
            }
        };
        let root = head.root();
        if cp.size < head.size {
            return Ok(self.alert_once(
                text,
                chain,
                &url,
                ChangeKind::Rollback,
                format!(
                    "at least {} records (the last checkpoint verified)",
                    head.size
                ),
                format!("{} records", cp.size),
                format!(
                    "the published checkpoint went back from {} to {} records",
                    head.size, cp.size
                ),
            ));
        }
        if cp.size == head.size {
            if cp.root != root {
                return Ok(self.fork(text, chain, &url, &cp.root, &root, head.size));
            }
            // Same tree, another note (a new cosignature, a witness, a
            // rotated key): no entry to verify, but recorded as a writer
            // records it — the history's new entries, then the checkpoint —
            // so the watcher on the copy judges it as for a local ledger.
            let paths = ChainPaths::new(fetched.dir(), chain);
            let added = match self.history_tail(fetched, chain, &text)? {
                Ok(added) => added,
                Err(alert) => return Ok(alert),
            };
            append(&paths.history, &added)?;
            write_file(&paths.latest, &note).map_err(|e| e.to_string())?;
            self.heads[i].note = Some(text);
            return Ok(None);
        }
        self.grow(fetched, i, &cp, &note, text, &url)
    }

    /// A checkpoint larger than the last verified one: the new entries,
    /// after the ones verified, must make its root.
    fn grow(
        &mut self,
        fetched: &Fetched,
        i: usize,
        cp: &crate::tlog::checkpoint::Checkpoint,
        note: &[u8],
        text: String,
        url: &str,
    ) -> Result<Option<Alert>, String> {
        let mirror = fetched.mirror();
        let head = &self.heads[i];
        let chain = head.chain;
        // First from the hash tiles alone: a fork needs no bundle.
        let proof = super::proof::check(
            &mirror.location,
            chain,
            head.size,
            &head.peaks(),
            cp.size,
            &cp.root,
        )
        .map_err(|e| e.to_string())?;
        if proof == Consistency::Fork {
            let old = head.size;
            let root = head.root();
            return Ok(self.alert_once(
                text,
                chain,
                url,
                ChangeKind::Fork,
                format!(
                    "a tree that contains the {old} records verified (root {})",
                    hex::encode(root)
                ),
                format!(
                    "root {} of {} records, whose hash tiles hold other records before record {}",
                    hex::encode(cp.root),
                    cp.size,
                    old + 1
                ),
                format!(
                    "the consistency proof from the published hash tiles fails: the new checkpoint's tree does not contain the {old} records verified before (a fork)"
                ),
            ));
        }
        let paths = ChainPaths::new(fetched.dir(), chain);
        let side = paths.file.with_extension("jsonl.incoming");
        let mut out = std::fs::File::create(&side)
            .map(|f| std::io::BufWriter::with_capacity(1 << 20, f))
            .map_err(|e| format!("{}: {e}", side.display()))?;
        let mut grown = head.clone();
        let findings = mirror
            .extend(&mut grown, cp.size, &mut out)
            .map_err(|e| e.to_string())?;
        out.flush()
            .map_err(|e| format!("{}: {e}", side.display()))?;
        drop(out);
        if grown.size == cp.size && grown.root() != cp.root {
            let _ = std::fs::remove_file(&side);
            return Ok(self.fork(text, chain, url, &cp.root, &grown.root(), head.size));
        }
        if let Some(f) = findings.first() {
            let _ = std::fs::remove_file(&side);
            return Err(format!(
                "{url}: the checkpoint of {} records could not be followed: {} {}",
                cp.size, f.kind, f.detail
            ));
        }
        let added = match self.history_tail(fetched, chain, &text) {
            Ok(Ok(added)) => added,
            Ok(Err(alert)) => {
                let _ = std::fs::remove_file(&side);
                return Ok(alert);
            }
            Err(e) => {
                let _ = std::fs::remove_file(&side);
                return Err(e);
            }
        };
        // Like a writer: the lines, then the history, then the checkpoint;
        // appended, never replaced (the watcher on the copy checks that).
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&paths.file)
            .map_err(|e| format!("{}: {e}", paths.file.display()))?;
        let mut incoming =
            std::fs::File::open(&side).map_err(|e| format!("{}: {e}", side.display()))?;
        std::io::copy(&mut incoming, &mut file)
            .map_err(|e| format!("{}: {e}", paths.file.display()))?;
        let _ = std::fs::remove_file(&side);
        append(&paths.history, &added)?;
        write_file(&paths.latest, note).map_err(|e| e.to_string())?;
        grown.note = Some(text);
        self.heads[i] = grown;
        Ok(None)
    }

    /// The published checkpoint history's entries after the copy's,
    /// fetching only its tail: from the start of the copy's last entry on
    /// (a range request), which must be unchanged. `Err(alert)` (once per
    /// `note`) when the published history does not continue the copy's.
    /// Entries before that last one are not fetched again: one rewritten in
    /// place is found by `iss verify LOCATION`, which reads the whole
    /// history (docs/REMOTE.md).
    fn history_tail(
        &mut self,
        fetched: &Fetched,
        chain: Chain,
        note: &str,
    ) -> Result<Result<Vec<u8>, Option<Alert>>, String> {
        let location = &fetched.mirror().location;
        let paths = ChainPaths::new(fetched.dir(), chain);
        let copy = std::fs::read(&paths.history).unwrap_or_default();
        let body = copy.strip_suffix(b"\n").unwrap_or(&copy);
        let from = body.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let got = location
            .get_from(&history_key(chain), from as u64)
            .map_err(|e| e.to_string())?;
        let found = match got {
            None if copy.is_empty() => return Ok(Ok(Vec::new())),
            None => "no checkpoint history".to_owned(),
            Some((offset, bytes)) => {
                let kept = if offset == from as u64 {
                    &copy[from..]
                } else {
                    &copy[..]
                };
                if let Some(added) = bytes.strip_prefix(kept) {
                    return Ok(Ok(added.to_vec()));
                }
                format!(
                    "{} bytes from byte {offset} on that do not continue them",
                    bytes.len()
                )
            }
        };
        Ok(Err(self.alert_once(
            note.to_owned(),
            chain,
            &location.url(&history_key(chain)),
            ChangeKind::Rewritten,
            format!(
                "the {} bytes of checkpoint history verified (the last entry from byte {from}), then new entries",
                copy.len()
            ),
            found,
            "the published checkpoint history was rewritten, not extended".into(),
        )))
    }

    fn fork(
        &mut self,
        note: String,
        chain: Chain,
        url: &str,
        stated: &crate::tlog::merkle::Hash,
        computed: &crate::tlog::merkle::Hash,
        old: u64,
    ) -> Option<Alert> {
        self.alert_once(
            note,
            chain,
            url,
            ChangeKind::Fork,
            format!(
                "root {} (the {old} records verified, then the new entries)",
                hex::encode(computed)
            ),
            format!("root {}", hex::encode(stated)),
            format!(
                "the new checkpoint's tree does not contain the {old} records verified before: another history was published (a fork)"
            ),
        )
    }

    #[allow(clippy::too_many_arguments)] // the fields of the alert
    fn alert_once(
        &mut self,
        note: String,
        chain: Chain,
        url: &str,
        change: ChangeKind,
        expected: String,
        found: String,
        detail: String,
    ) -> Option<Alert> {
        if !note.is_empty() {
            self.alerted.push(note);
        } else if self.alerted.iter().any(String::is_empty) {
            return None;
        } else {
            self.alerted.push(String::new());
        }
        Some(Alert {
            file: chain.name(),
            path: url.to_owned(),
            change,
            expected,
            found,
            detail,
        })
    }

    /// The keys a new checkpoint may be signed by: `--vkey`'s, else the
    /// metadata's and every key a rotation record in the copy's `events`
    /// chain introduced (the watcher judges which size each may sign).
    fn keys(&self, fetched: &Fetched) -> Vec<Verifier> {
        if let Some(p) = &self.pinned {
            return p.clone();
        }
        let mut keys = Metadata::read(fetched.dir())
            .map(|(m, _)| m.verifiers())
            .unwrap_or_default();
        let events =
            std::fs::read(ChainPaths::new(fetched.dir(), Chain::Events).file).unwrap_or_default();
        for line in events.split(|b| *b == b'\n') {
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else {
                continue;
            };
            if let Some(k) = find_str(&v, "new_vkey")
                && let Ok(k) = Verifier::from_vkey(k)
            {
                keys.push(k);
            }
        }
        keys
    }
}

/// Whether a chain's checkpoint was found as `doubt` at the previous poll
/// too (`last`): then it is judged; else it is held until the next poll.
fn confirmed(last: &mut Option<Doubt>, doubt: Doubt) -> bool {
    let again = *last == Some(doubt);
    *last = Some(doubt);
    again
}

fn append(path: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn find_str<'a>(v: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    match v {
        serde_json::Value::Object(m) => m
            .get(key)
            .and_then(serde_json::Value::as_str)
            .or_else(|| m.values().find_map(|x| find_str(x, key))),
        serde_json::Value::Array(a) => a.iter().find_map(|x| find_str(x, key)),
        _ => None,
    }
}
