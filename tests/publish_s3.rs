//! `iss publish PATH s3://bucket/prefix` against a real S3-compatible
//! server on loopback: `s3s-fs` (crates.io; `.ci/run` installs it), started
//! here on a free port. The published log is read back through S3 and
//! checked by cloudflare's `tlog_tiles`; a second publish writes only the
//! new and grown tiles. Skipped, saying why, when `s3s-fs` is not installed.

mod common;
mod publish;

use common::s3::{BUCKET, Server};
use object_store::ObjectStoreExt;
use object_store::aws::AmazonS3;
use publish::{Ledger, Objects, check_with_tlog_tiles, iss};
use std::cell::RefCell;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A client of the server's bucket under `prefix`.
fn client(server: &Server, prefix: &str) -> S3Objects {
    S3Objects {
        store: server.store(),
        prefix: prefix.into(),
        tiles: RefCell::default(),
        rt: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
    }
}

/// The published objects, read through S3. Tiles are immutable: each is
/// fetched once (`tlog_tiles` asks for the same ones for every entry).
struct S3Objects {
    store: AmazonS3,
    prefix: String,
    rt: tokio::runtime::Runtime,
    tiles: RefCell<HashMap<String, Option<Vec<u8>>>>,
}

impl Objects for S3Objects {
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        if key.contains("/tile/")
            && let Some(t) = self.tiles.borrow().get(key)
        {
            return t.clone();
        }
        let got = self.fetch(key);
        if key.contains("/tile/") && got.is_some() {
            self.tiles.borrow_mut().insert(key.to_owned(), got.clone());
        }
        got
    }
}

impl S3Objects {
    fn fetch(&self, key: &str) -> Option<Vec<u8>> {
        let path = object_store::path::Path::from(format!("{}/{key}", self.prefix));
        self.rt.block_on(async {
            match self.store.get(&path).await {
                Ok(r) => Some(r.bytes().await.unwrap().to_vec()),
                Err(object_store::Error::NotFound { .. }) => None,
                Err(e) => panic!("{path}: {e}"),
            }
        })
    }
}

fn publish(server: &Server, ledger: &Ledger) -> serde_json::Value {
    let mut cmd = iss();
    server
        .env(&mut cmd)
        .arg("publish")
        .arg(&ledger.dir)
        .arg(format!("s3://{BUCKET}/team-a/ledger-1"))
        .arg("--json");
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_ledger_published_to_a_real_s3_server_reads_back_and_grows_incrementally() {
    let started = Instant::now();
    let Some(server) = common::s3::start() else {
        return;
    };
    let mut ledger = Ledger::new(600, 600);
    let first = publish(&server, &ledger);
    assert_eq!(first["dest"], format!("s3://{BUCKET}/team-a/ledger-1"));
    let objects = client(&server, "team-a/ledger-1");
    for chain in ["descriptors", "pulses", "events"] {
        let lines = ledger.lines(chain);
        assert_eq!(
            check_with_tlog_tiles(&objects, chain, &lines) as usize,
            lines.len(),
            "{chain}"
        );
    }
    assert_eq!(
        objects.get("iss-ledger.json"),
        std::fs::read(ledger.dir.join("iss-ledger.json")).ok()
    );

    // 600 → 1000: tile 2 (.p/88) grows to 3 (.p/232); level 1 .p/2 → .p/3.
    ledger.append(400);
    let second = publish(&server, &ledger);
    let d = second["chains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["chain"] == "descriptors")
        .unwrap();
    assert_eq!(
        (d["previous"].as_u64(), d["size"].as_u64()),
        (Some(600), Some(1000))
    );
    assert_eq!(
        (d["tiles_written"].as_u64(), d["bundles_written"].as_u64()),
        (Some(3), Some(2)),
        "{second}"
    );
    assert_eq!(
        check_with_tlog_tiles(&objects, "descriptors", &ledger.lines("descriptors")),
        1000
    );
    // Nothing new: nothing written.
    let third = publish(&server, &ledger);
    assert!(
        third["chains"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["bytes_written"] == 0),
        "{third}"
    );
    assert!(started.elapsed() < Duration::from_secs(600));
}

#[test]
fn a_bucket_that_refuses_the_credentials_is_an_error_not_a_publish() {
    let Some(server) = common::s3::start() else {
        return;
    };
    let ledger = Ledger::new(10, 10);
    let mut cmd = iss();
    server
        .env(&mut cmd)
        .env("AWS_SECRET_ACCESS_KEY", "wrong-secret-0000000000")
        .arg("publish")
        .arg(&ledger.dir)
        .arg(format!("s3://{BUCKET}/x"));
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("s3://{BUCKET}/x")), "{err}");
    assert!(client(&server, "x").get("iss-ledger.json").is_none());
}
