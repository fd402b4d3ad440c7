//! `docs/FORMAT.md` is enough to verify a native ledger: a verifier written
//! from the document alone (`tests/independent/verify_native.py`, pure
//! Python, standard library) agrees with `iss verify` on clean and tampered
//! ledgers: the status, the exit code, the exact multiset of (file, kind,
//! line) findings, and per chain the tree size, Merkle root, newest signed
//! size, unsigned records and MAC counts.
//!
//! The ledgers are made with the `iss` binary only (init, append, checkpoint,
//! key rotate, repair), and tampered with as an attacker would: by editing
//! the files. Besides agreeing, each case asserts what the document says it
//! must find, so two verifiers wrong in the same way would still fail.

#[path = "../common/mod.rs"]
mod common;

use common::{edit_lines, forge, read_lines, write_lines};
use iss_workstation::ledger::native::keyring::Rotation;
use iss_workstation::ledger::native::secret::read_signer;
use iss_workstation::tlog::note::Signer;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const ORIGIN: &str = "iss.test/indep";

/// Whether `python3` can run; prints why the test is skipped when not.
fn python_available() -> bool {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: python3 is not on PATH (the independent verifier is a Python script)");
    }
    ok
}

/// A native ledger made by `iss`, with its keys beside it.
struct Ledger {
    tmp: tempfile::TempDir,
    dir: PathBuf,
    key: PathBuf,
    mac: Option<PathBuf>,
}

impl Ledger {
    /// `iss init`, then descriptors appended in batches of 2, 1 and 1: the
    /// descriptors history holds checkpoints of sizes 0, 2, 3 and 4.
    fn new(keyed: bool) -> Ledger {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ledger");
        let key = tmp.path().join("ledger.key");
        let mac = keyed.then(|| tmp.path().join("ledger.mac"));
        let mut args = vec![
            "init".to_owned(),
            path_arg(&dir),
            "--origin".into(),
            ORIGIN.into(),
            "--key".into(),
            path_arg(&key),
        ];
        if let Some(m) = &mac {
            args.extend(["--mac-key".into(), path_arg(m)]);
        }
        iss(&args, None, 0);
        let led = Ledger { tmp, dir, key, mac };
        led.append(&[0, 1]);
        led.append(&[2]);
        led.append(&[3]);
        led
    }

    /// `iss append descriptor --batch` of one descriptor per number.
    fn append(&self, numbers: &[u64]) {
        let mut input = String::new();
        for n in numbers {
            input.push_str(&descriptor(*n).to_string());
            input.push('\n');
        }
        let mut args = vec![
            "append".to_owned(),
            "descriptor".into(),
            path_arg(&self.dir),
            "--batch".into(),
        ];
        args.extend(self.key_args());
        iss(&args, Some(&input), 0);
    }

    /// `--key K [--mac-key M]`.
    fn key_args(&self) -> Vec<String> {
        let mut v = vec!["--key".to_owned(), path_arg(&self.key)];
        if let Some(m) = &self.mac {
            v.extend(["--mac-key".into(), path_arg(m)]);
        }
        v
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

fn path_arg(p: &Path) -> String {
    p.to_str().expect("UTF-8 temporary path").to_owned()
}

fn descriptor(n: u64) -> Value {
    serde_json::json!({
        "process_name": format!("ENG.{}", n % 3),
        "process_version": "1.0",
        "capability_level": n % 6,
        "process_outcome": "compliant",
        "compliance_score": 0.75,
        "assessed_by": "alice",
        "assessment_method": "interview",
        "evidence_required": ["plan"],
        "evidence_provided": ["plan"],
    })
}

/// Run `iss ARGS` (with `stdin`), expect exit `code`, return stdout.
fn iss(args: &[String], stdin: Option<&str>, code: i32) -> String {
    // `iss init` and `iss append` record the time: a fixed clock's.
    let mut cmd = common::iss_cmd();
    cmd.args(args);
    if let Some(s) = stdin {
        cmd.write_stdin(s.to_owned());
    }
    let out = cmd.assert().code(code).get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

/// What both verifiers must agree on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Verdict {
    exit: i32,
    status: String,
    /// (file, kind, line), sorted: a multiset.
    findings: Vec<Spot>,
    /// Per chain, the facts of [`CHAIN_FACTS`] by name.
    chains: BTreeMap<String, BTreeMap<&'static str, Value>>,
}

type Spot = (String, String, Option<u64>);

impl Verdict {
    fn has(&self, file: &str, kind: &str, line: Option<u64>) -> bool {
        self.findings.contains(&spot(file, kind, line))
    }
    fn kinds(&self) -> Vec<&str> {
        self.findings.iter().map(|f| f.1.as_str()).collect()
    }
    fn fact(&self, chain: &str, name: &str) -> &Value {
        &self.chains[chain][name]
    }
}

fn spot(file: &str, kind: &str, line: Option<u64>) -> Spot {
    (file.to_owned(), kind.to_owned(), line)
}

/// The per-chain facts compared (section 11 of FORMAT.md).
const CHAIN_FACTS: [&str; 7] = [
    "tree_size",
    "merkle_root",
    "checkpoints_verified",
    "signed_size",
    "unsigned_records",
    "macs_checked",
    "macs_unchecked",
];

fn facts(v: &Value) -> BTreeMap<&'static str, Value> {
    CHAIN_FACTS.iter().map(|k| (*k, v[*k].clone())).collect()
}

fn run(cmd: &mut Command) -> (i32, Value, String) {
    let out = cmd.output().expect("the verifier runs");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().expect("exit code"), doc, stdout)
}

/// `iss verify --json`, reduced to a verdict, and the findings and chain
/// facts as `iss` printed them (for failure messages).
fn iss_verdict(dir: &Path, mac: Option<&Path>) -> (Verdict, String) {
    let mut cmd = common::iss_process();
    cmd.args(["verify", "--json"]).arg(dir);
    if let Some(m) = mac {
        cmd.arg("--mac-key").arg(m);
    }
    let (exit, doc, _) = run(&mut cmd);
    let mut findings = Vec::new();
    let mut chains = BTreeMap::new();
    let mut shown = Vec::new();
    for file in doc["files"].as_array().expect("files") {
        let name = file["name"].as_str().unwrap().to_owned();
        for f in file["findings"].as_array().unwrap() {
            findings.push(spot(&name, f["kind"].as_str().unwrap(), f["line"].as_u64()));
            shown.push(serde_json::json!({"file": name, "finding": f}));
        }
        if file.get("native").is_some() {
            chains.insert(name.clone(), facts(&file["native"]));
            shown.push(serde_json::json!({"chain": name, "native": file["native"]}));
        }
    }
    findings.sort();
    let verdict = Verdict {
        exit,
        status: doc["status"].as_str().unwrap().to_owned(),
        findings,
        chains,
    };
    (verdict, serde_json::to_string(&shown).unwrap())
}

/// The independent verifier, reduced to a verdict, and its whole output.
fn python_verdict(dir: &Path, mac: Option<&Path>) -> (Verdict, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/independent/verify_native.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script).arg(dir);
    if let Some(m) = mac {
        cmd.arg("--mac-key").arg(m);
    }
    let (exit, doc, raw) = run(&mut cmd);
    let mut findings: Vec<Spot> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            spot(
                f["file"].as_str().unwrap(),
                f["kind"].as_str().unwrap(),
                f["line"].as_u64(),
            )
        })
        .collect();
    findings.sort();
    let chains = doc["chains"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), facts(v)))
        .collect();
    let verdict = Verdict {
        exit,
        status: doc["status"].as_str().unwrap().to_owned(),
        findings,
        chains,
    };
    (verdict, raw)
}

/// Both verifiers on `led` (with the MAC key when `with_mac`); they must
/// agree. Returns the common verdict.
fn agree(led: &Ledger, with_mac: bool) -> Verdict {
    compare(led, with_mac)
}

fn compare(led: &Ledger, with_mac: bool) -> Verdict {
    let mac = if with_mac { led.mac.as_deref() } else { None };
    let (ours, ours_raw) = iss_verdict(&led.dir, mac);
    let (theirs, theirs_raw) = python_verdict(&led.dir, mac);
    assert_eq!(
        ours, theirs,
        "iss verify (left) and the independent verifier (right) disagree\n\
         iss verify --json: {ours_raw}\nverify_native.py: {theirs_raw}"
    );
    ours
}

fn violated(v: &Verdict) {
    assert_eq!((v.status.as_str(), v.exit), ("violated", 1), "{v:?}");
}

fn clean(v: &Verdict) {
    assert_eq!((v.status.as_str(), v.exit), ("clean", 0), "{v:?}");
}

mod lifecycle;
mod records;
mod rotation;
