//! A review through the `Ledger`: the HMAC key checked once when it is
//! opened, and handed to verification and to the watcher.

use super::super::Ledger;
use crate::ledger::model::report::LedgerStatus;
use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::secret::{MacKey, read_mac_key_for};
use crate::ledger::native::write::NativeWriter;
use crate::ledger::native::write::init::{InitOptions, init};
use crate::ledger::verify::VerifyOptions;
use crate::ledger::watch::{RecordStatus, WatchEvent, WatchOptions};
use std::io::Write;

/// A keyed native ledger with one record, then one whose MAC (under the
/// ledger's key id) is not the ledger's: only the HMAC key tells.
fn forged_mac_ledger() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ledger");
    let mac = tmp.path().join("ledger.mac");
    init(
        &dir,
        &InitOptions {
            origin: "iss.test/review".into(),
            key_path: tmp.path().join("ledger.key"),
            mac_key_path: Some(mac.clone()),
            created: "2026-11-27T00:00:00.000000Z".into(),
            genesis_extra: None,
        },
    )
    .unwrap();
    let key = read_mac_key_for(&dir, &mac).unwrap();
    let mut w = NativeWriter::open(&dir, None, Some(key)).unwrap();
    let body = |i: u32| format!(r#"{{"descriptor_id":"d{i}","process_name":"Review"}}"#);
    w.append(Chain::Descriptors, &[body(0)]).unwrap();
    let (lines, _) = w.build(Chain::Descriptors, &[body(1)]).unwrap();
    let good = &lines[0];
    // Past `,"mac":"` and the 8-hex key id and its colon.
    let at = good.find(",\"mac\":\"").unwrap() + 17;
    let flipped = if &good[at..=at] == "0" { "1" } else { "0" };
    let forged = format!("{}{flipped}{}", &good[..at], &good[at + 1..]);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("descriptors.jsonl"))
        .unwrap();
    writeln!(f, "{forged}").unwrap();
    (tmp, dir, mac)
}

fn kinds(report: &crate::ledger::model::report::VerifyReport) -> Vec<String> {
    report
        .files
        .iter()
        .flat_map(|f| f.findings.iter())
        .filter(|f| f.is_violation())
        .map(|f| f.kind.to_string())
        .collect()
}

#[test]
fn what_discovery_found_is_verified_with_the_ledgers_hmac_key() {
    let (_tmp, dir, mac) = forged_mac_ledger();
    let found = crate::ledger::discover::discover(&dir).unwrap();
    let with_key = Ledger::review(&dir, Some(&mac)).unwrap();
    let report = with_key.verify_discovered(&found, &VerifyOptions::default());
    assert_eq!(report.status, LedgerStatus::Violated);
    assert_eq!(kinds(&report), ["MAC_MISMATCH"]);
    // The same found files without the key: the forged MAC is not seen.
    let report = Ledger::review(&dir, None)
        .unwrap()
        .verify_discovered(&found, &VerifyOptions::default());
    assert!(kinds(&report).is_empty(), "{:?}", kinds(&report));
}

#[test]
fn a_review_verifies_with_the_hmac_key_it_was_opened_with() {
    let (tmp, dir, mac) = forged_mac_ledger();
    let with_key = Ledger::review(&dir, Some(&mac)).unwrap();
    assert!(
        with_key.keys().signer.is_none(),
        "the signing key is never read"
    );
    let report = with_key.verify(&VerifyOptions::default()).unwrap();
    assert_eq!(report.status, LedgerStatus::Violated);
    assert_eq!(kinds(&report), ["MAC_MISMATCH"]);
    // Without the key the forged MAC is not seen (it shows as unchecked).
    let without = Ledger::review(&dir, None).unwrap();
    let report = without.verify(&VerifyOptions::default()).unwrap();
    assert!(kinds(&report).is_empty(), "{:?}", kinds(&report));
    // Another key is refused when the ledger is opened, not at each read.
    let other = tmp.path().join("other.mac");
    MacKey::generate().unwrap().write(&other).unwrap();
    assert!(Ledger::review(&dir, Some(&other)).is_err());
}

#[test]
fn a_review_watches_with_the_hmac_key_it_was_opened_with() {
    let (_tmp, dir, mac) = forged_mac_ledger();
    // Cut the forged line, start the watcher, then put it back.
    let chain = dir.join("descriptors.jsonl");
    let text = std::fs::read_to_string(&chain).unwrap();
    let first = text.find('\n').unwrap() + 1;
    std::fs::write(&chain, &text[..first]).unwrap();
    let ledger = Ledger::review(&dir, Some(&mac)).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let _handle = ledger.watch(WatchOptions::default(), move |e| tx.send(e).is_ok());
    let ready = rx.recv_timeout(std::time::Duration::from_secs(30)).unwrap();
    assert!(matches!(ready, WatchEvent::Ready(_)), "{ready:?}");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&chain)
        .unwrap();
    f.write_all(&text.as_bytes()[first..]).unwrap();
    let record = loop {
        let event = rx.recv_timeout(std::time::Duration::from_secs(30)).unwrap();
        if let WatchEvent::Record(r) = event {
            break r;
        }
    };
    assert_eq!(record.status, RecordStatus::Violated);
    assert_eq!(record.findings[0].kind.to_string(), "MAC_MISMATCH");
}
