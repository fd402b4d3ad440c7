//! One file given on its own (`iss tui FILE`) is what the workstation
//! opens, as `iss verify FILE` verifies that file alone: the browser offers
//! that file's chain only (not the other chains of the ledger it came
//! from), its title says so, and the integrity pane lists the files the
//! verification report lists.

use super::harness::{Harness, tampered_ledger};
use crate::ledger::verify::{VerifyOptions, verify_path};
use crate::tui::chain::ChainKind;
use std::path::Path;

fn chains(t: &Harness) -> Vec<ChainKind> {
    t.app.browser.chains().iter().map(|c| c.kind).collect()
}

/// The file names `iss verify FILE` reports.
fn verified_files(path: &Path) -> Vec<String> {
    let report = verify_path(path, &VerifyOptions::default()).unwrap();
    report.files.iter().map(|f| f.name.to_owned()).collect()
}

#[test]
fn a_chain_file_given_alone_is_browsed_alone_as_iss_verify_verifies_it() {
    let (tmp, ledger) = tampered_ledger();
    for (file, kind) in [
        ("data/spice_layer/spice_chain.jsonl", ChainKind::Descriptors),
        ("logs/forensic_logs/glyph_chain.jsonl", ChainKind::Pulses),
    ] {
        let path = ledger.join(file);
        let mut t = Harness::open(&path, 120, 40);
        assert_eq!(chains(&t), [kind], "{file}");
        let names: Vec<String> = chains(&t).iter().map(|k| k.name().to_owned()).collect();
        assert_eq!(
            names,
            verified_files(&path),
            "the chains iss verify FILE reports"
        );
        let screen = t.screen();
        assert!(
            screen.contains(&format!("[{}]", kind.name())) && screen.contains("this file only"),
            "{screen}"
        );
        let other = if kind == ChainKind::Descriptors {
            "glyph_chain"
        } else {
            "spice_chain"
        };
        assert!(!screen.contains(other), "no tab of another file\n{screen}");
        // `c` has no other chain to go to.
        t.keys("c");
        assert_eq!(t.app.current().kind, kind);
        // The integrity pane lists that one file.
        t.keys("2");
        let screen = t.screen();
        assert!(
            screen.contains(kind.name()) && !screen.contains(other),
            "{screen}"
        );
    }
    drop(tmp);
}

#[test]
fn a_file_that_is_no_chain_says_it_alone_was_given() {
    let (tmp, ledger) = tampered_ledger();
    let path = ledger.join("data/spice_layer/integrity_manifest.jsonl");
    let t = Harness::open(&path, 120, 40);
    assert_eq!(chains(&t), [ChainKind::Descriptors]);
    let screen = t.screen();
    assert!(
        screen.contains(
            "spice_chain.jsonl: not opened: only integrity_manifest.jsonl was given (open its folder"
        ),
        "{screen}"
    );
    assert!(!screen.contains("glyph_chain"), "{screen}");
    drop(tmp);
}

#[test]
fn the_folder_still_opens_every_chain() {
    let (tmp, ledger) = tampered_ledger();
    let t = Harness::open(&ledger, 120, 40);
    assert_eq!(chains(&t), ChainKind::LEGACY);
    assert!(t.screen().contains("(c: next chain)"));
    drop(tmp);
}
