//! The descriptor entry form: a modal overlay, opened with `i` from any
//! pane, and only when the workstation was started with `--write`.
//!
//! Editing happens in one [`TextArea`] per field (`ratatui-textarea`), with
//! the message of a field that is not acceptable shown under it as it is
//! typed. `Ctrl-S` checks every field and asks the append module for a
//! [`crate::ledger::legacy::write::append::Preview`]: the exact line it would write, built by the very code that
//! writes it (verify the ledger, build with the format's writer, check the
//! line with the verifier). Confirming appends through
//! [`append_previewed`], which verifies the ledger again, builds the line
//! again under the ledger's lock and refuses if it is not byte for byte the
//! one previewed (a preview may sit on screen for minutes: an edit made
//! meanwhile anywhere in the ledger is refused, not only a moved end). A
//! refusal (a ledger that does not verify, a held lock, a full disk) is
//! shown in the form with the input kept; `Esc` closes the form and keeps
//! the draft.
//!
//! Both steps verify the whole ledger, so both run off the UI thread
//! ([`crate::tui::writes`]); meanwhile the form says what it is doing
//! ([`Stage::Building`], [`Stage::Appending`]) and the screen stays live.

mod fields;
mod render;

pub use fields::{FIELDS, FieldSpec, Kind, check, index_of, list_values, to_descriptor};
pub use render::render;

mod native;

use crate::ledger::legacy::write::append::{NewDescriptor, WriteError, append_previewed};
use crate::ledger::open::{DescriptorPreview, Ledger};
use crate::ledger::write_error::Refusing;
use crate::tui::app::Level;
use crate::tui::keys::Context;
use crate::tui::queue::Queue;
use crate::tui::strings;
use crate::tui::writes::{self, Desk, Keys, Work, WriteAck};
use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;
use std::path::Path;
use std::time::Duration;

/// How long a confirmed append waits for another writer's lock.
pub const LOCK_WAIT: Duration = Duration::from_secs(2);

/// Where the form stands.
#[derive(Debug, Clone)]
pub enum Stage {
    /// The fields are being edited.
    Editing,
    /// The preview is being built in the background (`Esc` cancels).
    Building {
        /// The write request that builds it.
        request: u64,
        /// The input it is built from.
        input: Box<NewDescriptor>,
    },
    /// The previewed record is being appended in the background; an
    /// append under way cannot be called back.
    Appending {
        /// What is being written.
        preview: Box<FormPreview>,
    },
    /// The record is built and shown; waiting for `y`.
    Previewing {
        /// What will be written.
        preview: Box<FormPreview>,
        /// The input it was built from.
        input: Box<NewDescriptor>,
    },
}

/// A preview of either format's append: the ledger's, with what the form
/// shows of it.
#[derive(Debug, Clone)]
pub struct FormPreview(pub DescriptorPreview);

impl FormPreview {
    /// The exact line that will be written.
    pub fn line(&self) -> &str {
        match &self.0 {
            DescriptorPreview::Legacy(p) => &p.line,
            DescriptorPreview::Native(p) => &p.line,
        }
    }

    /// File, line, record number, hash, and what the hash covers.
    pub fn heading(&self) -> (String, u64, u64, &str, &'static str) {
        match &self.0 {
            DescriptorPreview::Legacy(p) => {
                let file = std::path::Path::new(&p.ack.chain)
                    .file_name()
                    .map_or_else(|| p.ack.chain.clone(), |n| n.to_string_lossy().into_owned());
                (
                    file,
                    p.ack.line,
                    p.ack.seq,
                    &p.ack.descriptor_hash,
                    strings::LEGACY_HASH_COVERS,
                )
            }
            DescriptorPreview::Native(p) => (
                "descriptors.jsonl".to_owned(),
                p.record.line,
                p.record.seq,
                &p.record.hash,
                strings::NATIVE_HASH_COVERS,
            ),
        }
    }
}

/// Why the last preview or append did not happen, shown in the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// One line: what was refused and why.
    pub title: String,
    /// The findings or details, one per line.
    pub details: Vec<String>,
}

impl Refusal {
    /// A refusal with no details.
    pub fn plain(title: String) -> Self {
        Refusal {
            title,
            details: Vec::new(),
        }
    }
}

/// The form's state.
#[derive(Debug)]
pub struct EntryForm {
    /// Whether it is on screen (a closed form keeps its draft).
    pub visible: bool,
    /// One editor per field, in [`FIELDS`] order.
    pub editors: Vec<TextArea<'static>>,
    /// The field being edited.
    pub focus: usize,
    /// Whether a preview was asked for: empty required fields are reported from then on.
    pub attempted: bool,
    /// Editing or previewing.
    pub stage: Stage,
    /// The last refusal, until the next preview.
    pub refusal: Option<Refusal>,
    /// How long a confirmed append waits for the lock.
    pub lock_wait: Duration,
}

impl Default for EntryForm {
    fn default() -> Self {
        Self::new()
    }
}

impl EntryForm {
    /// An empty form, on screen.
    pub fn new() -> Self {
        let editors = FIELDS
            .iter()
            .map(|spec| {
                let mut t = TextArea::default();
                t.set_placeholder_text(placeholder(spec));
                t
            })
            .collect();
        EntryForm {
            visible: true,
            editors,
            focus: 0,
            attempted: false,
            stage: Stage::Editing,
            refusal: None,
            lock_wait: LOCK_WAIT,
        }
    }

    /// Every field's text (list fields keep their new lines).
    pub fn texts(&self) -> Vec<String> {
        self.editors.iter().map(|e| e.lines().join("\n")).collect()
    }

    /// The message under field `i`, if its text is not acceptable.
    pub fn error(&self, i: usize) -> Option<String> {
        check(
            &FIELDS[i],
            &self.editors[i].lines().join("\n"),
            self.attempted,
        )
    }

    /// The key contexts while the form is on screen.
    pub fn contexts(&self) -> &'static [Context] {
        match self.stage {
            Stage::Editing => &[Context::FormEdit],
            Stage::Previewing { .. } => &[Context::FormPreview],
            Stage::Building { .. } | Stage::Appending { .. } => &[Context::FormWorking],
        }
    }

    /// Replace field `key`'s text (for tests and for filling from a record).
    pub fn set(&mut self, key: &str, text: &str) {
        let i = index_of(key);
        let mut t = TextArea::new(text.split('\n').map(str::to_owned).collect());
        t.set_placeholder_text(placeholder(&FIELDS[i]));
        self.editors[i] = t;
    }

    fn move_focus(&mut self, forward: bool) {
        let n = FIELDS.len();
        self.focus = if forward {
            (self.focus + 1) % n
        } else {
            (self.focus + n - 1) % n
        };
    }
}

/// The form's share of the key table: open it, move between fields,
/// preview, confirm. `form` is the form open or kept as a draft; `desk`,
/// what its writes take. Whether the form opened (the prompt and the help
/// under it close then).
pub fn perform(
    form: &mut Option<EntryForm>,
    desk: &mut Desk,
    action: crate::tui::keys::Action,
) -> bool {
    use crate::tui::keys::Action as A;
    match action {
        A::AppendForm => return open(form, desk),
        A::FormNext => next_field(form, true),
        A::FormPrev => next_field(form, false),
        A::FormEnter => enter(form),
        A::FormPreview => preview(form, desk),
        A::FormConfirm => confirm(form, desk),
        _ => {}
    }
    false
}

/// `i`: open the form in write mode; say how to enable writes otherwise.
/// Whether it opened.
pub fn open(form: &mut Option<EntryForm>, desk: &mut Desk) -> bool {
    if !desk.allowed {
        desk.queue.say(
            Level::Warn,
            strings::writes_off(strings::WRITES_OFF_DESCRIPTOR),
        );
        return false;
    }
    match form {
        Some(f) => f.visible = true,
        None => *form = Some(EntryForm::new()),
    }
    true
}

/// `Esc` with the form on screen: leave the preview, or close the form
/// (keeping the draft). Whether the form took the key.
pub fn back(form: &mut Option<EntryForm>, queue: &mut Queue) -> bool {
    let Some(f) = form.as_mut().filter(|f| f.visible) else {
        return false;
    };
    match f.stage {
        Stage::Previewing { .. } => f.stage = Stage::Editing,
        // The job goes on and writes nothing; its answer is ignored.
        Stage::Building { .. } => {
            f.stage = Stage::Editing;
            queue.say(Level::Info, strings::FORM_PREVIEW_CANCELLED);
        }
        Stage::Appending { .. } => queue.say(Level::Warn, strings::FORM_APPEND_UNDER_WAY),
        Stage::Editing => {
            f.visible = false;
            queue.say(Level::Info, strings::FORM_DRAFT_KEPT);
        }
    }
    true
}

/// Whether the form is on screen and takes typed text.
pub fn is_editing(form: Option<&EntryForm>) -> bool {
    form.is_some_and(|f| f.visible && matches!(f.stage, Stage::Editing))
}

/// A key the key table does not bind, while editing: text for the field.
pub fn type_key(form: &mut Option<EntryForm>, ev: KeyEvent) {
    if let Some(f) = form.as_mut() {
        let focus = f.focus;
        f.editors[focus].input(ev);
    }
}

/// `Tab` / `Shift-Tab`.
pub fn next_field(form: &mut Option<EntryForm>, forward: bool) {
    if let Some(f) = form.as_mut() {
        f.move_focus(forward);
    }
}

/// `Enter`: a new line in a list field, else the next field.
pub fn enter(form: &mut Option<EntryForm>) {
    if let Some(f) = form.as_mut() {
        if FIELDS[f.focus].kind == Kind::List {
            f.editors[f.focus].insert_newline();
        } else {
            f.move_focus(true);
        }
    }
}

/// `Ctrl-S`: check every field; when all are acceptable, build the
/// preview in the background.
pub fn preview(form: &mut Option<EntryForm>, desk: &mut Desk) {
    let Some(f) = form.as_mut() else { return };
    f.attempted = true;
    let texts = f.texts();
    let Some(input) = to_descriptor(&texts) else {
        let bad: Vec<usize> = (0..FIELDS.len())
            .filter(|&i| f.error(i).is_some())
            .collect();
        f.focus = bad.first().copied().unwrap_or(f.focus);
        let n = bad.len();
        desk.queue.say(Level::Warn, strings::form_fields_to_fix(n));
        return;
    };
    let work = Work::Preview {
        input: Box::new(input.clone()),
        now: desk.writing.clock.now_micros(),
    };
    if let Some(request) = writes::start(desk, work)
        && let Some(f) = form.as_mut()
    {
        f.stage = Stage::Building {
            request,
            input: Box::new(input),
        };
    }
}

/// The exact record `input` would be written as, built by the append
/// module of the ledger's format (which verifies the ledger first).
pub fn build_preview(
    ledger: &Path,
    keys: &Keys,
    input: NewDescriptor,
    now: i64,
) -> Result<FormPreview, Refusal> {
    let ledger = Ledger::with_keys(ledger, keys.clone());
    match ledger.preview_descriptor(input, now) {
        Ok(p) => Ok(FormPreview(p)),
        // Each format's refusal in the words its writes use.
        Err(e) if ledger.refusing() == Refusing::Write => Err(native::refusal(&e)),
        Err(e) => Err(refusal(&e)),
    }
}

/// A preview arrived: show it, unless the form moved on (cancelled with
/// `Esc`, closed) since it was asked for.
pub fn previewed(
    form: &mut Option<EntryForm>,
    queue: &mut Queue,
    request: u64,
    result: Result<FormPreview, Refusal>,
) {
    let Some(f) = form.as_mut() else { return };
    let Stage::Building { request: r, input } = &f.stage else {
        return;
    };
    if *r != request {
        return;
    }
    let input = input.clone();
    match result {
        Ok(p) => {
            f.refusal = None;
            f.stage = Stage::Previewing {
                preview: Box::new(p),
                input,
            };
        }
        Err(r) => {
            f.refusal = Some(r);
            f.stage = Stage::Editing;
            queue.say(Level::Error, strings::FORM_REFUSED);
        }
    }
}

/// `y` on the preview: append the record exactly as previewed, in the
/// background.
pub fn confirm(form: &mut Option<EntryForm>, desk: &mut Desk) {
    let Some(f) = form.as_mut() else { return };
    let Stage::Previewing { preview, input } = f.stage.clone() else {
        return;
    };
    let lock_wait = f.lock_wait;
    let work = Work::Append {
        input,
        preview: preview.clone(),
        lock_wait,
    };
    if writes::start(desk, work).is_some()
        && let Some(f) = form.as_mut()
    {
        f.stage = Stage::Appending { preview };
    }
}

/// Append `input` as `preview` showed it, through the append module of
/// the ledger's format; the acknowledgement of the durable record.
pub fn append(
    ledger: &Path,
    keys: &Keys,
    input: NewDescriptor,
    preview: &FormPreview,
    lock_wait: Duration,
) -> Result<WriteAck, Refusal> {
    match &preview.0 {
        DescriptorPreview::Legacy(p) => {
            let done = append_previewed(ledger, input, p, lock_wait).map_err(|e| refusal(&e))?;
            let ack = done.acks.last().ok_or_else(|| {
                Refusal::plain(format!("{} nothing was appended", strings::SYM_BAD))
            })?;
            let text = match &done.completed {
                Some(c) => format!("{}; {}", c.describe(), strings::appended(ack)),
                None => strings::appended(ack),
            };
            Ok(WriteAck {
                text,
                line: ack.line,
                follow_up: done.witness.err().map(|f| f.to_string()),
            })
        }
        DescriptorPreview::Native(p) => native::append(ledger, keys, input, p),
    }
}

/// An append's outcome arrived: acknowledge it (the form is dropped: the
/// record is durable and must not be sent again; the message says what
/// was written, and what failed after it, if a step did), or show the
/// refusal in the form with the input kept. The appended record's 1-based
/// line, when acknowledged: the caller shows it and reloads the ledger.
pub fn appended(
    form: &mut Option<EntryForm>,
    queue: &mut Queue,
    result: Result<WriteAck, Refusal>,
) -> Option<u64> {
    match result {
        Ok(ack) => {
            *form = None;
            let (level, text) = ack.message();
            queue.say(level, text);
            Some(ack.line)
        }
        Err(r) => {
            if let Some(f) = form.as_mut() {
                f.refusal = Some(r);
                f.stage = Stage::Editing;
                f.visible = true;
            }
            queue.say(Level::Error, strings::FORM_REFUSED);
            None
        }
    }
}

/// The refusal shown for `e`: the findings one per line when the ledger did
/// not verify, else the error itself.
fn refusal(e: &WriteError) -> Refusal {
    let details = match e {
        WriteError::Violated {
            violations: findings,
            ..
        } => findings
            .iter()
            .map(|(file, f)| {
                let line = f.line.map_or_else(String::new, |l| format!(":{l}"));
                format!("{} {file}{line} {}: {}", strings::SYM_BAD, f.kind, f.detail)
            })
            .collect(),
        WriteError::RecordDoesNotVerify(findings) => findings
            .iter()
            .map(|f| format!("{} {}: {}", strings::SYM_BAD, f.kind, f.detail))
            .collect(),
        _ => Vec::new(),
    };
    let title = match e {
        WriteError::Violated { violations: v, .. } => strings::refused_violated(v.len()),
        other => format!("{} {other}", strings::SYM_BAD),
    };
    Refusal { title, details }
}

/// An empty field's hint, in parentheses: told apart from a value without colour.
pub fn placeholder(spec: &FieldSpec) -> String {
    format!("({})", spec.hint)
}
