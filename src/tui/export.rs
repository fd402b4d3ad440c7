//! `:export FILE`: the evidence bundle of `iss export` (`.json`), or the
//! browser's records (`.jsonl`, `.csv`), written on a background thread (a
//! bundle verifies and fingerprints every file) so the screen stays live;
//! the result arrives as [`Msg::Exported`].

use crate::analysis::export::write_bundle;
use crate::ledger::clock::Clock;
use crate::ledger::io::line_index::IndexedFile;
use crate::tui::app::{App, Level};
use crate::tui::export_records::{RecordsJob, Selection, Shape};
use crate::tui::msg::Msg;
use crate::tui::strings;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Sender;

/// `:export FILE [--force]`: by the file's extension, the evidence bundle
/// (`.json`; the Markdown goes beside it) or records (`.jsonl`, `.csv`; see
/// [`crate::tui::export_records`]). Existing files are replaced only with
/// `--force`, wherever it is typed.
pub fn request(app: &mut App, args: &str) {
    let words: Vec<&str> = args.split_whitespace().collect();
    let force = words.iter().any(|w| matches!(*w, "--force" | "-f"));
    let files: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !matches!(*w, "--force" | "-f"))
        .collect();
    let [file] = files[..] else {
        app.say(Level::Warn, strings::EXPORT_USAGE);
        return;
    };
    let out = PathBuf::from(file);
    if let Some(shape) = Shape::of(&out) {
        records(app, out, shape, force);
    } else if out.extension().is_some_and(|e| e == "json") {
        app.outbox.export = Some(out);
        app.outbox.export_force = force;
        app.say(
            Level::Info,
            format!("exporting the evidence bundle to {file}…"),
        );
    } else {
        app.say(Level::Warn, strings::EXPORT_USAGE);
    }
}

/// Queue the records export of the browser's chain.
fn records(app: &mut App, out: PathBuf, shape: Shape, force: bool) {
    let verdict = app.report.ready().map(|r| r.status);
    let view = app.current();
    let Some(file) = view.file().map(IndexedFile::snapshot) else {
        app.say(Level::Warn, strings::NOTHING_TO_SHOW);
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
        ledger: app.ledger.clone(),
        verdict,
    };
    app.say(Level::Info, strings::records_exporting(&job));
    app.outbox.records = Some(job);
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
pub fn done(app: &mut App, result: Result<String, String>) {
    match result {
        Ok(text) => app.say(Level::Info, text),
        Err(e) => app.say(Level::Error, format!("✘ export failed: {e}")),
    }
}
