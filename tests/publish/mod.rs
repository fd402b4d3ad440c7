//! Shared by the `iss publish` tests: native ledgers made through the
//! library's writer, and the independent read-back of a published log by
//! cloudflare's `tlog_tiles` crate (code that is not ours).

#![allow(dead_code)] // each test binary uses its part

use iss_workstation::ledger::native::format::meta::Chain;
use iss_workstation::ledger::native::secret::read_signer;
use iss_workstation::ledger::native::write::NativeWriter;
use iss_workstation::ledger::native::write::init::{InitOptions, init};
use serde_json::Value;
use std::path::{Path, PathBuf};
use tlog_tiles::{
    Checkpoint, Hash, HashReader, Tile, TileHashReader, TileReader, check_record, prove_record,
    record_hash, stored_hash_index, tree_hash,
};

/// The origin of the test ledgers.
pub const ORIGIN: &str = "iss.test/publish";

/// A native ledger in a temporary folder, its signing key beside it.
pub struct Ledger {
    pub tmp: tempfile::TempDir,
    pub dir: PathBuf,
    pub key: PathBuf,
    next: u64,
}

impl Ledger {
    /// `iss init`, then `n` descriptors in batches of `batch`, each batch checkpointed.
    pub fn new(n: u64, batch: u64) -> Ledger {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ledger");
        let key = tmp.path().join("ledger.key");
        init(
            &dir,
            &InitOptions {
                origin: ORIGIN.into(),
                key_path: key.clone(),
                mac_key_path: None,
                created: "2026-12-06T00:00:00.000000Z".into(),
                genesis_extra: None,
            },
        )
        .unwrap();
        let mut l = Ledger {
            tmp,
            dir,
            key,
            next: 0,
        };
        let mut left = n;
        while left > 0 {
            let b = left.min(batch);
            l.append(b);
            left -= b;
        }
        l
    }

    /// `iss publish` it to `dest` (a directory); asserts it succeeded.
    pub fn publish_to(&self, dest: &Path) {
        let st = iss()
            .arg("publish")
            .arg(&self.dir)
            .arg(dest)
            .status()
            .unwrap();
        assert!(st.success(), "iss publish {}", dest.display());
    }

    /// Append `n` descriptors and checkpoint every chain.
    pub fn append(&mut self, n: u64) {
        let signer = read_signer(&self.key).unwrap();
        let mut w = NativeWriter::open(&self.dir, Some(signer), None).unwrap();
        let bodies: Vec<String> = (self.next..self.next + n)
            .map(|i| {
                format!(
                    r#"{{"descriptor_id":"{i:016x}","process_name":"ENG.{i}","pad":"{}"}}"#,
                    "x".repeat((i % 97) as usize)
                )
            })
            .collect();
        self.next += n;
        for chunk in bodies.chunks(5_000) {
            w.append(Chain::Descriptors, chunk).unwrap();
        }
        w.checkpoint(Chain::Descriptors).unwrap();
    }

    /// Append one descriptor whose body is `body`, and checkpoint.
    pub fn append_body(&mut self, body: &str) {
        let signer = read_signer(&self.key).unwrap();
        let mut w = NativeWriter::open(&self.dir, Some(signer), None).unwrap();
        w.append(Chain::Descriptors, &[body.to_owned()]).unwrap();
        w.checkpoint(Chain::Descriptors).unwrap();
    }

    /// The exact lines of a chain file.
    pub fn lines(&self, chain: &str) -> Vec<Vec<u8>> {
        let bytes = std::fs::read(self.dir.join(format!("{chain}.jsonl"))).unwrap();
        bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect()
    }
}

/// The `iss` binary, with no fault plan or key from the environment.
pub fn iss() -> std::process::Command {
    let mut c = crate::common::iss_process();
    c.env_remove("ISS_FAULT_PLAN")
        .env_remove("ISS_SIGNING_KEY")
        .env_remove("ISS_MAC_KEY");
    c
}

/// Reads a published log's objects by key (`<chain>/checkpoint`,
/// `<chain>/tile/...`).
pub trait Objects {
    /// The bytes under `key`, `None` when absent.
    fn get(&self, key: &str) -> Option<Vec<u8>>;
}

impl Objects for PathBuf {
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        std::fs::read(self.join(key)).ok()
    }
}

/// `tlog_tiles`' reader over a published chain. The crate implements the
/// Go sumdb tile paths (`tile/<H>/<L>/<N>`), the C2SP ones drop the height
/// (`tile/<L>/<N>`): the only thing this adapter translates.
struct Reader<'a> {
    objects: &'a dyn Objects,
    chain: String,
}

impl TileReader for Reader<'_> {
    fn height(&self) -> u8 {
        8
    }

    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        tiles
            .iter()
            .map(|t| {
                let path = t.path();
                let c2sp = path.strip_prefix("tile/8/").expect("height 8");
                self.objects
                    .get(&format!("{}/tile/{c2sp}", self.chain))
                    .ok_or_else(|| tlog_tiles::Error::InvalidInput(format!("{} missing", t.path())))
            })
            .collect()
    }

    fn save_tiles(&self, _tiles: &[Tile], _data: &[Vec<u8>]) {}
}

/// The entries of a tlog-tiles entry bundle (big-endian `uint16` length
/// prefixes), decoded here from the spec, not with our code.
fn bundle_entries(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let len = usize::from(u16::from_be_bytes([bytes[at], bytes[at + 1]]));
        out.push(bytes[at + 2..at + 2 + len].to_vec());
        at += 2 + len;
    }
    out
}

/// The C2SP path element encoding of a bundle index, written from the spec.
fn spec_index(n: u64) -> String {
    let mut s = format!("{:03}", n % 1000);
    let mut n = n / 1000;
    while n > 0 {
        s = format!("x{:03}/{s}", n % 1000);
        n /= 1000;
    }
    s
}

/// Check one published chain with `tlog_tiles`: the checkpoint parses and
/// has the chain's origin, the tiles recompute its root, every entry of
/// every bundle is the exact line of the ledger at its index, its hash is
/// the authenticated leaf hash, and an inclusion proof built from the
/// tiles checks. Returns the checkpoint's size.
pub fn check_with_tlog_tiles(objects: &dyn Objects, chain: &str, lines: &[Vec<u8>]) -> u64 {
    let note = objects
        .get(&format!("{chain}/checkpoint"))
        .expect("a checkpoint");
    let note = String::from_utf8(note).unwrap();
    let body = &note[..=note.rfind("\n\n").expect("a signed note")];
    let cp = Checkpoint::from_bytes(body.as_bytes()).expect("tlog_tiles parses the checkpoint");
    assert_eq!(cp.origin(), format!("{ORIGIN}/{chain}"));
    let size = cp.size();
    assert!(size as usize <= lines.len());
    let reader = Reader {
        objects,
        chain: chain.to_owned(),
    };
    let hashes = TileHashReader::new(size, *cp.hash(), &reader);
    assert_eq!(
        tree_hash(size, &hashes).expect("root from tiles"),
        *cp.hash(),
        "{chain}: root"
    );
    let mut n = 0u64;
    for bundle in 0..size.div_ceil(256) {
        let width = (size - bundle * 256).min(256);
        let key = if width == 256 {
            format!("{chain}/tile/entries/{}", spec_index(bundle))
        } else {
            format!("{chain}/tile/entries/{}.p/{width}", spec_index(bundle))
        };
        let entries = bundle_entries(&objects.get(&key).unwrap_or_else(|| panic!("{key} missing")));
        assert_eq!(entries.len() as u64, width, "{key}");
        for e in entries {
            assert_eq!(e, lines[n as usize], "{chain}: entry {n} is the exact line");
            let leaf = record_hash(&e);
            let stored = hashes
                .read_hashes(&[stored_hash_index(0, n)])
                .expect("leaf hash from tiles");
            assert_eq!(stored[0], leaf, "{chain}: leaf {n}");
            // Proofs for a spread of entries (every one would be slow).
            if n.is_multiple_of(97) || n + 1 == size {
                let proof = prove_record(size, n, &hashes).expect("proof from tiles");
                check_record(&proof, size, *cp.hash(), n, leaf).expect("inclusion checks");
            }
            n += 1;
        }
    }
    assert_eq!(n, size);
    // A wrong leaf is refused: the check can fail.
    if size > 0 {
        let wrong: Hash = record_hash(b"not an entry");
        let proof = prove_record(size, 0, &hashes).unwrap();
        assert!(check_record(&proof, size, *cp.hash(), 0, wrong).is_err());
    }
    size
}

/// Every hash tile path under `dir/<chain>/tile/` parses with `tlog_tiles`
/// (after adding the sumdb height) to a tile whose width matches the file.
pub fn check_tile_paths(dir: &Path, chain: &str) -> usize {
    let root = dir.join(chain);
    let mut count = 0;
    for entry in walk(&root.join("tile")) {
        let rel = entry
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if rel.starts_with("tile/entries/") {
            continue;
        }
        let sumdb = rel.replacen("tile/", "tile/8/", 1);
        let tile = Tile::from_path(&sumdb).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let len = std::fs::metadata(&entry).unwrap().len();
        assert_eq!(len, u64::from(tile.width()) * 32, "{rel}");
        count += 1;
    }
    count
}

/// Every file under `dir`, recursively.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Every finding of an `iss verify --json` report as (file path, kind,
/// line, the finding).
pub fn findings(
    report: &serde_json::Value,
) -> Vec<(String, String, Option<u64>, serde_json::Value)> {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            f["findings"].as_array().unwrap().iter().map(move |x| {
                (
                    f["path"].as_str().unwrap().to_owned(),
                    x["kind"].as_str().unwrap().to_owned(),
                    x["line"].as_u64(),
                    x.clone(),
                )
            })
        })
        .collect()
}

/// The first `iss watch --json` event `pred` accepts (panics after 60 s,
/// naming `what`); the other events but records are printed on the way.
pub fn wait_for_event(
    rx: &std::sync::mpsc::Receiver<serde_json::Value>,
    what: &str,
    pred: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    loop {
        match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(v) if pred(&v) => return v,
            Ok(v) if v["event"] != "record" => eprintln!("event: {v}"),
            Ok(_) => {}
            Err(e) => panic!("waiting for {what}: {e}"),
        }
    }
}

/// Each file of a `verify --json` report as (name, records, tree size,
/// Merkle root): what a published copy's verification must share with
/// the ledger's.
pub fn summary(r: &Value) -> Vec<(Value, Value, Value, Value)> {
    r["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].clone(),
                f["records"].clone(),
                f["native"]["tree_size"].clone(),
                f["native"]["merkle_root"].clone(),
            )
        })
        .collect()
}

/// The size of `dest`'s published checkpoint of `chain`, if any.
pub fn published_size(dest: &Path, chain: &str) -> Option<u64> {
    let note = std::fs::read_to_string(dest.join(chain).join("checkpoint")).ok()?;
    note.lines().nth(1)?.parse().ok()
}

/// Wait until `cond` holds, for at most `limit` (a generous deadline for a
/// loaded machine, not a timing assertion).
pub fn wait_until(limit: std::time::Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    cond()
}

/// `iss publish LEDGER DEST` killed right after a tile of descriptors is
/// renamed into place, half way through: the write steps are numbered
/// first by the same publish to `scratch` (it must succeed and rename more
/// than `min_renames` tiles of descriptors). The killed run's output.
pub fn publish_killed_half_way(
    ledger: &Ledger,
    dest: &Path,
    scratch: &Path,
    min_renames: usize,
) -> std::process::Output {
    let trace = ledger.tmp.path().join("steps");
    let out = iss()
        .arg("publish")
        .arg(&ledger.dir)
        .arg(scratch)
        .env("ISS_FAULT_PLAN", format!("trace={}", trace.display()))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let steps = std::fs::read_to_string(&trace).unwrap();
    let renames: Vec<&str> = steps
        .lines()
        .filter(|l| l.contains("rename") && l.contains("descriptors/tile/"))
        .collect();
    assert!(renames.len() > min_renames, "{steps}");
    let step: u64 = renames[renames.len() / 2]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    iss()
        .arg("publish")
        .arg(&ledger.dir)
        .arg(dest)
        .env("ISS_FAULT_PLAN", format!("{step}:kill-after"))
        .output()
        .unwrap()
}

/// Run `cmd` (an `iss verify --json` of `arg`): its exit code and report;
/// fails naming `arg` and showing standard error when stdout is no report.
pub fn report(cmd: &mut std::process::Command, arg: &str) -> (i32, Value) {
    let out = cmd.output().unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{arg}: not a JSON report ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), report)
}
