//! `:export FILE`: the evidence bundle of `iss export`, written on a
//! background thread (it verifies and fingerprints every file) so the
//! screen stays live; the result arrives as [`Msg::Exported`].

use crate::analysis::export::write_bundle;
use crate::ledger::clock::Clock;
use crate::tui::app::{App, Level};
use crate::tui::msg::Msg;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Sender;

/// Ask the event loop to write the bundle to `file` (`.json`; the Markdown
/// goes beside it). Existing files are never replaced from the workstation.
pub fn request(app: &mut App, file: &str) {
    if file.is_empty() {
        app.say(
            Level::Warn,
            "usage: :export FILE.json (the Markdown goes beside it)",
        );
        return;
    }
    app.outbox.export = Some(PathBuf::from(file));
    app.say(
        Level::Info,
        format!("exporting the evidence bundle to {file}…"),
    );
}

/// Write the bundle on its own thread and report back; its time is read
/// from `clock`.
pub fn spawn(ledger: PathBuf, out: PathBuf, clock: Arc<dyn Clock>, tx: Sender<Msg>) {
    std::thread::spawn(move || {
        let result = write_bundle(&ledger, &out, false, &*clock).map(|w| {
            format!(
                "✔ wrote {} and {} ({} files fingerprinted, ledger {:?})",
                w.json.display(),
                w.markdown.display(),
                w.files,
                w.status
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
