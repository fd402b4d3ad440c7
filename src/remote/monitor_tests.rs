//! The monitor on a ledger published to a directory, polled by hand: a
//! checkpoint read in the middle of its writing (a torn read) is not an
//! alert; one that stays unopened, or gone, is, at the next poll.

use super::*;
use crate::ledger::native::secret::read_signer;
use crate::ledger::native::write::NativeWriter;
use crate::ledger::native::write::init::{InitOptions, init};
use crate::publish::{Destination, PublishOptions, publish_verified, verify_for_publish};
use std::path::Path;

/// A native ledger of 300 descriptors, checkpointed, published to `site`.
fn published(tmp: &Path, site: &Path) {
    let dir = tmp.join("ledger");
    let key = tmp.join("ledger.key");
    init(
        &dir,
        &InitOptions {
            origin: "iss.test/monitor".into(),
            key_path: key.clone(),
            mac_key_path: None,
            created: "2026-12-06T00:00:00.000000Z".into(),
            genesis_extra: None,
        },
    )
    .unwrap();
    let mut w = NativeWriter::open(&dir, Some(read_signer(&key).unwrap()), None).unwrap();
    let bodies: Vec<String> = (0..300)
        .map(|i| format!(r#"{{"descriptor_id":"{i:016x}","process_name":"ENG.{i}"}}"#))
        .collect();
    w.append(Chain::Descriptors, &bodies).unwrap();
    w.checkpoint(Chain::Descriptors).unwrap();
    drop(w);
    let options = PublishOptions { mac_key: None };
    let verified = verify_for_publish(&dir, &options).unwrap();
    let dest = Destination::open(site.to_str().unwrap()).unwrap();
    publish_verified(&dir, &verified, &dest).unwrap();
}

/// Replace `path` whole (as a publisher does): a reader sees the old bytes
/// or these.
fn replace(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn changes(events: &[WatchEvent]) -> Vec<ChangeKind> {
    events
        .iter()
        .map(|e| match e {
            WatchEvent::Alert(a) => a.change,
            other => panic!("expected alerts only, found {other:?}"),
        })
        .collect()
}

#[test]
fn a_torn_read_is_held_until_the_next_poll_and_a_lasting_one_is_an_alert() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    published(tmp.path(), &site);
    let fetched = crate::remote::fetch(&site).unwrap();
    let mut m = Monitor::new(&fetched, None);
    assert!(m.poll(&fetched).is_empty());
    let cp = site.join("descriptors/checkpoint");
    let note = std::fs::read(&cp).unwrap();
    let torn = &note[..note.len() / 2];

    // Read while being written, then whole: nothing to say.
    replace(&cp, torn);
    assert_eq!(changes(&m.poll(&fetched)), []);
    replace(&cp, &note);
    assert_eq!(changes(&m.poll(&fetched)), []);
    replace(&cp, b"");
    assert_eq!(changes(&m.poll(&fetched)), []);
    replace(&cp, &note);
    assert_eq!(changes(&m.poll(&fetched)), []);

    // Not a checkpoint at two polls in a row: an alert, raised once.
    replace(&cp, torn);
    assert_eq!(changes(&m.poll(&fetched)), []);
    let alert = m.poll(&fetched);
    assert_eq!(changes(&alert), [ChangeKind::SignatureInvalid]);
    let WatchEvent::Alert(a) = &alert[0] else {
        unreachable!()
    };
    assert!(a.found.contains("malformed note"), "{a:?}");
    assert!(a.path.ends_with("descriptors/checkpoint"), "{a:?}");
    assert_eq!(changes(&m.poll(&fetched)), []);

    // Gone at one poll, back at the next: nothing; gone at two: a rollback.
    replace(&cp, &note);
    assert_eq!(changes(&m.poll(&fetched)), []);
    std::fs::remove_file(&cp).unwrap();
    assert_eq!(changes(&m.poll(&fetched)), []);
    replace(&cp, &note);
    assert_eq!(changes(&m.poll(&fetched)), []);
    std::fs::remove_file(&cp).unwrap();
    assert_eq!(changes(&m.poll(&fetched)), []);
    assert_eq!(changes(&m.poll(&fetched)), [ChangeKind::Rollback]);
}
