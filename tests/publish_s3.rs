//! `iss publish PATH s3://bucket/prefix` against a real S3-compatible
//! server on loopback: `s3s-fs` (crates.io; `.ci/run` installs it), started
//! here on a free port. The published log is read back through S3 and
//! checked by cloudflare's `tlog_tiles`; a second publish writes only the
//! new and grown tiles. Skipped, saying why, when `s3s-fs` is not installed.

mod publish;

use object_store::ObjectStoreExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use publish::{Ledger, Objects, check_with_tlog_tiles, iss};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ACCESS: &str = "iss-test-access";
const SECRET: &str = "iss-test-secret-0123456789";
const BUCKET: &str = "ledgers";

/// `s3s-fs`: `$ISS_S3S_FS`, else on `PATH`, else in `~/.cargo/bin`.
fn server_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ISS_S3S_FS") {
        return Some(PathBuf::from(p));
    }
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join("s3s-fs"))
        .find(|p| p.is_file())
}

/// A running `s3s-fs` on 127.0.0.1, killed on drop.
struct Server {
    child: Child,
    endpoint: String,
    _root: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(bin: &PathBuf) -> Server {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(BUCKET)).unwrap(); // s3s-fs: a bucket is a folder
        // Port 0: the OS picks a free port, the server logs which.
        let mut child = Command::new(bin)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--access-key",
                ACCESS,
                "--secret-key",
                SECRET,
            ])
            .arg(root.path())
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3s-fs starts");
        let out = BufReader::new(child.stdout.take().unwrap());
        let mut endpoint = None;
        for line in out.lines() {
            let line = line.unwrap();
            if let Some(i) = line.find("http://127.0.0.1:") {
                let url: String = line[i..]
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .collect();
                endpoint = Some(url);
                break;
            }
        }
        let endpoint = endpoint.expect("s3s-fs says where it listens");
        Server {
            child,
            endpoint,
            _root: root,
        }
    }

    fn env<'a>(&'a self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env("AWS_ACCESS_KEY_ID", ACCESS)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ALLOW_HTTP", "true")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
    }

    fn client(&self, prefix: &str) -> S3Objects {
        let store = AmazonS3Builder::new()
            .with_bucket_name(BUCKET)
            .with_access_key_id(ACCESS)
            .with_secret_access_key(SECRET)
            .with_region("us-east-1")
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .build()
            .unwrap();
        S3Objects {
            store,
            prefix: prefix.into(),
            tiles: RefCell::default(),
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        }
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
    let Some(bin) = server_binary() else {
        eprintln!(
            "skipped: s3s-fs is not installed (cargo install --locked s3s-fs@0.14.1 --features binary; or set ISS_S3S_FS)"
        );
        return;
    };
    let started = Instant::now();
    let server = Server::start(&bin);
    let mut ledger = Ledger::new(600, 600);
    let first = publish(&server, &ledger);
    assert_eq!(first["dest"], format!("s3://{BUCKET}/team-a/ledger-1"));
    let objects = server.client("team-a/ledger-1");
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
    let Some(bin) = server_binary() else {
        eprintln!("skipped: s3s-fs is not installed");
        return;
    };
    let server = Server::start(&bin);
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
    assert!(server.client("x").get("iss-ledger.json").is_none());
}
