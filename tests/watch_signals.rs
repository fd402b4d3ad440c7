//! Invariant: `iss watch` keeps its verdict when it is stopped: Ctrl-C
//! (SIGINT) or SIGTERM ends it with the exit status of what it saw, 0 when
//! nothing violated was seen and 1 after a violation or an alert, never the
//! 130/143 of a process killed by the signal. A real `iss watch` process,
//! real signals; every wait has a deadline.

mod common;

use common::watch::{Watcher, next};
use rustix::process::{Pid, Signal, kill_process};
use serde_json::Value;
use std::path::Path;
use std::process::ExitStatus;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

impl Watcher {
    fn signal(&self, sig: Signal) {
        let pid = Pid::from_raw(i32::try_from(self.0.id()).unwrap()).unwrap();
        kill_process(pid, sig).unwrap();
    }

    fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(s) = self.0.try_wait().unwrap() {
                return s;
            }
            assert!(Instant::now() < deadline, "the watcher did not end");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `iss watch --json PATH` with no timeout: only a signal ends it.
fn watch(path: &Path) -> (Watcher, Receiver<Value>) {
    common::watch::watch_json(&[], path, true)
}

fn stderr_of(w: &mut Watcher) -> String {
    let mut s = String::new();
    if let Some(mut e) = w.0.stderr.take() {
        std::io::Read::read_to_string(&mut e, &mut s).unwrap();
    }
    s
}

#[test]
fn a_signal_after_nothing_violated_exits_0() {
    for sig in [Signal::INT, Signal::TERM] {
        let dir = common::generated_ledger(11);
        let (mut w, rx) = watch(dir.path());
        let ready = next(&rx);
        assert_eq!(
            (ready["event"].as_str(), ready["status"].as_str()),
            (Some("ready"), Some("clean"))
        );
        w.signal(sig);
        let status = w.wait();
        assert_eq!(status.code(), Some(0), "{sig:?}: {status:?}");
        let err = stderr_of(&mut w);
        assert!(
            err.contains("stopped by"),
            "{sig:?}: says why it ended: {err}"
        );
    }
}

#[test]
fn a_signal_after_an_alert_exits_1() {
    for sig in [Signal::INT, Signal::TERM] {
        let dir = common::generated_ledger(12);
        let (mut w, rx) = watch(dir.path());
        assert_eq!(next(&rx)["status"], "clean");
        // Rewrite a verified record: an alert, then a violated re-verification.
        let chain = dir.path().join("data/spice_layer/spice_chain.jsonl");
        common::edit_lines(&chain, |lines| {
            common::forge_process_name(&mut lines[3], "Forged_Process");
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ev = next(&rx);
            if ev["event"] == "reverified" {
                assert_eq!(ev["status"], "violated");
                break;
            }
            assert!(Instant::now() < deadline);
        }
        w.signal(sig);
        let status = w.wait();
        assert_eq!(
            status.code(),
            Some(1),
            "{sig:?}: the verdict survives the signal: {status:?}"
        );
        let err = stderr_of(&mut w);
        assert!(err.contains("violation"), "{sig:?}: {err}");
    }
}

#[test]
fn a_signal_after_a_violated_start_exits_1() {
    let dir = common::generated_ledger(13);
    let chain = dir.path().join("data/spice_layer/spice_chain.jsonl");
    common::edit_lines(&chain, |lines| {
        common::forge_process_name(&mut lines[0], "Forged_Process");
    });
    let (mut w, rx) = watch(dir.path());
    let ready = next(&rx);
    assert_eq!(ready["status"], "violated");
    w.signal(Signal::INT);
    assert_eq!(w.wait().code(), Some(1));
}
