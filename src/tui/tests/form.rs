//! Write mode and the descriptor entry form, driven by key strings: bad
//! fields are reported inline and nothing is written; a good record is
//! previewed and appended through the append module, byte for byte as
//! previewed, and the ledger still verifies; refusals keep the input and
//! the files; without `--write` the form never opens and no file changes.

use super::harness::{Harness, redact, tampered_ledger};
use crate::ledger::append::LedgerLock;
use crate::ledger::discover::discover;
use crate::ledger::legacy::write::append::{NewDescriptor, append_descriptor};
use crate::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use crate::ledger::model::report::LedgerStatus;
use crate::ledger::verify::{VerifyOptions, verify_discovered};
use crate::tui::app::{Level, Pane};
use crate::tui::form::{EntryForm, Stage, index_of};
use crate::tui::load::load_blocking;
use crate::tui::strings;
use crate::tui::update::update;
use crate::tui::writes::Keys;
use insta::assert_snapshot;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempDir;

/// A workstation on a generated ledger in a temporary folder.
pub(super) struct Writable {
    pub(super) t: Harness,
    pub(super) tmp: TempDir,
    pub(super) ledger: PathBuf,
}

impl Writable {
    /// A generated, clean ledger, opened with writes on (`write`) or off.
    pub(super) fn new(write: bool, w: u16, h: u16) -> Self {
        let tmp = super::harness::redactable_tempdir("iss-form-");
        let ledger = tmp.path().join("ledger");
        write_sample_ledger(&ledger, &SampleSpec::default()).unwrap();
        Self::on(tmp, ledger, write, w, h)
    }

    pub(super) fn on(tmp: TempDir, ledger: PathBuf, write: bool, w: u16, h: u16) -> Self {
        let mut t = Harness::open(&ledger, w, h);
        t.app.writes = write;
        // As `iss tui --write` resolves them: `<ledger>.key` when present.
        t.app.writing.keys = Keys::resolve(&ledger, write, None, None).unwrap();
        Writable { t, tmp, ledger }
    }

    pub(super) fn form(&self) -> &EntryForm {
        self.t.app.form.as_ref().expect("the form is open")
    }

    pub(super) fn screen(&self) -> String {
        redact(&self.t.screen(), &self.tmp.path().display().to_string())
    }

    pub(super) fn chain(&self) -> PathBuf {
        discover(&self.ledger)
            .unwrap()
            .path_of(crate::ledger::discover::FileKind::SpiceChain)
            .unwrap()
            .to_path_buf()
    }

    pub(super) fn message(&self) -> String {
        self.t
            .app
            .message
            .as_ref()
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }
}

/// Every file under `dir` with its bytes (the lock file included: a
/// read-only session must not even create it).
pub(super) fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// [`tree`] without the lock file an append attempt creates (and never removes).
fn ledger_files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    tree(dir)
        .into_iter()
        .filter(|(p, _)| p.file_name().is_none_or(|n| n != ".iss-lock"))
        .collect()
}

/// Keys that fill the form's fields in order: each value, then Tab.
pub(super) fn fill(values: &[&str]) -> String {
    values.iter().flat_map(|v| [*v, "<tab>"]).collect()
}

/// The seven required fields, acceptable.
pub(super) const GOOD: [&str; 7] = [
    "ENG.1",
    "1.0.0",
    "3",
    "compliant",
    "0.75",
    "auditor.form",
    "manual_review",
];

pub(super) fn lines_of(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bad_level_score_and_outcome_are_reported_inline_and_nothing_is_written() {
    let mut w = Writable::new(true, 120, 40);
    let before = tree(w.tmp.path());
    w.t.keys("i");
    w.t.keys(&fill(&["ENG.1", "1.0.0", "7", "great", "1.5", "me", "m"]));
    // Typed-as-you-go: the level is already flagged before any preview.
    assert!(w.form().error(index_of("capability_level")).is_some());
    w.t.keys("<c-s>");
    let f = w.form();
    assert!(
        matches!(f.stage, Stage::Editing),
        "no preview with bad fields"
    );
    let msg = |k: &str| f.error(index_of(k)).unwrap_or_default();
    assert!(
        msg("capability_level").contains("from 0 to 5"),
        "{}",
        msg("capability_level")
    );
    assert!(
        msg("process_outcome").contains("one of compliant"),
        "{}",
        msg("process_outcome")
    );
    assert!(
        msg("compliance_score").contains("from 0 to 1"),
        "{}",
        msg("compliance_score")
    );
    assert_eq!(msg("process_name"), "", "a good field has no message");
    assert_eq!(
        f.focus,
        index_of("capability_level"),
        "focus on the first bad field"
    );
    assert_eq!(w.message(), strings::form_fields_to_fix(3));
    let screen = w.screen();
    for m in [
        "from 0 to 5 (got \"7\")",
        "one of compliant",
        "from 0 to 1 (got 1.5)",
    ] {
        assert!(screen.contains(m), "{m} not on screen:\n{screen}");
    }
    // Fix them: backspace over the level and retype it.
    w.t.keys("<bs>2");
    assert_eq!(w.form().error(index_of("capability_level")), None);
    assert_eq!(tree(w.tmp.path()), before, "nothing written, no lock file");
}

#[test]
fn required_fields_left_empty_are_reported_only_once_a_preview_is_asked_for() {
    let mut w = Writable::new(true, 80, 24);
    w.t.keys("i");
    assert_eq!(w.form().error(index_of("process_name")), None);
    w.t.keys("<c-s>");
    assert!(
        w.form()
            .error(index_of("process_name"))
            .unwrap()
            .contains("required")
    );
    assert_eq!(w.message(), strings::form_fields_to_fix(7));
}

#[test]
fn a_good_record_is_previewed_then_appended_exactly_as_previewed() {
    let mut w = Writable::new(true, 120, 40);
    let chain = w.chain();
    let before = lines_of(&chain);
    w.t.keys("i");
    // Required fields, then the lists: one comma-separated, one by lines.
    w.t.keys(&fill(&GOOD));
    w.t.keys("execution_log, job_output<tab>execution_log<enter>job_output<tab>");
    w.t.keys("<c-s>");
    let Stage::Previewing { preview, .. } = &w.form().stage else {
        panic!("no preview: {:?} {:?}", w.form().refusal, w.message());
    };
    let preview = preview.clone();
    assert!(w.screen().contains(strings::FORM_PREVIEW_TITLE));
    assert!(
        preview
            .line()
            .contains(r#""evidence_provided":["execution_log","job_output"]"#)
    );
    assert_eq!(lines_of(&chain), before, "a preview writes nothing");

    w.t.keys("y");
    assert!(w.t.app.form.is_none(), "the form closes after the append");
    let after = lines_of(&chain);
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after[..before.len()], before[..], "earlier lines untouched");
    assert_eq!(
        after.last().unwrap(),
        preview.line(),
        "written = previewed, byte for byte"
    );
    let msg = w.message();
    assert!(
        msg.contains(&format!("as record {}", before.len() + 1)),
        "{msg}"
    );
    assert!(msg.contains(preview.heading().3), "{msg}");

    let report = verify_discovered(&discover(&w.ledger).unwrap(), &VerifyOptions::default());
    assert_eq!(report.status, LedgerStatus::Clean, "{:?}", report.files);

    // The loop reloads; the browser then shows the new record under the cursor.
    assert!(w.t.app.outbox.reload);
    for m in load_blocking(&w.ledger) {
        update(&mut w.t.app, m);
    }
    assert_eq!(w.t.app.pane, Pane::Browser);
    assert_eq!(w.t.app.current().lines(), after.len() as u64);
    assert_eq!(w.t.app.current().cursor, before.len() as u64);
    assert!(w.screen().contains("ENG.1"));
}

#[test]
fn a_refusal_from_a_tampered_ledger_shows_the_findings_and_keeps_input_and_files() {
    let (tmp, ledger) = tampered_ledger();
    let mut w = Writable::on(tmp, ledger, true, 120, 40);
    let before = tree(w.tmp.path());
    w.t.keys("i");
    w.t.keys(&fill(&GOOD));
    let texts = w.form().texts();
    w.t.keys("<c-s>");
    let f = w.form();
    assert!(matches!(f.stage, Stage::Editing));
    let r = f.refusal.as_ref().expect("a refusal");
    assert!(r.title.contains("does not verify"), "{}", r.title);
    assert!(
        r.details
            .iter()
            .any(|d| d.contains("spice_chain:10") && d.contains("HASH_MISMATCH")),
        "{:?}",
        r.details
    );
    assert_eq!(f.texts(), texts, "the input is kept");
    assert_eq!(w.t.app.message.as_ref().map(|m| m.0), Some(Level::Error));
    let screen = w.screen();
    assert!(
        screen.contains("HASH_MISMATCH") && screen.contains(strings::FORM_REFUSAL_TITLE),
        "{screen}"
    );
    assert_eq!(tree(w.tmp.path()), before, "files unchanged");
}

#[test]
fn a_ledger_tampered_after_the_preview_is_refused_at_confirmation() {
    let mut w = Writable::new(true, 80, 24);
    w.t.keys("i");
    w.t.keys(&fill(&GOOD));
    w.t.keys("<c-s>");
    assert!(matches!(w.form().stage, Stage::Previewing { .. }));
    // Someone edits a covered field of record 3 meanwhile.
    let chain = w.chain();
    let text = std::fs::read_to_string(&chain).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[2] = lines[2].replacen("\"process_name\":\"", "\"process_name\":\"X", 1);
    std::fs::write(&chain, lines.join("\n") + "\n").unwrap();
    let before = ledger_files(w.tmp.path());
    let texts = w.form().texts();

    w.t.keys("y");
    let f = w.form();
    assert!(matches!(f.stage, Stage::Editing), "back to editing");
    let r = f.refusal.as_ref().expect("a refusal");
    assert!(
        r.details.iter().any(|d| d.contains("spice_chain:3")),
        "{:?}",
        r.details
    );
    assert_eq!(f.texts(), texts);
    assert_eq!(ledger_files(w.tmp.path()), before, "nothing appended");
}

#[test]
fn a_held_lock_and_a_chain_that_moved_on_are_refused_with_the_input_kept() {
    let mut w = Writable::new(true, 80, 24);
    w.t.keys("i");
    w.t.keys(&fill(&GOOD));
    w.t.keys("<c-s>");
    w.t.app.form.as_mut().unwrap().lock_wait = Duration::from_millis(30);
    let before = ledger_files(w.tmp.path());
    {
        // The lock of the folder holding the chain and the manifest.
        let _held = LedgerLock::acquire(w.chain().parent().unwrap()).unwrap();
        w.t.keys("y");
    }
    let r = w
        .form()
        .refusal
        .clone()
        .expect("a refusal while the lock is held");
    assert!(r.title.contains("lock"), "{}", r.title);
    assert!(matches!(w.form().stage, Stage::Editing));
    assert_eq!(ledger_files(w.tmp.path()), before);

    // Preview again, then another writer appends first: the preview is stale.
    w.t.keys("<c-s>");
    assert!(matches!(w.form().stage, Stage::Previewing { .. }));
    let other: NewDescriptor = serde_json::from_value(serde_json::json!({
        "process_name": "OTHER.1", "process_version": "1", "capability_level": 1,
        "process_outcome": "partial", "compliance_score": 0.5,
        "assessed_by": "someone", "assessment_method": "m"
    }))
    .unwrap();
    append_descriptor(&w.ledger, other, 1_800_000_000_000_000).unwrap();
    let moved = ledger_files(w.tmp.path());
    w.t.keys("y");
    let r = w
        .form()
        .refusal
        .clone()
        .expect("a stale preview is refused");
    assert!(r.title.contains("changed since the preview"), "{}", r.title);
    assert_eq!(
        ledger_files(w.tmp.path()),
        moved,
        "nothing written by the form"
    );
    assert_eq!(w.form().texts()[0], "ENG.1");
}

#[test]
fn without_write_the_form_never_opens_and_no_file_changes() {
    let mut w = Writable::new(false, 80, 24);
    let before = tree(w.tmp.path());
    w.t.keys("i");
    assert!(w.t.app.form.is_none());
    assert_eq!(
        w.message(),
        strings::writes_off(strings::WRITES_OFF_DESCRIPTOR)
    );
    assert!(w.screen().contains("READ-ONLY"));
    // Every pane, every key that could write in write mode, and then some.
    w.t.keys(
        "2i3i4i5i1iENG.1<tab>1<enter><c-s>yy<enter>mjmuMY:filter level>=3<enter>:marks<enter>aA",
    );
    assert!(w.t.app.form.is_none(), "no key sequence opens the form");
    assert!(!w.t.app.outbox.reload);
    assert_eq!(tree(w.tmp.path()), before, "no file changed or created");

    let mut on = Writable::new(true, 80, 24);
    assert!(
        on.screen().contains(" WRITE "),
        "the status bar shows the mode"
    );
    on.t.keys("2i");
    assert!(
        on.t.app.form.as_ref().is_some_and(|f| f.visible),
        "i opens the form from any pane"
    );
}

#[test]
fn escape_closes_the_form_and_keeps_the_draft() {
    let mut w = Writable::new(true, 80, 24);
    w.t.keys("iENG.1<tab>1.0<esc>");
    assert!(!w.form().visible);
    assert_eq!(w.message(), strings::FORM_DRAFT_KEPT);
    // Keys are the browser's again: q would quit, j moves.
    w.t.keys("j");
    assert_eq!(w.t.app.current().cursor, 1);
    w.t.keys("i");
    assert!(w.form().visible);
    assert_eq!(
        w.form().texts()[..2],
        ["ENG.1".to_owned(), "1.0".to_owned()]
    );
    // From the preview, Esc goes back to editing, not out of the form.
    w.t.app
        .form
        .as_mut()
        .unwrap()
        .set("process_version", "1.0.0");
    for (i, v) in GOOD.iter().enumerate().skip(2) {
        w.t.app
            .form
            .as_mut()
            .unwrap()
            .set(crate::tui::form::FIELDS[i].key, v);
    }
    w.t.keys("<c-s>");
    assert!(matches!(w.form().stage, Stage::Previewing { .. }));
    w.t.keys("<esc>");
    assert!(w.form().visible && matches!(w.form().stage, Stage::Editing));
}

/// The form with inline messages, and its preview, at both sizes.
#[test]
fn form_snapshots() {
    for (wd, ht) in [(80, 24), (120, 40)] {
        let mut w = Writable::new(true, wd, ht);
        w.t.keys("i");
        w.t.keys(&fill(&["ENG.1", "1.0.0", "9", "great", "2"]));
        w.t.keys("<c-s>");
        assert_snapshot!(format!("form_errors_{wd}x{ht}"), w.screen());

        let f = w.t.app.form.as_mut().unwrap();
        f.set("capability_level", "3");
        f.set("process_outcome", "compliant");
        f.set("compliance_score", "0.75");
        f.set("assessed_by", "auditor.form");
        f.set("assessment_method", "manual_review");
        f.set("evidence_required", "execution_log\njob_output");
        // Fixed id and time: the preview is then the same on every run.
        f.set("descriptor_id", "0123456789abcdef");
        f.set("assessed_at", "2026-11-02T10:00:00.000000+00:00");
        w.t.keys("<c-s>");
        assert_snapshot!(format!("form_preview_{wd}x{ht}"), w.screen());
    }
}

#[test]
fn p_appends_a_time_pulse_in_write_mode_only() {
    let glyph = |l: &Path| {
        discover(l)
            .unwrap()
            .path_of(crate::ledger::discover::FileKind::GlyphChain)
            .unwrap()
            .to_path_buf()
    };
    let mut off = Writable::new(false, 80, 24);
    let before = tree(off.tmp.path());
    off.t.keys("P");
    // `P` appends a pulse: the message says so (it said "a descriptor").
    assert_eq!(
        off.message(),
        "read-only: writes are off; start with `iss tui --write PATH` to append a time pulse"
    );
    assert_eq!(tree(off.tmp.path()), before, "read-only: nothing written");

    let mut on = Writable::new(true, 80, 24);
    let path = glyph(&on.ledger);
    let lines = std::fs::read_to_string(&path).unwrap().lines().count();
    on.t.keys("P");
    assert!(on.message().contains("appended pulse"), "{}", on.message());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap().lines().count(),
        lines + 1
    );
    let d = discover(&on.ledger).unwrap();
    let report = verify_discovered(&d, &VerifyOptions::default());
    assert_eq!(
        report.status,
        LedgerStatus::Clean,
        "{:?}",
        report.findings().collect::<Vec<_>>()
    );
    assert!(on.t.app.outbox.reload, "the browser reloads to show it");
}

#[test]
fn p_on_a_native_ledger_appends_a_signed_pulse() {
    let tmp = super::harness::redactable_tempdir(".tmp");
    let ledger = native_ledger(&tmp);
    let mut w = Writable::on(tmp, ledger.clone(), true, 80, 24);
    w.t.keys("P");
    assert!(w.message().contains(", signed"), "{}", w.message());
    let pulses = std::fs::read_to_string(ledger.join("pulses.jsonl")).unwrap();
    assert_eq!(pulses.lines().count(), 1);
    let report = crate::ledger::verify::verify_path(&ledger, &VerifyOptions::default()).unwrap();
    assert_eq!(report.status, LedgerStatus::Clean);
    let p = report.files.iter().find(|f| f.name == "pulses").unwrap();
    assert_eq!(p.native.as_ref().unwrap().signed_size, Some(1));
}

#[test]
fn the_form_appends_to_a_native_ledger_exactly_as_previewed_and_signed() {
    let tmp = super::harness::redactable_tempdir(".tmp");
    let ledger = native_ledger(&tmp);
    let mut w = Writable::on(tmp, ledger.clone(), true, 120, 40);
    w.t.keys("i");
    w.t.keys(&fill(&GOOD));
    w.t.keys("<c-s>");
    let Stage::Previewing { preview, .. } = &w.form().stage else {
        panic!("no preview: {:?} {:?}", w.form().refusal, w.message());
    };
    let preview = preview.clone();
    assert!(
        w.screen().contains("every byte of the record"),
        "{}",
        w.screen()
    );
    let chain = ledger.join("descriptors.jsonl");
    assert_eq!(
        std::fs::read(&chain).unwrap(),
        b"",
        "a preview writes nothing"
    );
    w.t.keys("y");
    assert!(w.t.app.form.is_none(), "{:?}", w.message());
    let text = std::fs::read_to_string(&chain).unwrap();
    assert_eq!(text, format!("{}\n", preview.line()), "written = previewed");
    assert!(w.message().contains(", signed"), "{}", w.message());
    let report = crate::ledger::verify::verify_path(&ledger, &VerifyOptions::default()).unwrap();
    assert_eq!(report.status, LedgerStatus::Clean);
    let d = report
        .files
        .iter()
        .find(|f| f.name == "descriptors")
        .unwrap();
    assert_eq!(
        d.native.as_ref().unwrap().signed_size,
        Some(1),
        "signed at once"
    );
}

#[test]
fn a_native_preview_is_refused_when_the_chain_moved_on() {
    let tmp = super::harness::redactable_tempdir(".tmp");
    let ledger = native_ledger(&tmp);
    let key = tmp.path().join("ledger.key");
    let mut w = Writable::on(tmp, ledger.clone(), true, 120, 40);
    w.t.keys("i");
    w.t.keys(&fill(&GOOD));
    w.t.keys("<c-s>");
    assert!(matches!(w.form().stage, Stage::Previewing { .. }));
    // Another writer appends meanwhile.
    let mut other = crate::ledger::native::write::NativeWriter::open(
        &ledger,
        Some(crate::ledger::native::secret::read_signer(&key).unwrap()),
        None,
    )
    .unwrap();
    crate::ledger::native::write::descriptors::append_descriptors(
        &mut other,
        vec![crate::tui::form::to_descriptor(&w.form().texts()).unwrap()],
        1,
        true,
    )
    .unwrap();
    let before = std::fs::read(ledger.join("descriptors.jsonl")).unwrap();
    w.t.keys("y");
    let refusal = w.form().refusal.clone().expect("refused");
    assert!(refusal.title.contains("moved on"), "{}", refusal.title);
    assert_eq!(
        std::fs::read(ledger.join("descriptors.jsonl")).unwrap(),
        before
    );
    assert_eq!(w.form().texts()[0], GOOD[0], "the input is kept");
}

/// A new native ledger `<tmp>/ledger`, its signing key `<tmp>/ledger.key`
/// beside it (where the workstation looks for it).
pub(super) fn native_ledger(tmp: &TempDir) -> PathBuf {
    use crate::ledger::native::write::init::{InitOptions, init};
    let ledger = tmp.path().join("ledger");
    init(
        &ledger,
        &InitOptions {
            origin: "iss.test/form".into(),
            key_path: tmp.path().join("ledger.key"),
            mac_key_path: None,
            created: "2026-11-27T00:00:00Z".into(),
            genesis_extra: None,
        },
    )
    .unwrap();
    ledger
}
