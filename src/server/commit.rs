//! Group commit: every write the server accepts goes to one writer thread,
//! which takes all the requests waiting, appends them through the one
//! append module as one batch (one lock, one write, one fsync), and only
//! then answers each request. A request is never answered before its record
//! is durable, and a refused batch answers every request in it with the
//! refusal (nothing of it was acknowledged).
//!
//! The writer keeps the ledger open between batches (the ledger's
//! [`GroupWriter`], whichever its format), with the verified state the
//! last batch left. A batch still takes the lock and checks the files'
//! tails (O(1) in the ledger's size), and verifies what another writer
//! appended before writing after it; a batch the ledger refused drops the
//! session, so the next one starts from a full verification.

use super::judged::{Judged, Through};
use crate::ledger::model::new_descriptor::NewDescriptor;
use crate::ledger::open::{GroupAppended, GroupRefusal, GroupWriter, Ledger};
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
    /// The ledger, with its keys: a native ledger's signing key (`--key`)
    /// signs each batch in a checkpoint, as `iss append` signs; a keyed
    /// native ledger's HMAC key (`--mac-key`) goes on each record.
    pub ledger: Ledger,
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
        .spawn(move || run(&w, &mut w.ledger.group_writer(), &rx))
        .expect("spawning the writer thread");
    (tx, handle)
}

/// How long the manifest lines of a legacy batch wait for the next batch
/// to ride with (the legacy group commit, `LegacySession::append_group`) before they are
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
fn next_job(w: &Writer, writer: &mut GroupWriter, rx: &mpsc::Receiver<Job>) -> Option<Job> {
    loop {
        let wait = if writer.has_waiting_lines() {
            Some(FLUSH_AFTER)
        } else if writer.holds_batch_record() {
            Some(RELEASE_AFTER)
        } else {
            None
        };
        let Some(wait) = wait else {
            return rx.recv().ok();
        };
        match rx.recv_timeout(wait) {
            Ok(job) => return Some(job),
            Err(e) => {
                let now = (w.now_micros)();
                let done = if writer.has_waiting_lines() {
                    writer.flush(now)
                } else {
                    writer.release(now)
                };
                if let Err(f) = done {
                    // The records are durable and acknowledged; what is
                    // left is completed by the next batch or `iss repair`
                    // (the writer verifies again before the next batch).
                    crate::server::log::warn(&format!(
                        "writing the waiting manifest lines: {f} (the next append, or `iss repair`, completes them)"
                    ));
                }
                if matches!(e, mpsc::RecvTimeoutError::Disconnected) {
                    if let Err(f) = writer.release((w.now_micros)()) {
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

fn run(w: &Writer, writer: &mut GroupWriter, rx: &mpsc::Receiver<Job>) {
    let mut jobs: Vec<Job> = Vec::new();
    let mut fill = Fill::none();
    loop {
        if jobs.is_empty() {
            match next_job(w, writer, rx) {
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
            commit_descriptors(w, writer, descriptors);
        }
        for reply in pulses {
            let result = append_pulse(w, writer);
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

/// What a batch ending at `last_line` tells the read state: every line up
/// to it verified (the session verified any foreign line before writing
/// after it, under the lock), none past it.
fn written(last_line: Option<u64>) -> Judged {
    Judged {
        descriptors: last_line.map(Through::verified_through).unwrap_or_default(),
        ..Judged::default()
    }
}

fn commit_descriptors(w: &Writer, writer: &mut GroupWriter, batch: Vec<(NewDescriptor, Reply)>) {
    let now = (w.now_micros)();
    let (inputs, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
    match append_batch(writer, inputs.clone(), now) {
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
        Err(GroupRefusal::Record(_)) if replies.len() > 1 => {
            for (input, reply) in inputs.into_iter().zip(replies) {
                let now = (w.now_micros)();
                let result = append_batch(writer, vec![input], now)
                    .map(|(mut ids, last_line)| {
                        w.stats.batches.fetch_add(1, Ordering::Relaxed);
                        w.stats.records.fetch_add(1, Ordering::Relaxed);
                        (w.after)(&written(last_line));
                        DescriptorDone {
                            descriptor_id: ids.pop().unwrap_or_default(),
                            at_micros: now,
                        }
                    })
                    .map_err(|e| WriteFailed(e.to_string()));
                let _ = reply.send(result);
            }
        }
        Err(e) => {
            let failed = WriteFailed(e.to_string());
            for reply in replies {
                let _ = reply.send(Err(failed.clone()));
            }
        }
    }
}

/// Append a batch through the ledger's writer: the `descriptor_id`s and the last record's line.
fn append_batch(
    writer: &mut GroupWriter,
    inputs: Vec<NewDescriptor>,
    now: i64,
) -> Result<(Vec<String>, Option<u64>), GroupRefusal> {
    let GroupAppended {
        descriptor_ids,
        last_line,
        follow_up_failed,
    } = writer.append_descriptors(inputs, now)?;
    // The records are durable and acknowledged whatever followed them (a
    // native checkpoint, legacy manifest lines): what failed is said in the
    // log, and `iss checkpoint` or the next append / `iss repair` finishes it.
    if let Some(f) = follow_up_failed {
        crate::server::log::warn(&f.to_string());
    }
    Ok((descriptor_ids, last_line))
}

fn append_pulse(w: &Writer, writer: &mut GroupWriter) -> Result<PulseDone, WriteFailed> {
    writer
        .append_pulse((w.now_micros)())
        .map_err(|e| WriteFailed(e.to_string()))
}

#[cfg(test)]
#[path = "commit_tests.rs"]
mod tests;
