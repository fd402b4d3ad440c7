//! `:export FILE`: the evidence bundle of `iss export` (`.json`), or the
//! browser's records (`.jsonl`, `.csv`), written on a background thread (a
//! bundle verifies and fingerprints every file) so the screen stays live;
//! the result arrives as [`Msg::Exported`].

use crate::analysis::export::write_bundle;
use crate::ledger::clock::Clock;
use crate::ledger::io::line_index::IndexedFile;
use crate::ledger::model::report::VerifyReport;
use crate::tui::app::{Level, Loading, Outbox};
use crate::tui::browser::Browser;
use crate::tui::export_records::{RecordsJob, Selection, Shape};
use crate::tui::msg::Msg;
use crate::tui::queue::Queue;
use crate::tui::strings;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Sender;

/// What `:export` takes of the app: the browser's records, the ledger and
/// its verdict, and where the job and the message go.
#[derive(Debug)]
pub struct Exporting<'a> {
    /// The chain browser (its chain, marks and filter).
    pub browser: &'a Browser,
    /// The verification report (the verdict the records export states).
    pub report: &'a Loading<Box<VerifyReport>>,
    /// The ledger path as given.
    pub ledger: &'a Path,
    /// Where the export job goes, for the event loop.
    pub outbox: &'a mut Outbox,
    /// Where the message goes.
    pub queue: &'a mut Queue,
}

/// `:export FILE [--force]`: by the file's extension, the evidence bundle
/// (`.json`; the Markdown goes beside it) or records (`.jsonl`, `.csv`; see
/// [`crate::tui::export_records`]). Existing files are replaced only with
/// `--force`, wherever it is typed.
pub fn request(to: &mut Exporting, args: &str) {
    let words: Vec<&str> = args.split_whitespace().collect();
    let force = words.iter().any(|w| matches!(*w, "--force" | "-f"));
    let files: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !matches!(*w, "--force" | "-f"))
        .collect();
    let [file] = files[..] else {
        to.queue.say(Level::Warn, strings::EXPORT_USAGE);
        return;
    };
    let out = PathBuf::from(file);
    if let Some(shape) = Shape::of(&out) {
        records(to, out, shape, force);
    } else if out.extension().is_some_and(|e| e == "json") {
        to.outbox.export = Some(out);
        to.outbox.export_force = force;
        to.queue.say(
            Level::Info,
            format!("exporting the evidence bundle to {file}…"),
        );
    } else {
        to.queue.say(Level::Warn, strings::EXPORT_USAGE);
    }
}

/// Queue the records export of the browser's chain.
fn records(to: &mut Exporting, out: PathBuf, shape: Shape, force: bool) {
    let verdict = to.report.ready().map(|r| r.status);
    let view = to.browser.current();
    let Some(file) = view.file().map(IndexedFile::snapshot) else {
        to.queue.say(Level::Warn, strings::NOTHING_TO_SHOW);
        return;
    };
    let (selection, lines): (Selection, Vec<u64>) = if !view.bookmarks.is_empty() {
        (Selection::Marked, view.bookmarks.iter().copied().collect())
    } else if let Some(f) = &view.filter {
        (Selection::Filtered, f.lines.clone())
    } else {
        (Selection::All, (0..view.lines()).collect())
    };
    let with_findings = view.marks.as_ref().map_or(0, |m| {
        lines.iter().filter(|l| m.at(**l + 1).is_some()).count()
    });
    let job = RecordsJob {
        file,
        chain: view.kind.name(),
        lines,
        selection,
        with_findings,
        out,
        shape,
        force,
        ledger: to.ledger.to_path_buf(),
        verdict,
    };
    to.queue.say(Level::Info, strings::records_exporting(&job));
    to.outbox.records = Some(job);
}

/// Write the bundle on its own thread and report back; its time is read
/// from `clock`. Existing files are never replaced.
pub fn spawn(ledger: PathBuf, out: PathBuf, clock: Arc<dyn Clock>, tx: Sender<Msg>) {
    spawn_bundle(ledger, out, false, clock, tx);
}

/// [`spawn`], replacing existing files when `force`.
pub fn spawn_bundle(
    ledger: PathBuf,
    out: PathBuf,
    force: bool,
    clock: Arc<dyn Clock>,
    tx: Sender<Msg>,
) {
    std::thread::spawn(move || {
        let result = write_bundle(&ledger, &out, force, &*clock).map(|w| {
            format!(
                "✔ wrote {} and {} ({} files fingerprinted); {}",
                w.json.display(),
                w.markdown.display(),
                w.files,
                strings::verdict_in_words(Some(w.status))
            )
        });
        let _ = tx.send(Msg::Exported(result));
    });
}

/// The result, as a message.
pub fn done(queue: &mut Queue, result: Result<String, String>) {
    match result {
        Ok(text) => queue.say(Level::Info, text),
        Err(e) => queue.say(Level::Error, format!("✘ export failed: {e}")),
    }
}
