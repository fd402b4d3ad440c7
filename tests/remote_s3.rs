//! Remote review on a real S3-compatible server (`s3s-fs` on 127.0.0.1, a
//! free port; `tests/common/s3.rs`): `iss verify s3://…` and `iss watch
//! s3://…` read a ledger that `iss publish` wrote there, verify it as the
//! local ledger verifies, and find a tampered tile or bundle. Skipped,
//! saying why, when `s3s-fs` is not installed.

mod common;
mod publish;

use common::s3::{BUCKET, Server};
use common::watch::{Watcher, json_lines};
use publish::{Ledger, findings, iss, report, summary, wait_for_event as wait_for, walk};
use serde_json::Value;
use std::process::Stdio;

const PREFIX: &str = "team-a/ledger-1";

fn url() -> String {
    format!("s3://{BUCKET}/{PREFIX}")
}

fn publish(server: &Server, ledger: &Ledger) {
    let mut cmd = iss();
    server
        .env(&mut cmd)
        .arg("publish")
        .arg(&ledger.dir)
        .arg(url());
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
}

/// `iss verify --json ARG` with the server's credentials: exit code and report.
fn verify(server: &Server, arg: &str) -> (i32, Value) {
    let mut cmd = iss();
    server
        .env(&mut cmd)
        .env("ISS_NO_STATE", "1")
        .args(["verify", "--json"])
        .arg(arg);
    report(&mut cmd, arg)
}

#[test]
fn verify_s3_is_clean_like_the_ledger_and_finds_a_tampered_tile_and_bundle() {
    let Some(server) = common::s3::start() else {
        return;
    };
    let l = Ledger::new(1_000, 300);
    publish(&server, &l);
    let (code, local) = verify(&server, l.dir.to_str().unwrap());
    assert_eq!(code, 0, "{local:#}");
    let (code, remote) = verify(&server, &url());
    assert_eq!(code, 0, "{remote:#}");
    assert_eq!(remote["ledger"], url());
    assert_eq!(summary(&remote), summary(&local));

    // A hash tile changed in the bucket: TILE_MISMATCH naming it.
    let key = format!("{PREFIX}/descriptors/tile/0/001");
    let good_tile = server.get(&key).unwrap();
    let mut bad = good_tile.clone();
    bad[7 * 32] ^= 1;
    server.put(&key, bad);
    let (code, report) = verify(&server, &url());
    assert_eq!(code, 1, "{report:#}");
    let f = findings(&report);
    assert_eq!(f.len(), 1, "{report:#}");
    assert_eq!(f[0].1, "TILE_MISMATCH");
    assert!(
        f[0].3["detail"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/descriptors/tile/0/001:", url())),
        "{report:#}"
    );
    assert!(f[0].3["expected"].as_str().unwrap().starts_with("hash 7: "));
    server.put(&key, good_tile);

    // An entry changed in a bundle: the record's own check fails at its
    // line, and the tiles made from the real entry disagree.
    let key = format!("{PREFIX}/descriptors/tile/entries/003.p/232");
    let mut bundle = server.get(&key).unwrap();
    let at = bundle.windows(4).position(|w| w == b"ENG.").unwrap();
    bundle[at] = b'X';
    server.put(&key, bundle);
    let (code, report) = verify(&server, &url());
    assert_eq!(code, 1, "{report:#}");
    let f = findings(&report);
    assert!(
        f.iter().any(|(p, k, line, _)| k == "HASH_MISMATCH"
            && *line == Some(769)
            && *p == format!("{}/descriptors/tile/entries", url())),
        "{report:#}"
    );
    assert!(
        f.iter().any(|(_, k, _, _)| k == "TILE_MISMATCH"),
        "{report:#}"
    );
}

#[test]
fn watch_s3_verifies_growth_and_alerts_on_a_tampered_bundle() {
    let Some(server) = common::s3::start() else {
        return;
    };
    let mut l = Ledger::new(600, 300);
    publish(&server, &l);
    let mut cmd = iss();
    server
        .env(&mut cmd)
        .env("ISS_NO_STATE", "1")
        .args(["watch", "--json", "--poll", "0.2", "--timeout", "120"])
        .arg(url())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let rx = json_lines(child.stdout.take().unwrap());
    let mut watch = Watcher(child);
    let ready = wait_for(&rx, "ready", |v| v["event"] == "ready");
    assert_eq!(ready["status"], "clean", "{ready}");

    // Growth: each new record verified at its line, named by the location.
    l.append(200);
    publish(&server, &l);
    let last = wait_for(&rx, "record 800", |v| {
        v["event"] == "record" && v["file"] == "descriptors" && v["line"] == 800
    });
    assert_eq!(last["status"], "verified", "{last}");
    assert_eq!(last["path"], format!("{}/descriptors/tile/entries", url()));

    // More growth, with one new entry changed in its bundle before the
    // checkpoint is uploaded (objects first, checkpoint last, as a
    // publisher writes): the entries no longer make the signed root.
    l.append(200);
    let stage = l.tmp.path().join("stage");
    let st = iss()
        .arg("publish")
        .arg(&l.dir)
        .arg(&stage)
        .status()
        .unwrap();
    assert!(st.success());
    let bundle = stage.join("descriptors/tile/entries/003.p/232");
    let mut bytes = std::fs::read(&bundle).unwrap();
    let at = bytes.windows(4).rposition(|w| w == b"ENG.").unwrap();
    bytes[at] = b'X';
    std::fs::write(&bundle, bytes).unwrap();
    let files = walk(&stage);
    let (checkpoints, objects): (Vec<_>, Vec<_>) =
        files.iter().partition(|p| p.ends_with("checkpoint"));
    for p in objects.into_iter().chain(checkpoints) {
        let rel = p.strip_prefix(&stage).unwrap().display().to_string();
        server.put(&format!("{PREFIX}/{rel}"), std::fs::read(p).unwrap());
    }
    let alert = wait_for(&rx, "fork alert", |v| v["event"] == "alert");
    assert_eq!(alert["change"], "fork", "{alert}");
    assert_eq!(alert["path"], format!("{}/descriptors/checkpoint", url()));

    rustix::process::kill_process(
        rustix::process::Pid::from_child(&watch.0),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    let status = watch.0.wait().unwrap();
    assert_eq!(status.code(), Some(1));
}
