//! A real `iss watch --json` process for the watch tests: killed however
//! the test ends, its events read one JSON object a line, each with a
//! timeout (a broken watcher fails a test, never hangs it).

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

/// Kills the watcher however the test ends.
pub struct Watcher(pub Child);

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `iss watch --json ARGS PATH`, its events sent to the receiver as they
/// are printed; its standard error piped when `pipe_stderr`.
pub fn watch_json(args: &[&str], path: &Path, pipe_stderr: bool) -> (Watcher, Receiver<Value>) {
    let mut cmd = super::iss_process();
    cmd.args(["watch", "--json"])
        .args(args)
        .arg(path)
        .stdout(Stdio::piped());
    if pipe_stderr {
        cmd.stderr(Stdio::piped());
    }
    let mut child = cmd.spawn().unwrap();
    let rx = json_lines(child.stdout.take().unwrap());
    (Watcher(child), rx)
}

/// The JSON objects `out` prints, one a line, on a receiver (read by a
/// thread of their own until `out` ends or the receiver is dropped).
pub fn json_lines(out: ChildStdout) -> Receiver<Value> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let v: Value = serde_json::from_str(&line).expect("each line is one JSON object");
            if tx.send(v).is_err() {
                return;
            }
        }
    });
    rx
}

/// The next event, within 20 s.
pub fn next(rx: &Receiver<Value>) -> Value {
    rx.recv_timeout(Duration::from_secs(20))
        .expect("an event within 20 s")
}
