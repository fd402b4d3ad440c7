//! Watching a ledger while it is written: each appended record verified as
//! it arrives, every other change raised as an alert.
//!
//! [`Watch`] is the core and knows nothing of time or of file
//! notifications: [`Watch::start`] verifies the whole ledger once and keeps,
//! per file, what was verified ([`file_state::FileState`]: inode, verified
//! length, hashes of the verified prefix and of its last line) and the
//! in-order verifiers where they stopped ([`live::LiveVerifiers`]).
//! [`Watch::rescan`] then looks at every file and classifies what changed:
//!
//! - growth by complete lines: each line is verified from the last verified
//!   offset by the same verifiers a full verification uses, and reported as
//!   a [`WatchEvent::Record`];
//! - growth by an incomplete line: [`WatchEvent::Pending`], not tampering,
//!   until it completes, or stays incomplete past a grace period (then an
//!   alert: a torn tail);
//! - a rewrite, truncation, replacement (new inode), deletion or creation:
//!   a [`WatchEvent::Alert`], then a full re-verification
//!   ([`WatchEvent::Reverified`]) from which watching continues.
//!
//! Where a line cannot be verified incrementally (a cross-file check), the
//! ledger is re-verified in full and the event says so; a line is never
//! reported as verified when it was not checked.
//!
//! A native ledger is continued the same way by [`native::NativeLive`]: each
//! chain's verifier and checkpoint judge where the full verification left
//! them, fed the appended lines and history entries; its metadata stays a
//! companion ([`companions`]) whose change re-verifies the whole ledger.
//!
//! [`thread::spawn`] runs a `Watch` on its own thread, rescanning when
//! `notify` reports a change in the ledger's folders (debounced) and, as a
//! safety net for file systems where notifications are lost, every few
//! seconds anyway. Tests call [`Watch::rescan`] directly.

pub mod companions;
pub mod event;
pub mod file_state;
pub mod live;
pub mod native;
pub mod thread;

pub use event::{Alert, ChangeKind, PendingEvent, RecordEvent, RecordStatus, WatchEvent};
pub use thread::WatchHandle;

use crate::ledger::discover::{DiscoverError, FileKind, discover};
use crate::ledger::io::reader::{LineReader, RawLine};
use crate::ledger::model::finding::FindingKind;
use crate::ledger::model::report::VerifyReport;
use crate::ledger::verify::{VerifyOptions, verify_discovered_live};
use companions::Companions;
use file_state::{FileState, Look, Torn};
use live::{LiveVerifiers, Step};
use native::NativeLive;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How the watcher behaves.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Options of every (full) verification.
    pub verify: VerifyOptions,
    /// How long an incomplete last line may stay unchanged before it is
    /// reported as a torn tail rather than a write in progress.
    pub torn_grace: Duration,
    /// After a notification, how long to gather more before rescanning.
    pub debounce: Duration,
    /// Rescan this often even without notifications.
    pub rescan_every: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            verify: VerifyOptions::default(),
            torn_grace: Duration::from_secs(2),
            debounce: Duration::from_millis(20),
            rescan_every: Duration::from_secs(2),
        }
    }
}

/// A watched ledger: what was verified, and the verifiers to continue.
#[derive(Debug)]
pub struct Watch {
    root: PathBuf,
    options: WatchOptions,
    files: Vec<FileState>,
    live: LiveVerifiers,
    /// A native ledger's chains and checkpoint histories, continued entry
    /// by entry (`None`: legacy, or a native ledger that must be verified
    /// as a whole at every change).
    native: Option<NativeLive>,
    companions: Companions,
}

/// Growth is judged in this order, so that a rescan that sees a new
/// descriptor and its manifest line checks the descriptor first; files are
/// looked at in the reverse order (see [`Watch::rescan_files`]).
fn rank(kind: FileKind) -> u8 {
    match kind {
        FileKind::SpiceChain => 0,
        FileKind::IntegrityManifest => 1,
        _ => 2,
    }
}

impl Watch {
    /// Verify the ledger at `root` in full and start watching from there.
    pub fn start(
        root: &Path,
        options: WatchOptions,
    ) -> Result<(Self, VerifyReport), DiscoverError> {
        let (b, report) = baseline(root, &options)?;
        let watch = Watch {
            root: root.to_path_buf(),
            options,
            files: b.files,
            live: b.live,
            native: b.native,
            companions: b.companions,
        };
        Ok((watch, report))
    }

    /// The folders holding the watched files (to ask for notifications on).
    pub fn dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self
            .files
            .iter()
            .filter_map(|f| f.path.parent().map(Path::to_path_buf))
            .map(|p| {
                if p.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    p
                }
            })
            .collect();
        dirs.sort();
        dirs.dedup();
        dirs
    }

    /// The options in force.
    pub fn options(&self) -> &WatchOptions {
        &self.options
    }

    /// Look at every file and report what changed since the last look;
    /// `now` times incomplete lines.
    pub fn rescan(&mut self, now: Instant) -> Vec<WatchEvent> {
        let mut events = Vec::new();
        let reverify = if let Some(native) = self.native.as_mut() {
            // The metadata first: it decides the keys and the MAC policy
            // every appended record and checkpoint is judged with.
            self.companions
                .changed()
                .or_else(|| native.rescan(&mut self.files, &self.options, now, &mut events))
        } else {
            self.rescan_files(now, &mut events)
                .or_else(|| self.companions.changed())
        };
        if let Some(reason) = reverify {
            self.reverify(reason, &mut events);
        }
        events
    }

    /// Look at every file of a ledger verified line by line (legacy) or as
    /// a whole; returns why the ledger must be verified again, if it must.
    ///
    /// A writer appends the descriptors, then (after their fdatasync) the
    /// manifest lines attesting them. Looking at the chain first and the
    /// manifest a moment later, a rescan could take the manifest lines of an
    /// append whose chain lines it had not seen, and report them as
    /// attesting records the chain lacks (`TRUNCATED`, a false alarm that
    /// then left every later manifest line unchecked). So the files are
    /// looked at in the reverse of the writer's order (the manifest before
    /// the chain): every manifest line read attests chain lines written
    /// before it, which the later look at the chain sees. The growth is
    /// then judged in the writer's order. A file that could not be looked
    /// at holds back the growth of the files judged after it (it is read
    /// again at the next rescan), rather than have it judged against a
    /// chain not read.
    fn rescan_files(&mut self, now: Instant, events: &mut Vec<WatchEvent>) -> Option<String> {
        let mut order: Vec<usize> = (0..self.files.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(rank(self.files[i].kind)));
        let mut grown = Vec::new();
        let mut unread = None;
        for i in order {
            let st = &mut self.files[i];
            match st.look() {
                Err(e) => {
                    events.push(WatchEvent::Error(format!("{}: {e}", st.path.display())));
                    let r = rank(st.kind);
                    unread = Some(unread.map_or(r, |u: u8| u.min(r)));
                }
                Ok(Look::Same) => {}
                Ok(Look::Changed(alert)) => {
                    let why = alert.text();
                    events.push(WatchEvent::Alert(alert));
                    // The rest is looked at again by the full verification.
                    return Some(why);
                }
                Ok(Look::Grew(bytes)) => grown.push((i, bytes)),
            }
        }
        grown.sort_by_key(|(i, _)| rank(self.files[*i].kind));
        for (i, bytes) in grown {
            let st = &mut self.files[i];
            if unread.is_some_and(|u| rank(st.kind) > u) {
                break;
            }
            let why = grow(st, &mut self.live, &bytes, &self.options, now, events);
            if why.is_some() {
                return why;
            }
        }
        None
    }

    /// Verify the whole ledger again and continue from that.
    fn reverify(&mut self, reason: String, events: &mut Vec<WatchEvent>) {
        events.push(WatchEvent::Reverifying { reason });
        match baseline(&self.root, &self.options) {
            Ok((b, report)) => {
                self.files = b.files;
                self.live = b.live;
                self.native = b.native;
                self.companions = b.companions;
                events.push(WatchEvent::Reverified(Box::new(report)));
            }
            Err(e) => {
                events.push(WatchEvent::Error(format!("cannot re-verify: {e}")));
                // What is gone is not reported again at every rescan.
                for f in &mut self.files {
                    if !f.path.exists() {
                        *f = FileState::baseline(f.kind, &f.path, None, false)
                            .unwrap_or_else(|_| f.clone());
                    }
                }
            }
        }
    }
}

/// Handle growth of one file: verify its new complete lines, track an
/// incomplete one. Returns why the ledger must be re-verified, if it must.
fn grow(
    st: &mut FileState,
    live: &mut LiveVerifiers,
    bytes: &[u8],
    options: &WatchOptions,
    now: Instant,
    events: &mut Vec<WatchEvent>,
) -> Option<String> {
    let not_live = (!live.incremental(st.kind)).then(|| {
        if st.kind.format().native() {
            "a native ledger is verified as a whole (records, Merkle tree, checkpoints) \
             when its last full verification could not read its metadata, a chain or a \
             Merkle tree, or for a lone chain file"
        } else {
            "its checks compare it with other files as a whole"
        }
    });
    let (kind, path) = (st.kind, st.path.display().to_string());
    feed_grown(
        st,
        bytes,
        options,
        now,
        events,
        not_live,
        |at, events| match live.feed(kind, &path, at) {
            Step::Judged(ev) => {
                events.push(WatchEvent::Record(ev));
                None
            }
            Step::Reverify(why) => Some(why),
        },
    )
}

/// Hand the complete lines `st` grew by (`bytes`) to `each`, numbered and
/// placed as in the whole file, then count them as verified; an incomplete
/// tail is tracked as pending (or torn). `not_live` says why lines of this
/// file cannot be judged one by one, if they cannot. Returns why the whole
/// ledger must be verified instead, if it must (`each` may say so too).
fn feed_grown(
    st: &mut FileState,
    bytes: &[u8],
    options: &WatchOptions,
    now: Instant,
    events: &mut Vec<WatchEvent>,
    not_live: Option<&str>,
    mut each: impl FnMut(&RawLine<'_>, &mut Vec<WatchEvent>) -> Option<String>,
) -> Option<String> {
    let complete = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
    if complete > 0 {
        let why = if st.needs_full {
            Some("its last line was incomplete or unreadable when it was verified")
        } else {
            not_live
        };
        if let Some(why) = why {
            let name = st.path.file_name().map_or_else(
                || st.path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            return Some(format!("{name} grew: {why}"));
        }
        let mut reader = LineReader::with_limit(&bytes[..complete], options.verify.max_line);
        let mut lines = 0;
        loop {
            let mut raw = match reader.next_line() {
                Ok(Some(l)) => l,
                Ok(None) => break,
                Err(e) => return Some(format!("{}: {e}", st.path.display())),
            };
            lines += 1;
            raw.number += st.lines;
            raw.offset += st.verified_len;
            raw.bom &= st.verified_len == 0;
            if let Some(why) = each(&raw, events) {
                return Some(why);
            }
        }
        st.advance(&bytes[..complete], lines);
        st.torn = None;
    }
    track_incomplete(st, (bytes.len() - complete) as u64, options, now, events)
}

/// After growth: `rest` bytes follow the last complete line of `st`. A new
/// or still-growing incomplete line is [`WatchEvent::Pending`]; one that
/// stays unchanged past the grace period is an alert (a torn tail), and the
/// reason to re-verify is returned.
fn track_incomplete(
    st: &mut FileState,
    rest: u64,
    options: &WatchOptions,
    now: Instant,
    events: &mut Vec<WatchEvent>,
) -> Option<String> {
    if rest == 0 {
        return None;
    }
    let len = st.verified_len + rest;
    match &mut st.torn {
        Some(t) if t.len == len => {
            if !t.stuck && now.duration_since(t.since) >= options.torn_grace {
                t.stuck = true;
                let alert = st.alert(
                    event::ChangeKind::StaysTorn,
                    &format!(
                        "the last line (from byte {}) has had no newline for {} ms: an interrupted \
                         write, or a cut file",
                        st.verified_len,
                        options.torn_grace.as_millis()
                    ),
                    "a complete line ending in a newline".into(),
                    format!("{rest} bytes without a newline"),
                );
                let why = alert.text();
                events.push(WatchEvent::Alert(alert));
                return Some(why);
            }
        }
        _ => {
            st.torn = Some(Torn {
                len,
                since: now,
                stuck: false,
            });
            events.push(WatchEvent::Pending(PendingEvent {
                file: st.name,
                path: st.path.display().to_string(),
                offset: st.verified_len,
                bytes: rest,
            }));
        }
    }
    None
}

/// Verify the ledger in full; the state of every file it holds or expects.
fn baseline(
    root: &Path,
    options: &WatchOptions,
) -> Result<(Baseline, VerifyReport), DiscoverError> {
    let d = discover(root)?;
    // Looked at before verifying: a change made meanwhile is seen next time.
    let mut companions = Companions::of(&d, true);
    let (report, mut heads) = verify_discovered_live(&d, &options.verify);
    let now = Instant::now();
    let mut files = Vec::new();
    for f in &d.found {
        let shown = f.path.display().to_string();
        let r = report.files.iter().find(|r| r.path == shown);
        files.push(state_from_report(f.kind, &f.path, r, now));
    }
    for m in &d.missing {
        files.push(FileState::baseline(m.kind, &m.path, None, false).expect("no I/O"));
    }
    let native = heads.native.take().and_then(|n| {
        let live = NativeLive::start(&d, &report, n, &companions, options, now)?;
        // The checkpoint files are followed entry by entry from now on.
        companions = Companions::of(&d, false);
        Some(live)
    });
    let state = Baseline {
        files,
        live: LiveVerifiers::new(heads),
        native,
        companions,
    };
    Ok((state, report))
}

/// What a full verification leaves the watcher to continue from.
struct Baseline {
    files: Vec<FileState>,
    live: LiveVerifiers,
    native: Option<NativeLive>,
    companions: Companions,
}

/// The state of the file at `path` after a verification whose report on
/// it is `r` (`None`: not verified): verified up to its last complete line,
/// and marked for a full re-verification when it ended torn or could not
/// be read.
pub(crate) fn state_from_report(
    kind: FileKind,
    path: &Path,
    r: Option<&crate::ledger::model::report::FileReport>,
    now: Instant,
) -> FileState {
    let torn_at = r.and_then(|r| {
        r.findings
            .iter()
            .find(|x| x.kind == FindingKind::TornTail)
            .and_then(|x| x.offset)
    });
    let verified = r.map(|r| match torn_at {
        Some(o) => (o, r.lines.saturating_sub(1)),
        None => (r.bytes, r.lines),
    });
    let needs_full = torn_at.is_some() || r.is_none_or(|r| r.error.is_some());
    let mut st = FileState::baseline(kind, path, verified, needs_full)
        .unwrap_or_else(|_| FileState::baseline(kind, path, None, true).expect("no I/O"));
    if torn_at.is_some() {
        // Already reported by the verification: not again as "stays torn".
        let len = std::fs::metadata(path).map_or(0, |m| m.len());
        st.torn = Some(Torn {
            len,
            since: now,
            stuck: true,
        });
    }
    st
}

#[cfg(test)]
mod tests;
