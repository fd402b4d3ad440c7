//! Invariant: `iss watch --json` prints one JSON object per line as things
//! happen: `ready` after the first verification, a verified `record` for each
//! line an append adds, and an `alert` (then a re-verification) when a file
//! is cut. Every read has a timeout: a broken watcher fails, never hangs.

mod common;

use common::watch::{Watcher, next};
use serde_json::Value;
use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::Duration;

fn watch(path: &Path) -> (Watcher, Receiver<Value>) {
    common::watch::watch_json(&["--timeout", "60"], path, false)
}

fn append(path: &Path, name: &str) {
    common::append_descriptor_cli(path, name, &[]);
}

#[test]
fn appends_are_printed_verified_and_a_truncation_as_an_alert() {
    let dir = common::generated_ledger(5);
    let (_w, rx) = watch(dir.path());
    let ready = next(&rx);
    assert_eq!(
        (ready["event"].as_str(), ready["status"].as_str()),
        (Some("ready"), Some("clean"))
    );

    append(dir.path(), "WatchedOnce");
    let rec = next(&rx);
    assert_eq!(rec["event"], "record");
    assert_eq!(rec["file"], "spice_chain");
    assert_eq!(rec["line"], 41);
    assert_eq!(rec["status"], "verified");
    let m = next(&rx);
    assert_eq!(
        (m["file"].as_str(), m["status"].as_str()),
        (Some("integrity_manifest"), Some("verified"))
    );
    assert_eq!(
        m["record_id"], rec["record_id"],
        "the manifest line attests that record"
    );

    let chain = dir.path().join("data/spice_layer/spice_chain.jsonl");
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&chain)
        .unwrap();
    f.set_len(f.metadata().unwrap().len() / 2).unwrap();
    let alert = next(&rx);
    assert_eq!(alert["event"], "alert");
    assert_eq!(alert["change"], "truncated");
    assert!(
        alert["path"]
            .as_str()
            .unwrap()
            .ends_with("spice_chain.jsonl")
    );
    assert_eq!(next(&rx)["event"], "reverifying");
    let re = next(&rx);
    assert_eq!(
        (re["event"].as_str(), re["status"].as_str()),
        (Some("reverified"), Some("violated"))
    );
    assert!(
        re["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["finding"]["kind"] == "TRUNCATED"),
        "{re}"
    );
}

#[test]
fn max_events_ends_the_watch_with_the_ledger_verdict() {
    let dir = common::generated_ledger(6);
    let out = common::iss_process()
        .args(["watch", "--max-events", "1"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(
        text.starts_with("watching ") && text.contains("✔ CLEAN"),
        "{text}"
    );
    let none = common::iss_process()
        .args(["watch", "/nonexistent/ledger", "--timeout", "5"])
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(2), "a path that holds no ledger");
}

#[test]
fn a_keyed_ledger_is_watched_with_its_mac_key_and_says_what_was_checked() {
    let n = common::new_native("iss.test/watch-keyed", true);
    let mac = n.mac.clone().unwrap();
    common::append_descriptor_cli(&n.dir, "Keyed", &["--mac-key".as_ref(), mac.as_os_str()]);
    let ready = |key: Option<&Path>| -> Value {
        let mut c = common::iss_process();
        c.args(["watch", "--json", "--max-events", "1"]).arg(&n.dir);
        if let Some(k) = key {
            c.arg("--mac-key").arg(k);
        }
        let out = c.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let macs = |v: &Value| {
        let f = v["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "descriptors")
            .unwrap()
            .clone();
        (f["macs_checked"].as_u64(), f["macs_unchecked"].as_u64())
    };
    assert_eq!(macs(&ready(Some(&mac))), (Some(1), Some(0)));
    assert_eq!(macs(&ready(None)), (Some(0), Some(1)), "said, not hidden");
}

#[test]
fn a_native_append_is_printed_record_by_record_then_its_checkpoint() {
    let n = common::new_native("iss.test/watch-native", false);
    let (_w, rx) = watch(&n.dir);
    let ready = next(&rx);
    assert_eq!(ready["event"], "ready", "{ready}");
    assert_eq!(ready["status"], "clean", "{ready}");
    // Signed with the key beside the ledger: the record, then its checkpoint.
    append(&n.dir, "Native");
    let rec = next(&rx);
    assert_eq!(
        (&rec["event"], &rec["file"], &rec["line"], &rec["status"]),
        (
            &Value::from("record"),
            &Value::from("descriptors"),
            &Value::from(1),
            &Value::from("verified")
        ),
        "{rec}"
    );
    assert_eq!(rec["record_id"], "0", "{rec}");
    assert!(
        rec["note"].as_str().unwrap().contains("not signed yet"),
        "{rec}"
    );
    let cp = next(&rx);
    assert_eq!(
        (&cp["event"], &cp["file"], &cp["status"]),
        (
            &Value::from("record"),
            &Value::from("descriptors_checkpoints"),
            &Value::from("verified")
        ),
        "{cp}"
    );
    assert_eq!(cp["native"]["chain"], "descriptors", "{cp}");
    assert_eq!(cp["native"]["signed_size"], 1, "{cp}");
    assert_eq!(cp["native"]["unsigned_records"], 0, "{cp}");
    // Nothing more: no full re-verification for an append.
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "no further event"
    );
}
