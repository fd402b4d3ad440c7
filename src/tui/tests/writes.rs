//! Invariant: every write (the form's preview and append, `P`) runs off the
//! UI thread — while it is under way the screen says so and stays live, a
//! preview can be cancelled, an append cannot be called back, and a second
//! write is refused rather than queued; a keyed native ledger is verified
//! and appended to with the MAC key the workstation was given.

use super::form::{GOOD, Writable, fill, lines_of, native_ledger, tree};
use super::harness::Harness;
use crate::ledger::model::report::{LedgerStatus, VerifyReport};
use crate::ledger::native::secret::MacKey;
use crate::ledger::verify::{VerifyOptions, verify_path};
use crate::tui::form::Stage;
use crate::tui::load::load_blocking_with;
use crate::tui::msg::Msg;
use crate::tui::strings;
use crate::tui::update::update;
use crate::tui::writes::{Keys, WriteKind};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

#[test]
fn the_preview_is_built_in_the_background_and_esc_cancels_it() {
    let mut w = Writable::new(true, 120, 40);
    let before = tree(w.tmp.path());
    w.t.keys("i");
    w.t.keys(&fill(&GOOD));
    w.t.keys_pending("<c-s>");
    assert!(
        matches!(w.form().stage, Stage::Building { .. }),
        "{:?}",
        w.form().stage
    );
    assert!(
        w.t.app.busy(),
        "the spinner runs while the preview is built"
    );
    let screen = w.screen();
    assert!(screen.contains(strings::WRITING_PREVIEW), "{screen}");
    assert!(
        screen.contains("verifying the ledger and building"),
        "{screen}"
    );

    w.t.keys_pending("<esc>");
    assert!(matches!(w.form().stage, Stage::Editing));
    assert_eq!(w.message(), strings::FORM_PREVIEW_CANCELLED);
    // The cancelled job still answers; its preview is not shown.
    w.t.finish_jobs();
    assert!(matches!(w.form().stage, Stage::Editing));
    assert!(w.form().refusal.is_none());
    assert!(w.t.app.writing.running.is_none() && !w.t.app.busy());
    assert_eq!(w.form().texts()[0], GOOD[0], "the input is kept");
    assert_eq!(tree(w.tmp.path()), before, "a preview writes nothing");

    // Asked again, it arrives.
    w.t.keys("<c-s>");
    assert!(matches!(w.form().stage, Stage::Previewing { .. }));
}

#[test]
fn an_append_under_way_cannot_be_called_back() {
    let mut w = Writable::new(true, 120, 40);
    let chain = w.chain();
    let before = lines_of(&chain);
    w.t.keys("i");
    w.t.keys(&fill(&GOOD));
    w.t.keys("<c-s>");
    w.t.keys_pending("y");
    assert!(matches!(w.form().stage, Stage::Appending { .. }));
    assert_eq!(
        w.t.app.writing.running.map(|(_, k)| k),
        Some(WriteKind::Append)
    );
    let screen = w.screen();
    assert!(
        screen.contains("appending: verifying the ledger again"),
        "{screen}"
    );
    assert!(screen.contains(strings::WRITING_APPEND), "{screen}");

    w.t.keys_pending("<esc>");
    assert_eq!(w.message(), strings::FORM_APPEND_UNDER_WAY);
    assert!(matches!(w.form().stage, Stage::Appending { .. }));
    assert_eq!(lines_of(&chain), before, "not written yet");

    w.t.finish_jobs();
    assert!(w.t.app.form.is_none(), "{}", w.message());
    assert_eq!(lines_of(&chain).len(), before.len() + 1);
    assert!(w.t.app.writing.running.is_none());
}

#[test]
fn one_write_at_a_time_a_second_is_refused_not_queued() {
    let mut w = Writable::new(true, 80, 24);
    let glyph = w
        .tmp
        .path()
        .join("ledger/logs/forensic_logs/glyph_chain.jsonl");
    let before = lines_of(&glyph).len();
    // A draft ready in the form, closed.
    w.t.keys("i").keys(&fill(&GOOD)).keys("<esc>");
    w.t.keys_pending("P");
    assert_eq!(
        w.t.app.writing.running.map(|(_, k)| k),
        Some(WriteKind::Pulse)
    );
    assert!(
        w.screen().contains(strings::WRITING_PULSE),
        "{}",
        w.screen()
    );
    // The screen answers meanwhile: another pane, and a second pulse refused.
    w.t.keys_pending("2");
    assert_eq!(w.t.app.pane, crate::tui::app::Pane::Integrity);
    w.t.keys_pending("P");
    let refused = strings::write_under_way(strings::WRITING_PULSE);
    assert_eq!(w.message(), refused);
    // So is a preview.
    w.t.keys_pending("i<c-s>");
    assert!(
        matches!(w.form().stage, Stage::Editing),
        "no preview while a pulse is written"
    );
    assert_eq!(w.message(), refused);
    assert!(
        w.t.app.writing.queued.is_some(),
        "the pulse alone is queued"
    );
    w.t.finish_jobs();
    assert_eq!(lines_of(&glyph).len(), before + 1, "exactly one pulse");
    assert!(w.message().contains("appended pulse"), "{}", w.message());
}

#[test]
fn a_write_that_fails_inside_is_reported_not_left_under_way() {
    let mut w = Writable::new(true, 80, 24);
    w.t.keys_pending("P");
    let (request, _) = w.t.app.writing.running.expect("under way");
    // What `WriteJob::run` sends when the writer panics.
    let outcome = crate::tui::writes::Written::Pulse(Err(strings::WRITE_INTERNAL_ERROR.into()));
    w.t.app.writing.queued = None;
    update(&mut w.t.app, Msg::Written { request, outcome });
    assert!(w.t.app.writing.running.is_none());
    assert!(w.message().contains("internal error"), "{}", w.message());
}

/// A keyed native ledger `<tmp>/ledger` (signing key `<tmp>/ledger.key`,
/// MAC key `<tmp>/ledger.mac`) with one descriptor appended with both.
fn keyed_ledger(tmp: &TempDir) -> (PathBuf, MacKey) {
    use crate::ledger::native::write::init::{InitOptions, init};
    let ledger = tmp.path().join("ledger");
    let mac = tmp.path().join("ledger.mac");
    init(
        &ledger,
        &InitOptions {
            origin: "iss.test/keyed".into(),
            key_path: tmp.path().join("ledger.key"),
            mac_key_path: Some(mac.clone()),
            created: "2026-11-27T00:00:00Z".into(),
            genesis_extra: None,
        },
    )
    .unwrap();
    let key = MacKey::read(&mac).unwrap();
    let keys = Keys::resolve(&ledger, true, None, Some(&mac)).unwrap();
    let mut writer =
        crate::ledger::native::write::NativeWriter::open(&ledger, keys.signer, keys.mac_key)
            .unwrap();
    crate::ledger::native::write::descriptors::append_descriptors(
        &mut writer,
        vec![good_descriptor()],
        1,
        true,
    )
    .unwrap();
    (ledger, key)
}

fn good_descriptor() -> crate::ledger::legacy::write::append::NewDescriptor {
    let mut texts = vec![String::new(); crate::tui::form::FIELDS.len()];
    for (t, v) in texts.iter_mut().zip(GOOD) {
        *t = v.to_owned();
    }
    crate::tui::form::to_descriptor(&texts).expect("acceptable")
}

/// A workstation on `ledger` with `keys`, loaded as `iss tui` loads it.
fn open_keyed(ledger: &Path, keys: Keys, write: bool) -> Harness {
    let mut t = Harness::unloaded(ledger, 120, 40);
    t.app.writes = write;
    t.app.writing.keys = keys;
    let options = t.app.verify_options();
    for m in load_blocking_with(ledger, &options) {
        update(&mut t.app, m);
    }
    t.finish_jobs();
    t
}

fn descriptors_macs(r: &VerifyReport) -> (u64, u64) {
    let f = r.files.iter().find(|f| f.name == "descriptors").unwrap();
    let n = f.native.as_ref().unwrap();
    (n.macs_checked, n.macs_unchecked)
}

#[test]
fn a_keyed_ledger_is_verified_with_the_mac_key_given_and_said_unchecked_without() {
    let tmp = tempfile::tempdir().unwrap();
    let (ledger, key) = keyed_ledger(&tmp);

    let without = open_keyed(&ledger, Keys::default(), false);
    let r = without.app.report.ready().expect("verified");
    assert_eq!(descriptors_macs(r), (0, 1));
    let with = open_keyed(
        &ledger,
        Keys {
            signer: None,
            mac_key: Some(key.clone()),
        },
        false,
    );
    let r = with.app.report.ready().expect("verified");
    assert_eq!(descriptors_macs(r), (1, 0));
    assert_eq!(r.status, LedgerStatus::Clean);

    // Another key is refused before anything is shown: it would check nothing.
    let other = tmp.path().join("other.mac");
    crate::ledger::native::secret::write_secret(&other, &[7u8; 32]).unwrap();
    let e = Keys::resolve(&ledger, false, None, Some(&other)).unwrap_err();
    assert!(
        matches!(
            e,
            crate::ledger::native::secret::SecretError::WrongMacKey { .. }
        ),
        "{e}"
    );
    assert!(
        e.to_string().contains(key.id()),
        "names the key required: {e}"
    );
}

#[test]
fn the_form_and_p_append_to_a_keyed_ledger_with_the_mac_key_and_refuse_without() {
    let tmp = tempfile::tempdir().unwrap();
    let (ledger, key) = keyed_ledger(&tmp);
    let chain = ledger.join("descriptors.jsonl");

    // Without the MAC key: refused, the input kept, nothing written.
    let keys = Keys::resolve(&ledger, true, None, None).unwrap();
    let mut t = open_keyed(&ledger, keys, true);
    let before = std::fs::read(&chain).unwrap();
    t.keys("i").keys(&fill(&GOOD)).keys("<c-s>");
    let form = t.app.form.as_ref().unwrap();
    let refusal = form.refusal.clone().expect("refused without the MAC key");
    assert!(refusal.title.contains("MAC"), "{}", refusal.title);
    assert_eq!(std::fs::read(&chain).unwrap(), before);
    t.keys("<esc>P");
    let msg = t.app.message.clone().unwrap().1;
    assert!(msg.contains("pulse refused"), "{msg}");
    assert_eq!(
        std::fs::read(ledger.join("pulses.jsonl")).unwrap(),
        b"",
        "no pulse without the MAC key"
    );

    // With it: both appended, each with a MAC that verifies under the key.
    let mac = tmp.path().join("ledger.mac");
    let keys = Keys::resolve(&ledger, true, None, Some(&mac)).unwrap();
    let mut t = open_keyed(&ledger, keys, true);
    t.keys("i").keys(&fill(&GOOD)).keys("<c-s>");
    assert!(
        matches!(t.app.form.as_ref().unwrap().stage, Stage::Previewing { .. }),
        "{:?}",
        t.app.form.as_ref().unwrap().refusal
    );
    t.keys("y");
    assert!(t.app.form.is_none(), "{:?}", t.app.message);
    t.keys("P");
    let msg = t.app.message.clone().unwrap().1;
    assert!(msg.contains("appended pulse"), "{msg}");
    let options = VerifyOptions {
        mac_key: Some(key),
        ..VerifyOptions::default()
    };
    let r = verify_path(&ledger, &options).unwrap();
    assert_eq!(r.status, LedgerStatus::Clean, "{:?}", r.files);
    assert_eq!(descriptors_macs(&r), (2, 0));
    let p = r.files.iter().find(|f| f.name == "pulses").unwrap();
    assert_eq!(p.native.as_ref().unwrap().macs_checked, 1);
}

#[test]
fn a_native_ledger_is_signed_with_the_key_given_not_only_the_default() {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = native_ledger(&tmp);
    // The key moved away from `<ledger>.key`: found only when given.
    let moved = tmp.path().join("elsewhere.key");
    std::fs::rename(tmp.path().join("ledger.key"), &moved).unwrap();
    let unsigned = Keys::resolve(&ledger, true, None, None).unwrap();
    assert!(unsigned.signer.is_none());
    let keys = Keys::resolve(&ledger, true, Some(&moved), None).unwrap();
    assert!(keys.signer.is_some());
    assert!(
        Keys::resolve(&ledger, false, Some(&moved), None)
            .unwrap()
            .signer
            .is_none(),
        "a read-only review never reads the signing key"
    );
    let mut t = open_keyed(&ledger, keys, true);
    t.keys("P");
    let msg = t.app.message.clone().unwrap().1;
    assert!(msg.contains(", signed"), "{msg}");
}
