//! `iss tui LOCATION` ([`crate::tui::remote_load`]): while a published
//! location is fetched, the records shown are marked partial in the status
//! bar with how far the fetch is; the verifier's gauge takes over once it
//! runs; a thrown-away cache is said on the message line.

use super::harness::{Harness, SAMPLE, message};
use crate::tui::msg::Msg;
use crate::tui::remote_load::RemoteMsg;
use crate::tui::update::update;
use std::path::Path;

fn status(t: &Harness) -> String {
    t.screen().lines().last().unwrap_or_default().to_owned()
}

#[test]
fn the_status_bar_says_partial_while_fetching_and_the_verdict_after() {
    let mut t = Harness::open_unverified(Path::new(SAMPLE), 120, 30);
    assert!(status(&t).contains("verifying…"), "{}", status(&t));
    update(
        &mut t.app,
        Msg::Remote(RemoteMsg::Fetched {
            done: 256,
            total: 1_024,
        }),
    );
    let s = status(&t);
    assert!(
        s.contains("partial, fetching… 25% (256 of 1024 records); verifying next"),
        "{s}"
    );
    // The verification of the copy has begun: its gauge, not the fetch's.
    let d = crate::ledger::discover::discover(Path::new(SAMPLE)).unwrap();
    let paths: Vec<&Path> = d.found.iter().map(|f| f.path.as_path()).collect();
    update(
        &mut t.app,
        Msg::Verifying(crate::ledger::io::progress::Progress::follow(&paths)),
    );
    let s = status(&t);
    assert!(s.contains("verifying… 0%") && !s.contains("partial"), "{s}");
    // A cache that did not verify: said, and the fetch shown again.
    update(&mut t.app, Msg::Remote(RemoteMsg::CacheDiscarded));
    assert!(message(&t).contains("cache thrown away"), "{}", message(&t));
    assert!(status(&t).contains("verifying…") && !status(&t).contains('%'));
    let report = crate::ledger::verify::verify_path(
        Path::new(SAMPLE),
        &crate::ledger::verify::VerifyOptions::default(),
    );
    update(&mut t.app, Msg::Verified(Ok(Box::new(report.unwrap()))));
    let s = status(&t);
    assert!(s.contains("CLEAN") && !s.contains("partial"), "{s}");
}
