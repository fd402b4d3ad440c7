//! `iss watch URL`: a monitor of a ledger published over a real static web
//! server (`python3 -m http.server` on 127.0.0.1, a free port). Growth is
//! verified record by record; a badly signed checkpoint, a rollback to an
//! older checkpoint and a fork (a validly signed checkpoint of another
//! history) are alerts, and the watch exits 1. A checkpoint read while it
//! is being written is not an alert (held until the next poll).

mod common;
mod publish;

use common::http::serve;
use common::watch::{Watcher, json_lines};
use iss_workstation::ledger::native::format::meta::Chain;
use iss_workstation::ledger::native::secret::read_signer;
use iss_workstation::ledger::native::write::NativeWriter;
use publish::{Ledger, iss, wait_for_event as wait_for};
use rustix::process::{Pid, Signal, kill_process};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn publish(ledger: &Path, site: &Path) {
    let out = iss().arg("publish").arg(ledger).arg(site).output().unwrap();
    assert!(out.status.success(), "{out:?}");
}

/// Replace a published file whole, as `iss publish` does (a new file
/// renamed over it): the monitor reads the old bytes or the new, never a
/// file half written. (A torn read is held by the monitor until its next
/// poll, `src/remote/monitor.rs`; these tests are about the verdicts.)
fn replace(path: &Path, bytes: impl AsRef<[u8]>) {
    let tmp = path.with_extension("test-tmp");
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn cp_dir(from: &Path, to: &Path) {
    let st = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", from.display()))
        .arg(to)
        .status()
        .unwrap();
    assert!(st.success());
}

#[test]
fn the_monitor_verifies_growth_and_alerts_on_a_bad_signature_a_rollback_and_a_fork() {
    let mut a = Ledger::new(600, 300);
    let site = a.tmp.path().join("site");
    publish(&a.dir, &site);
    let old_note = std::fs::read(site.join("descriptors/checkpoint")).unwrap();

    // Another history from record 600 on, signed with the same key.
    let b_dir = a.tmp.path().join("b");
    std::fs::create_dir(&b_dir).unwrap();
    cp_dir(&a.dir, &b_dir);
    {
        let mut w = NativeWriter::open(&b_dir, Some(read_signer(&a.key).unwrap()), None).unwrap();
        let bodies: Vec<String> = (0..400)
            .map(|i| format!(r#"{{"descriptor_id":"b{i:015x}","process_name":"OTHER.{i}"}}"#))
            .collect();
        w.append(Chain::Descriptors, &bodies).unwrap();
        w.checkpoint(Chain::Descriptors).unwrap();
    }
    let b_site = a.tmp.path().join("b-site");
    publish(&b_dir, &b_site);

    let Some(http) = serve(&site) else {
        return;
    };
    let url = http.url.clone();
    let (watch, rx) = watch_events(&url);
    let ready = wait_for(&rx, "ready", |v| v["event"] == "ready");
    assert_eq!(ready["status"], "clean", "{ready}");

    // Growth: every new record verified, at its line, named by the location.
    a.append(300);
    publish(&a.dir, &site);
    let last = wait_for(&rx, "record 900", |v| {
        v["event"] == "record" && v["file"] == "descriptors" && v["line"] == 900
    });
    assert_eq!(last["status"], "verified", "{last}");
    assert_eq!(
        last["path"],
        format!("{url}/descriptors/tile/entries"),
        "{last}"
    );

    // A checkpoint whose signature does not verify.
    // (A character near the end of each signature line: the signature
    // bytes, not the key id.)
    let note = std::fs::read_to_string(site.join("descriptors/checkpoint")).unwrap();
    let bad: String = note
        .lines()
        .map(|l| {
            let mut l = l.to_owned();
            if l.starts_with('—') {
                let at = l.len() - 6;
                let c = if &l[at..=at] == "A" { "B" } else { "A" };
                l.replace_range(at..=at, c);
            }
            l + "\n"
        })
        .collect();
    assert_ne!(bad, note);
    replace(&site.join("descriptors/checkpoint"), &bad);
    let alert = wait_for(&rx, "signature alert", |v| v["event"] == "alert");
    assert_eq!(alert["change"], "signature_invalid", "{alert}");
    assert_eq!(alert["path"], format!("{url}/descriptors/checkpoint"));

    // The older (validly signed) checkpoint again: a rollback.
    replace(&site.join("descriptors/checkpoint"), &old_note);
    let alert = wait_for(&rx, "rollback alert", |v| v["event"] == "alert");
    assert_eq!(alert["change"], "rollback", "{alert}");
    assert!(
        alert["found"].as_str().unwrap().starts_with("600 records"),
        "{alert}"
    );

    // Another history's hash tiles and checkpoint (1,000 records), without
    // its entry bundles: a fork, proved from the tiles alone.
    std::fs::remove_dir_all(b_site.join("descriptors/tile/entries")).unwrap();
    cp_dir(&b_site.join("descriptors"), &site.join("descriptors"));
    let alert = wait_for(&rx, "fork alert", |v| v["event"] == "alert");
    assert_eq!(alert["change"], "fork", "{alert}");
    assert!(
        alert["detail"]
            .as_str()
            .unwrap()
            .contains("consistency proof from the published hash tiles fails"),
        "{alert}"
    );
    assert!(
        alert["found"]
            .as_str()
            .unwrap()
            .ends_with("hold other records before record 901"),
        "{alert}"
    );

    // Stopped: the exit status is the verdict of what it saw.
    let mut watch = watch;
    kill_process(Pid::from_child(&watch.0), Signal::TERM).unwrap();
    let status = watch.0.wait().unwrap();
    assert_eq!(status.code(), Some(1));
}

/// Start `iss watch --json` on `arg`; its events arrive on the receiver.
fn watch_events(arg: &str) -> (Watcher, mpsc::Receiver<Value>) {
    let mut watch = iss()
        .env("ISS_NO_STATE", "1")
        .args(["watch", "--json", "--poll", "0.1", "--timeout", "120"])
        .arg(arg)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rx = json_lines(watch.stdout.take().unwrap());
    (Watcher(watch), rx)
}

#[test]
fn a_same_size_re_signed_checkpoint_is_recorded_and_dropping_it_later_is_an_alert() {
    use iss_workstation::tlog::note::{Cosigner, Signer};
    let a = Ledger::new(600, 300);
    let site = a.tmp.path().join("site");
    publish(&a.dir, &site);
    let cp_path = site.join("descriptors/checkpoint");
    let hist_path = site.join("descriptors/checkpoints");
    let old_note = std::fs::read_to_string(&cp_path).unwrap();
    let old_hist = std::fs::read(&hist_path).unwrap();
    let (watch, rx) = watch_events(site.to_str().unwrap());
    let ready = wait_for(&rx, "ready", |v| v["event"] == "ready");
    assert_eq!(ready["status"], "clean", "{ready}");

    // A witness cosigns the same tree: a new note of the same size, added
    // to the history, then made the checkpoint (as a publisher does).
    let witness = Cosigner::from_signer(&Signer::generate("witness.example").unwrap());
    let text = &old_note[..=old_note.find("\n\n").unwrap()];
    let cosigned = old_note.clone() + &witness.cosign(text, 1_700_000_000).unwrap();
    let mut hist = old_hist.clone();
    hist.extend_from_slice(
        format!("{}\n", serde_json::json!({"size": 600, "note": cosigned})).as_bytes(),
    );
    replace(&hist_path, &hist);
    replace(&cp_path, &cosigned);
    // Recorded, not an alert: many polls, and no event but records.
    std::thread::sleep(Duration::from_secs(2));
    while let Ok(v) = rx.try_recv() {
        assert_ne!(v["event"], "alert", "{v}");
    }

    // The publisher then drops the cosigned checkpoint from its history
    // and goes back to the old note: the history was rewritten.
    replace(&hist_path, &old_hist);
    replace(&cp_path, &old_note);
    let alert = wait_for(&rx, "rewritten alert", |v| v["event"] == "alert");
    assert_eq!(alert["change"], "rewritten", "{alert}");
    assert_eq!(
        alert["path"],
        format!("{}/descriptors/checkpoints", site.display()),
        "{alert}"
    );
    drop(watch);
}

/// The monitor polled by hand (`remote::monitor::Monitor`, as `iss watch`
/// and the workstation run it) on a ledger published to a directory: a
/// checkpoint read in the middle of its writing (a torn read) is not an
/// alert; one that stays unopened, or gone, is, at the next poll.
#[test]
fn a_torn_read_of_the_checkpoint_is_held_until_the_next_poll_and_a_lasting_one_is_an_alert() {
    use iss_workstation::ledger::watch::{ChangeKind, WatchEvent};
    use iss_workstation::remote::monitor::Monitor;
    let a = Ledger::new(300, 300);
    let site = a.tmp.path().join("site");
    publish(&a.dir, &site);
    let fetched = iss_workstation::remote::fetch(&site).unwrap();
    let mut m = Monitor::new(&fetched, None);
    let mut poll = || -> Vec<WatchEvent> { m.poll(&fetched) };
    let changes = |events: Vec<WatchEvent>| -> Vec<ChangeKind> {
        events
            .into_iter()
            .map(|e| match e {
                WatchEvent::Alert(a) => a.change,
                other => panic!("expected alerts only, found {other:?}"),
            })
            .collect()
    };
    assert_eq!(changes(poll()), []);
    let cp = site.join("descriptors/checkpoint");
    let note = std::fs::read(&cp).unwrap();
    let torn = &note[..note.len() / 2];

    // Read while being written (half of it, or truncated to nothing), then
    // whole: nothing to say.
    for partial in [torn, b""] {
        replace(&cp, partial);
        assert_eq!(
            changes(poll()),
            [],
            "{:?}",
            String::from_utf8_lossy(partial)
        );
        replace(&cp, &note);
        assert_eq!(changes(poll()), []);
    }

    // Not a checkpoint at two polls in a row: an alert, raised once.
    replace(&cp, torn);
    assert_eq!(changes(poll()), []);
    let alert = poll();
    let [WatchEvent::Alert(a)] = &alert[..] else {
        panic!("expected one alert, found {alert:?}");
    };
    assert_eq!(a.change, ChangeKind::SignatureInvalid, "{a:?}");
    assert!(a.found.contains("malformed note"), "{a:?}");
    assert!(a.path.ends_with("descriptors/checkpoint"), "{a:?}");
    assert_eq!(changes(poll()), []);

    // Gone at one poll, back at the next: nothing; gone at two: a rollback.
    replace(&cp, &note);
    assert_eq!(changes(poll()), []);
    std::fs::remove_file(&cp).unwrap();
    assert_eq!(changes(poll()), []);
    replace(&cp, &note);
    assert_eq!(changes(poll()), []);
    std::fs::remove_file(&cp).unwrap();
    assert_eq!(changes(poll()), []);
    assert_eq!(changes(poll()), [ChangeKind::Rollback]);
}
