//! Group commit: every write the server accepts goes to one writer thread,
//! which takes all the requests waiting, appends them through the one
//! append module as one batch (one lock, one write, one fsync), and only
//! then answers each request. A request is never answered before its record
//! is durable, and a refused batch answers every request in it with the
//! refusal (nothing of it was acknowledged).
//!
//! The writer keeps the ledger open between batches ([`Session`]): the
//! native writer, or the legacy session, with the verified state the last
//! batch left. A batch still takes the lock and checks the files' tails
//! (O(1) in the ledger's size), and verifies what another writer appended
//! before writing after it; a batch the ledger refused drops the session,
//! so the next one starts from a full verification.

use super::judged::{Judged, Through};
use crate::ledger::legacy::write::append::{
    Acknowledged, LegacySession, NewDescriptor, WriteError,
};
use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::secret::MacKey;
use crate::ledger::native::write::{CheckpointStatus, NativeWriter};
use crate::tlog::note::Signer;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Records a batch holds at most (a bound on one write's size).
pub const MAX_BATCH: usize = 4096;

/// What an appended descriptor answers with.
#[derive(Debug, Clone)]
pub struct DescriptorDone {
    /// Its `descriptor_id`.
    pub descriptor_id: String,
    /// The append time, Unix microseconds.
    pub at_micros: i64,
}

/// What an appended pulse answers with: its 1-based line in the pulse file.
pub type PulseDone = u64;

/// Why a write was not acknowledged: the message for `{"detail": ...}`
/// and whether the ledger refused it (409-like, answered 503) or the
/// request was at fault.
#[derive(Debug, Clone)]
pub struct WriteFailed(pub String);

/// One request to the writer thread.
pub enum Job {
    /// Append a descriptor.
    Descriptor(
        Box<NewDescriptor>,
        oneshot::Sender<Result<DescriptorDone, WriteFailed>>,
    ),
    /// Append a pulse.
    Pulse(oneshot::Sender<Result<PulseDone, WriteFailed>>),
}

/// Counters of what the writer did (batches = fsyncs of the chain).
#[derive(Debug, Default)]
pub struct CommitStats {
    /// Batches written (each one write and one fsync of the chain).
    pub batches: AtomicU64,
    /// Descriptors acknowledged.
    pub records: AtomicU64,
    /// Pulses acknowledged.
    pub pulses: AtomicU64,
    /// Full verifications the watcher ran after the first (each one reads
    /// the whole ledger: a foreign change it could not follow line by line).
    pub reverifications: AtomicU64,
}

/// Where the writer writes, and its clock.
pub struct Writer {
    /// The ledger's root.
    pub root: PathBuf,
    /// A native ledger (else legacy).
    pub native: bool,
    /// A native ledger's signing key (`--key`): each batch is then signed
    /// in a checkpoint, as `iss append` signs.
    pub signer: Option<Signer>,
    /// A keyed native ledger's HMAC key (`--mac-key`).
    pub mac_key: Option<MacKey>,
    /// The clock, Unix microseconds (tests may inject one).
    pub now_micros: Arc<dyn Fn() -> i64 + Send + Sync>,
    /// Counters.
    pub stats: Arc<CommitStats>,
    /// Called after each acknowledged batch, before any request is answered,
    /// with the lines known verified: up to the batch's last record (the
    /// server's read state takes them in).
    pub after: Box<dyn Fn(&Judged) + Send>,
}

/// Start the writer thread; it ends when every sender is dropped, after
/// answering everything it took.
pub fn spawn(w: Writer) -> (mpsc::Sender<Job>, std::thread::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel::<Job>();
    let handle = std::thread::Builder::new()
        .name("iss-serve-writer".into())
        .spawn(move || run(&w, &mut None, &rx))
        .expect("spawning the writer thread");
    (tx, handle)
}

/// The ledger as the writer keeps it open between batches.
pub enum Session {
    /// A native ledger's writer.
    Native(Box<NativeWriter>),
    /// A legacy ledger's session.
    Legacy(Box<LegacySession>),
}

/// How long the manifest lines of a legacy batch wait for the next batch
/// to ride with (see [`LegacySession::append_group`]) before they are
/// written alone: about the time a client takes to send its next request
/// once answered, so a steady stream of requests costs one sync round per
/// batch.
pub const FLUSH_AFTER: Duration = Duration::from_millis(10);

/// How long the writer stays idle before it removes its batch record
/// (which, while it exists, makes manifest lines missing from its range a
/// warning rather than a violation).
pub const RELEASE_AFTER: Duration = Duration::from_secs(1);

/// The next job; on the way, the waiting manifest lines are written and the
/// batch record removed when no job comes in time. `None` when every sender
/// is gone (everything waiting is then written and released).
fn next_job(w: &Writer, session: &mut Option<Session>, rx: &mpsc::Receiver<Job>) -> Option<Job> {
    loop {
        let legacy = match session {
            Some(Session::Legacy(l)) => Some(l),
            _ => None,
        };
        let wait = match &legacy {
            Some(l) if l.has_waiting_lines() => Some(FLUSH_AFTER),
            Some(l) if l.holds_batch_record() => Some(RELEASE_AFTER),
            _ => None,
        };
        let Some(wait) = wait else {
            return rx.recv().ok();
        };
        match rx.recv_timeout(wait) {
            Ok(job) => return Some(job),
            Err(e) => {
                let Some(l) = legacy else { continue };
                let now = (w.now_micros)();
                let done = if l.has_waiting_lines() {
                    l.flush(now)
                } else {
                    l.release(now)
                };
                if let Err(f) = done {
                    // The records are durable and acknowledged; what is
                    // left is completed by the next batch or `iss repair`.
                    crate::server::log::warn(&format!(
                        "writing the waiting manifest lines: {f} (the next append, or `iss repair`, completes them)"
                    ));
                    *session = None;
                }
                if matches!(e, mpsc::RecvTimeoutError::Disconnected) {
                    if let Some(Session::Legacy(l)) = session
                        && let Err(f) = l.release((w.now_micros)())
                    {
                        crate::server::log::warn(&format!("removing the batch record: {f}"));
                    }
                    return None;
                }
            }
        }
    }
}

/// The longest the writer waits, after answering a batch, for the requests
/// it answered to come back (see [`gather`]); it never waits longer than
/// the batch itself took.
pub const FILL_AT_MOST: Duration = Duration::from_millis(2);

/// What the writer expects of the next batch, from how the last one went.
#[derive(Debug, Clone, Copy)]
pub struct Fill {
    /// Requests expected: those waiting when the last batch was answered,
    /// plus those it answered (clients that send again once answered).
    pub expect: usize,
    /// Until when to wait for them.
    pub until: Instant,
}

impl Fill {
    /// Nothing expected: take what is there.
    pub fn none() -> Fill {
        Fill {
            expect: 0,
            until: Instant::now(),
        }
    }
}

/// Complete a batch: everything waiting joins `jobs` (up to [`MAX_BATCH`]),
/// then, while fewer than `fill.expect` are there, the next requests are
/// waited for until `fill.until`.
///
/// Why wait: clients that send their next request once answered (a
/// program appending in a loop, every HTTP client with a fixed number of
/// connections) come back a fraction of a millisecond after their answer.
/// Without the wait, the batch that starts right after an answer holds only
/// the requests that arrived during the previous round, the answered ones
/// join the batch after, and the clients split into two alternating
/// batches: each request waits two sync rounds, and a round carries half
/// the clients. A request arriving alone is never held: a batch of one
/// expects one (a client alone waits for nobody); and the wait is bounded
/// by the last round's duration, so it costs at most what it can save.
/// Durability is untouched: nothing is answered before its batch is synced.
pub fn gather(rx: &mpsc::Receiver<Job>, jobs: &mut Vec<Job>, fill: Fill) {
    loop {
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        if jobs.len() >= fill.expect.min(MAX_BATCH) {
            return;
        }
        let left = fill.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        match rx.recv_timeout(left) {
            Ok(job) => jobs.push(job),
            Err(_) => return,
        }
    }
}

fn run(w: &Writer, session: &mut Option<Session>, rx: &mpsc::Receiver<Job>) {
    let mut jobs: Vec<Job> = Vec::new();
    let mut fill = Fill::none();
    loop {
        if jobs.is_empty() {
            match next_job(w, session, rx) {
                Some(job) => jobs.push(job),
                None => return,
            }
        }
        gather(rx, &mut jobs, fill);
        let started = Instant::now();
        let answered = jobs.len();
        let mut descriptors = Vec::new();
        let mut pulses = Vec::new();
        for job in jobs.drain(..) {
            match job {
                Job::Descriptor(d, reply) => descriptors.push((*d, reply)),
                Job::Pulse(reply) => pulses.push(reply),
            }
        }
        if !descriptors.is_empty() {
            commit_descriptors(w, session, descriptors);
        }
        for reply in pulses {
            let result = append_pulse(w, session);
            if let Ok(line) = result {
                w.stats.pulses.fetch_add(1, Ordering::Relaxed);
                (w.after)(&Judged {
                    pulses: Through::verified_through(line),
                    ..Judged::default()
                });
            }
            let _ = reply.send(result);
        }
        // The requests that arrived during this round start the next
        // batch; the ones just answered are expected back.
        let round = started.elapsed();
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        fill = Fill {
            expect: jobs.len() + answered,
            until: Instant::now() + round.min(FILL_AT_MOST),
        };
    }
}

type Reply = oneshot::Sender<Result<DescriptorDone, WriteFailed>>;

/// The records of a batch acknowledged: their ids, in order, and the line
/// of the last one in the descriptor file.
type Batch = (Vec<String>, Option<u64>);

/// What a batch ending at `last_line` tells the read state: every line up
/// to it verified (the session verified any foreign line before writing
/// after it, under the lock), none past it.
fn written(last_line: Option<u64>) -> Judged {
    Judged {
        descriptors: last_line.map(Through::verified_through).unwrap_or_default(),
        ..Judged::default()
    }
}

fn commit_descriptors(
    w: &Writer,
    session: &mut Option<Session>,
    batch: Vec<(NewDescriptor, Reply)>,
) {
    let now = (w.now_micros)();
    let (inputs, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
    match append_batch(w, session, inputs.clone(), now) {
        Ok((ids, last_line)) => {
            w.stats.batches.fetch_add(1, Ordering::Relaxed);
            w.stats
                .records
                .fetch_add(ids.len() as u64, Ordering::Relaxed);
            (w.after)(&written(last_line));
            for (i, (id, reply)) in ids.into_iter().zip(replies).enumerate() {
                let _ = reply.send(Ok(DescriptorDone {
                    descriptor_id: id,
                    at_micros: now + i64::try_from(i).unwrap_or(0),
                }));
            }
        }
        // One record the verifier refuses must not refuse the others:
        // they are written one by one, each with its own answer.
        Err(Refusal::Record(_)) if replies.len() > 1 => {
            for (input, reply) in inputs.into_iter().zip(replies) {
                let now = (w.now_micros)();
                let result = append_batch(w, session, vec![input], now)
                    .map(|(mut ids, last_line)| {
                        let done = DescriptorDone {
                            descriptor_id: ids.pop().unwrap_or_default(),
                            at_micros: now,
                        };
                        (done, last_line)
                    })
                    .map_err(Refusal::into_failed);
                let result = result.map(|(done, last_line)| {
                    w.stats.batches.fetch_add(1, Ordering::Relaxed);
                    w.stats.records.fetch_add(1, Ordering::Relaxed);
                    (w.after)(&written(last_line));
                    done
                });
                let _ = reply.send(result);
            }
        }
        Err(e) => {
            let failed = e.into_failed();
            for reply in replies {
                let _ = reply.send(Err(failed.clone()));
            }
        }
    }
}

/// Why a batch was refused.
enum Refusal {
    /// A record of the batch does not verify.
    Record(String),
    /// The ledger refused the write (it does not verify, the lock, I/O).
    Ledger(String),
}

impl Refusal {
    fn into_failed(self) -> WriteFailed {
        match self {
            Refusal::Record(s) | Refusal::Ledger(s) => WriteFailed(s),
        }
    }
}

/// The open session, opened (verifying the whole ledger) when there is none.
fn open<'s>(w: &Writer, session: &'s mut Option<Session>) -> Result<&'s mut Session, String> {
    if session.is_none() {
        *session = Some(if w.native {
            Session::Native(Box::new(
                NativeWriter::open(&w.root, w.signer.clone(), w.mac_key.clone())
                    .map_err(|e| e.to_string())?,
            ))
        } else {
            Session::Legacy(Box::new(
                LegacySession::open(&w.root).map_err(|e| e.to_string())?,
            ))
        });
    }
    session.as_mut().ok_or_else(|| "no session".to_owned())
}

fn append_batch(
    w: &Writer,
    session: &mut Option<Session>,
    inputs: Vec<NewDescriptor>,
    now: i64,
) -> Result<Batch, Refusal> {
    let result = match open(w, session).map_err(Refusal::Ledger)? {
        Session::Native(writer) => append_native(writer, inputs, now),
        Session::Legacy(legacy) => append_legacy(legacy, inputs, now),
    };
    // A refused batch may have left the session's state behind the files
    // (or the files changed under it): start the next from a verification.
    if matches!(result, Err(Refusal::Ledger(_))) {
        *session = None;
    }
    result
}

fn append_native(
    writer: &mut NativeWriter,
    inputs: Vec<NewDescriptor>,
    now: i64,
) -> Result<Batch, Refusal> {
    let acks =
        crate::ledger::native::write::descriptors::append_descriptor_records(writer, inputs, now)
            .map_err(|e| match e {
            WriteError::InvalidRecord(s) => Refusal::Record(s.to_string()),
            other => Refusal::Ledger(other.to_string()),
        })?;
    // The records are durable and acknowledged whatever the checkpoint
    // does; a checkpoint not written is said in the log (`iss checkpoint`
    // signs later).
    if let CheckpointStatus::Failed(f) = writer.checkpoint_after_append(Chain::Descriptors) {
        crate::server::log::warn(&f.to_string());
    }
    let last_line = acks.last().map(|a| a.record.line);
    Ok((
        acks.into_iter().map(|a| a.descriptor_id).collect(),
        last_line,
    ))
}

fn append_legacy(
    session: &mut LegacySession,
    inputs: Vec<NewDescriptor>,
    now: i64,
) -> Result<Batch, Refusal> {
    session
        .append_group(inputs, now)
        .map(|done| {
            // The records are durable and acknowledged whatever the manifest
            // line did; a manifest line not written is finished by the next
            // append or `iss repair`, and said in the log.
            if let Err(f) = &done.witness {
                crate::server::log::warn(&f.to_string());
            }
            let last_line = done.acks.last().map(|a| a.line);
            let ids = done
                .acks
                .into_iter()
                .map(|a: Acknowledged| a.descriptor_id)
                .collect();
            (ids, last_line)
        })
        .map_err(|e| match e {
            WriteError::RecordDoesNotVerify(_) => Refusal::Record(e.to_string()),
            other => Refusal::Ledger(other.to_string()),
        })
}

fn append_pulse(w: &Writer, session: &mut Option<Session>) -> Result<PulseDone, WriteFailed> {
    if w.native {
        let reading = crate::ledger::native::format::pulse::clock::ClockReading::now();
        let leaps = crate::time::leap_seconds::LeapSecondList::best_available()
            .map_err(|e| WriteFailed(e.to_string()))?;
        let Session::Native(writer) = open(w, session).map_err(WriteFailed)? else {
            return Err(WriteFailed("a native ledger without its writer".into()));
        };
        let result = crate::ledger::native::write::pulse::append_pulse(writer, &reading, &leaps);
        return match result {
            Ok(ack) => Ok(ack.record.line),
            Err(e) => {
                *session = None;
                Err(WriteFailed(e.to_string()))
            }
        };
    }
    let clock = crate::ledger::legacy::write::pulse::PulseClock {
        utc_micros: (w.now_micros)(),
        monotonic_ns: i64::try_from(crate::ledger::native::format::pulse::clock::monotonic_ns())
            .unwrap_or(i64::MAX),
    };
    let ack = crate::ledger::legacy::write::pulse::append_pulse(&w.root, clock, None)
        .map_err(|e| WriteFailed(e.to_string()))?;
    Ok(ack.line)
}

#[cfg(test)]
#[path = "commit_tests.rs"]
mod tests;
