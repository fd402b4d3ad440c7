//! Writes off the UI thread: the entry form's preview and append, and `P`.
//!
//! Every write verifies the whole ledger first (seconds on a million
//! records), so none runs in `update`: `update` queues one [`WriteJob`]
//! ([`start`]), the event loop runs it on a thread of its own and keeps the
//! handle, and the outcome comes back as [`Msg::Written`]. One write at a
//! time: a second one asked for meanwhile is refused with a message, never
//! queued behind the first. Quitting waits for a write under way, so the
//! workstation never exits half-way through appending a record. Tests run
//! the same jobs inline ([`crate::tui::event_loop::run_all_blocking`]).
//!
//! A preview writes nothing; it runs here because it verifies the ledger
//! (the record shown must be the one the append module would write).

use crate::ledger::clock::{Clock, SystemClock};
use crate::ledger::model::new_descriptor::NewDescriptor;
use crate::tui::app::Level;
use crate::tui::form::{FormPreview, Refusal};
use crate::tui::msg::Msg;
use crate::tui::queue::Queue;
use crate::tui::strings;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::Duration;

/// The keys a native ledger's writes use, resolved in the ledger layer.
pub use crate::ledger::open::Keys;

/// What a write job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// Verify the ledger and build the exact record (writes nothing).
    Preview,
    /// Append the previewed record.
    Append,
    /// Append a time pulse, now.
    Pulse,
}

impl WriteKind {
    /// What the status bar says while it runs.
    pub fn label(self) -> &'static str {
        match self {
            WriteKind::Preview => strings::WRITING_PREVIEW,
            WriteKind::Append => strings::WRITING_APPEND,
            WriteKind::Pulse => strings::WRITING_PULSE,
        }
    }
}

/// The work itself, with its input.
#[derive(Debug, Clone)]
pub enum Work {
    /// Build the preview of `input` as of `now` (µs since the epoch).
    Preview {
        /// The record as entered.
        input: Box<NewDescriptor>,
        /// When it is being written.
        now: i64,
    },
    /// Append `input` exactly as `preview` showed it.
    Append {
        /// The record as entered.
        input: Box<NewDescriptor>,
        /// What was shown and confirmed.
        preview: Box<FormPreview>,
        /// How long to wait for another writer's lock.
        lock_wait: Duration,
    },
    /// Append a pulse.
    Pulse,
}

impl Work {
    fn kind(&self) -> WriteKind {
        match self {
            Work::Preview { .. } => WriteKind::Preview,
            Work::Append { .. } => WriteKind::Append,
            Work::Pulse => WriteKind::Pulse,
        }
    }
}

/// One write to run off the UI thread.
#[derive(Debug)]
pub struct WriteJob {
    /// The request it answers.
    pub request: u64,
    ledger: PathBuf,
    keys: Keys,
    clock: Arc<dyn Clock>,
    work: Work,
}

/// What a write job did.
#[derive(Debug)]
pub enum Written {
    /// The preview, or why there is none.
    Previewed(Result<FormPreview, Refusal>),
    /// The acknowledgement of the durable record, or the refusal.
    Appended(Result<WriteAck, Refusal>),
    /// What pulse was written, or why none was.
    Pulse(Result<WriteAck, String>),
}

/// A durable write's acknowledgement: what was written and, when a step
/// after it failed (a checkpoint, a manifest line), what and how to finish
/// it. The record is durable either way: the user must not be led to
/// write it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteAck {
    /// What was written ("✔ appended …").
    pub text: String,
    /// The new record's line in its chain (0 when there is none to show).
    pub line: u64,
    /// The step after it that failed, with the command that finishes it.
    pub follow_up: Option<String>,
}

impl WriteAck {
    /// The status line and its level: the acknowledgement, followed by the
    /// failed step (a warning) when there is one.
    pub fn message(&self) -> (Level, String) {
        match &self.follow_up {
            None => (Level::Info, self.text.clone()),
            Some(f) => (Level::Warn, format!("{}; {f}", self.text)),
        }
    }
}

/// The workstation's writes: keys, clock, the job waiting to start, the
/// one running.
#[derive(Debug)]
pub struct Writing {
    /// The keys of every native write and verification.
    pub keys: Keys,
    /// Where "now" comes from for `P`, the form and `:export` (the
    /// machine's clocks unless the workstation was given another).
    pub clock: Arc<dyn Clock>,
    /// Asked for, not yet started by the event loop.
    pub queued: Option<WriteJob>,
    /// Started and not yet answered: its request and kind.
    pub running: Option<(u64, WriteKind)>,
    last_request: u64,
}

impl Default for Writing {
    fn default() -> Self {
        Writing {
            keys: Keys::default(),
            clock: Arc::new(SystemClock),
            queued: None,
            running: None,
            last_request: 0,
        }
    }
}

impl WriteJob {
    /// Do the work. The writers are tested never to panic; should one all
    /// the same, the outcome says so instead of a write staying "under way".
    pub fn run(self) -> Msg {
        let request = self.request;
        let kind = self.work.kind();
        let outcome = catch_unwind(AssertUnwindSafe(|| self.run_inner())).unwrap_or_else(|_| {
            let e = strings::WRITE_INTERNAL_ERROR.to_owned();
            match kind {
                WriteKind::Preview => Written::Previewed(Err(Refusal::plain(e))),
                WriteKind::Append => Written::Appended(Err(Refusal::plain(e))),
                WriteKind::Pulse => Written::Pulse(Err(e)),
            }
        });
        Msg::Written { request, outcome }
    }

    fn run_inner(self) -> Written {
        let (ledger, keys, clock) = (&self.ledger, &self.keys, &*self.clock);
        match self.work {
            Work::Preview { input, now } => {
                Written::Previewed(crate::tui::form::build_preview(ledger, keys, *input, now))
            }
            Work::Append {
                input,
                preview,
                lock_wait,
            } => Written::Appended(crate::tui::form::append(
                ledger, keys, *input, &preview, lock_wait,
            )),
            Work::Pulse => Written::Pulse(crate::tui::write_pulse::append(ledger, keys, clock)),
        }
    }
}

/// What asking for a write takes of the app: whether writes are on, the
/// ledger, the writes' state, and where to say why a write is refused.
#[derive(Debug)]
pub struct Desk<'a> {
    /// Whether writes are allowed (`--write`).
    pub allowed: bool,
    /// The ledger path as given.
    pub ledger: &'a Path,
    /// Keys, clock, and the write job queued or under way.
    pub writing: &'a mut Writing,
    /// Where a refusal is said.
    pub queue: &'a mut Queue,
}

/// Queue `work`; its request number, or `None` (and a message) when
/// another write is still under way or writes are off.
pub fn start(desk: &mut Desk, work: Work) -> Option<u64> {
    if !desk.allowed {
        let what = match work.kind() {
            WriteKind::Pulse => strings::WRITES_OFF_PULSE,
            WriteKind::Preview | WriteKind::Append => strings::WRITES_OFF_DESCRIPTOR,
        };
        desk.queue.say(Level::Warn, strings::writes_off(what));
        return None;
    }
    if let Some((_, kind)) = desk.writing.running {
        desk.queue
            .say(Level::Warn, strings::write_under_way(kind.label()));
        return None;
    }
    let w = &mut *desk.writing;
    w.last_request += 1;
    let request = w.last_request;
    w.running = Some((request, work.kind()));
    w.queued = Some(WriteJob {
        request,
        ledger: desk.ledger.to_path_buf(),
        keys: w.keys.clone(),
        clock: Arc::clone(&w.clock),
        work,
    });
    Some(request)
}

/// A write job's outcome arrived for `request`: no write is under way any
/// more (when it was that one). The form or the pulse key takes the
/// outcome ([`crate::tui::update`]).
pub fn answered(writing: &mut Writing, request: u64) {
    if writing.running.is_some_and(|(r, _)| r == request) {
        writing.running = None;
    }
}

/// Start the queued write, if any, on its own thread; its outcome arrives
/// on `tx`. The handle is kept in `running` so quitting can wait for it.
pub fn spawn(writing: &mut Writing, tx: &Sender<Msg>, running: &mut Option<JoinHandle<()>>) {
    let Some(job) = writing.queued.take() else {
        return;
    };
    let tx = tx.clone();
    // At most one write runs: the previous thread has sent its outcome.
    if let Some(h) = running.take() {
        let _ = h.join();
    }
    *running = Some(std::thread::spawn(move || {
        // A closed channel means the workstation has quit: nothing to do.
        let _ = tx.send(job.run());
    }));
}
