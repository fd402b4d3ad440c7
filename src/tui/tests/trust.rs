//! Trust from outside the ledger in the workstation (issue 12): what the
//! remembered state or a trusted checkpoint says reaches the screen.

use super::harness::Harness;
use super::native::native_ledger;
use crate::tui::msg::Msg;
use crate::tui::update::update;

/// Trust from outside the ledger in the workstation: a remembered state
/// that cannot be read is said on the status line (not left to the word
/// "incomplete"), and a rollback is a finding of the integrity pane.
#[test]
fn the_workstation_says_an_unreadable_state_and_lists_a_rollback() {
    use crate::ledger::trust::TrustOptions;
    use crate::ledger::trust::anchor::Anchor;
    use crate::ledger::verify::{VerifyOptions, verify_path};
    let (tmp, ledger) = native_ledger();
    let state = tmp.path().join("state");
    let f = crate::ledger::trust::state::file_for(&state, "iss.local/tui-test/descriptors");
    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
    std::fs::write(&f, "garbage\n").unwrap();
    let with = |trust| VerifyOptions {
        trust,
        ..VerifyOptions::default()
    };
    let report = verify_path(
        &ledger,
        &with(TrustOptions::State {
            dir: state,
            save: true,
        }),
    )
    .unwrap();
    let mut t = Harness::open(&ledger, 120, 40);
    update(&mut t.app, Msg::Verified(Ok(Box::new(report))));
    let (_, text) = t.app.message.clone().expect("a message");
    assert!(text.contains("damaged"), "{text}");
    let larger = Anchor {
        origin: "iss.local/tui-test/descriptors".into(),
        size: 1000,
        root: [0; 32],
        note: String::new(),
        source: "saved.checkpoint".into(),
    };
    let report = verify_path(&ledger, &with(TrustOptions::Anchors(vec![larger]))).unwrap();
    update(&mut t.app, Msg::Verified(Ok(Box::new(report))));
    t.keys("2");
    let screen = t.screen();
    assert!(screen.contains("ROLLBACK"), "{screen}");
}
