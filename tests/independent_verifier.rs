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
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("iss"));
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

/// FORMAT.md section 7: "Each check runs on every entry" — the root check
/// runs on an entry whose signature failed too. `iss` skips it.

#[test]
fn a_clean_ledger() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(false);
    let v = agree(&led, false);
    clean(&v);
    assert!(v.findings.is_empty(), "{v:?}");
    assert_eq!(v.fact("descriptors", "tree_size"), 4);
    assert_eq!(v.fact("descriptors", "signed_size"), 4);
    assert_eq!(v.fact("descriptors", "checkpoints_verified"), 4);
    assert_eq!(v.fact("descriptors", "unsigned_records"), 0);
    assert_eq!(v.fact("events", "tree_size"), 1);
    assert_eq!(v.fact("pulses", "tree_size"), 0);
    assert_eq!(
        v.fact("pulses", "merkle_root"),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "the empty tree's root is SHA-256 of nothing"
    );
}

#[test]
fn a_keyed_ledger_with_and_without_its_key() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(true);
    let blind = agree(&led, false);
    clean(&blind);
    assert_eq!(blind.fact("descriptors", "macs_checked"), 0);
    assert_eq!(blind.fact("descriptors", "macs_unchecked"), 4);
    let keyed = agree(&led, true);
    clean(&keyed);
    assert_eq!(keyed.fact("descriptors", "macs_checked"), 4);
    assert_eq!(keyed.fact("descriptors", "macs_unchecked"), 0);
    assert_eq!(keyed.fact("events", "macs_checked"), 1);
}

#[test]
fn a_body_byte_edited() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(false);
    edit_lines(&led.file("descriptors.jsonl"), |l| {
        l[1] = l[1].replacen("\"alice\"", "\"alicf\"", 1);
    });
    let v = agree(&led, false);
    violated(&v);
    assert!(v.has("descriptors", "HASH_MISMATCH", Some(2)), "{v:?}");
    assert!(
        v.has("descriptors_checkpoints", "CHECKPOINT_MISMATCH", Some(2)),
        "{v:?}"
    );
}

#[test]
fn a_record_deleted() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(false);
    edit_lines(&led.file("descriptors.jsonl"), |l| {
        l.remove(1);
    });
    let v = agree(&led, false);
    violated(&v);
    assert!(v.has("descriptors", "CHAIN_BREAK", Some(2)), "{v:?}");
    assert!(v.has("descriptors", "TRUNCATED", None), "{v:?}");
}

#[test]
fn two_records_swapped() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(false);
    edit_lines(&led.file("descriptors.jsonl"), |l| l.swap(1, 2));
    let v = agree(&led, false);
    violated(&v);
    assert!(v.has("descriptors", "CHAIN_BREAK", Some(2)), "{v:?}");
    assert!(v.kinds().contains(&"CHECKPOINT_MISMATCH"), "{v:?}");
}

#[test]
fn the_chain_truncated_below_a_checkpoint() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(false);
    edit_lines(&led.file("descriptors.jsonl"), |l| l.truncate(2));
    let v = agree(&led, false);
    violated(&v);
    assert_eq!(
        v.findings,
        vec![spot("descriptors", "TRUNCATED", None)],
        "the entries of sizes 0 and 2 still verify"
    );
    assert_eq!(v.fact("descriptors", "tree_size"), 2);
    assert_eq!(v.fact("descriptors", "signed_size"), 2);
}

#[test]
fn the_metadata_edited() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(false);
    let meta = led.file("iss-ledger.json");
    let text = fs::read_to_string(&meta).unwrap();
    assert!(text.contains("\"created\":\"20"), "{text}");
    fs::write(&meta, text.replace("\"created\":\"20", "\"created\":\"19")).unwrap();
    let v = agree(&led, false);
    violated(&v);
    assert_eq!(
        v.findings,
        vec![spot("events", "METADATA_MISMATCH", Some(1))]
    );
}

#[test]
fn the_metadata_made_invalid() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(false);
    let meta = led.file("iss-ledger.json");
    let text = fs::read_to_string(&meta).unwrap();
    fs::write(&meta, text.replace("\"chains\"", "\"extra\":1,\"chains\"")).unwrap();
    let v = agree(&led, false);
    violated(&v);
    assert!(v.has("native_metadata", "METADATA_MISMATCH", None), "{v:?}");
}

#[test]
fn a_forged_checkpoint_signed_by_another_key() {
    if !python_available() {
        return;
    }
    // The thief's ledger: same origin, same number of records, its own key.
    // Its newest descriptors checkpoint is appended to our history and
    // written as our latest checkpoint, as a careful forger would.
    let led = Ledger::new(false);
    let thief = Ledger::new(false);
    let forged = read_lines(&thief.file("descriptors.jsonl.checkpoints"))
        .pop()
        .unwrap();
    let hist = led.file("descriptors.jsonl.checkpoints");
    let mut lines = read_lines(&hist);
    lines.push(forged.clone());
    write_lines(&hist, &lines);
    let note: Value = serde_json::from_str(&forged).unwrap();
    fs::write(
        led.file("descriptors.jsonl.checkpoint"),
        note["note"].as_str().unwrap(),
    )
    .unwrap();
    let v = agree(&led, false);
    violated(&v);
    assert!(
        v.has("descriptors_checkpoints", "SIGNATURE_INVALID", Some(5)),
        "{v:?}"
    );
    assert_eq!(v.fact("descriptors", "checkpoints_verified"), 4);
}

#[test]
fn a_signed_note_edited() {
    if !python_available() {
        return;
    }
    // The root of history line 3 changed (one bit): the signature no longer
    // verifies, and the root is not the chain's.
    let led = Ledger::new(false);
    edit_lines(&led.file("descriptors.jsonl.checkpoints"), |l| {
        let mut entry: Value = serde_json::from_str(&l[2]).unwrap();
        let note = entry["note"].as_str().unwrap().to_owned();
        let mut parts: Vec<&str> = note.split('\n').collect();
        let root = parts[2].to_owned();
        let flipped = format!(
            "{}{}",
            if root.starts_with('A') { "B" } else { "A" },
            &root[1..]
        );
        parts[2] = &flipped;
        entry["note"] = parts.join("\n").into();
        l[2] = format!(
            "{{\"size\":{},\"note\":{}}}",
            entry["size"],
            serde_json::to_string(&entry["note"]).unwrap()
        );
    });
    let v = agree(&led, false);
    violated(&v);
    assert!(
        v.has("descriptors_checkpoints", "SIGNATURE_INVALID", Some(3)),
        "{v:?}"
    );
}

#[test]
fn a_history_that_goes_backwards() {
    if !python_available() {
        return;
    }
    // History lines 3 and 4 (sizes 3 and 4) swapped: line 4 goes back to
    // size 3, and the latest file now holds line 3's note.
    let led = Ledger::new(false);
    edit_lines(&led.file("descriptors.jsonl.checkpoints"), |l| l.swap(2, 3));
    let v = agree(&led, false);
    violated(&v);
    assert_eq!(
        v.findings,
        vec![
            spot("descriptors_checkpoints", "CHECKPOINT_LAG", None),
            spot("descriptors_checkpoints", "CHECKPOINT_MISMATCH", Some(4)),
        ]
    );
}

#[test]
fn a_stripped_mac() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(true);
    edit_lines(&led.file("descriptors.jsonl"), |l| {
        let from = l[2].find(",\"mac\"").unwrap();
        let to = l[2].find(",\"hash\"").unwrap();
        l[2].replace_range(from..to, "");
    });
    for with_key in [false, true] {
        let v = agree(&led, with_key);
        violated(&v);
        assert!(v.has("descriptors", "MAC_MISSING", Some(3)), "{v:?}");
    }
}

#[test]
fn an_edited_mac_is_found_with_the_key() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(true);
    edit_lines(&led.file("descriptors.jsonl"), |l| {
        let at = l[3].find(",\"hash\"").unwrap() - 2;
        let flipped = if &l[3][at..=at] == "0" { "1" } else { "0" };
        l[3].replace_range(at..=at, flipped);
    });
    let v = agree(&led, true);
    violated(&v);
    assert!(v.has("descriptors", "MAC_MISMATCH", Some(4)), "{v:?}");
    assert_eq!(v.fact("descriptors", "macs_checked"), 4);
    let blind = agree(&led, false);
    violated(&blind);
    assert!(!blind.kinds().contains(&"MAC_MISMATCH"), "{blind:?}");
}

#[test]
fn a_line_reformatted_outside_the_hashed_bytes() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(false);
    edit_lines(&led.file("descriptors.jsonl"), |l| {
        l[0] = l[0].replacen("{\"seq\":0,", "{\"seq\": 0,", 1);
    });
    let v = agree(&led, false);
    violated(&v);
    assert!(v.has("descriptors", "NON_CANONICAL", Some(1)), "{v:?}");
    assert!(!v.kinds().contains(&"HASH_MISMATCH"), "{v:?}");
}

#[test]
fn a_line_that_is_not_json() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(false);
    edit_lines(&led.file("descriptors.jsonl"), |l| l[1] = "garbage".into());
    let v = agree(&led, false);
    violated(&v);
    assert!(v.has("descriptors", "PARSE_ERROR", Some(2)), "{v:?}");
}

#[test]
fn a_rotated_key_then_more_appends() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(true);
    let new_key = led.tmp.path().join("new.key");
    let mut args = vec!["key".to_owned(), "rotate".into(), path_arg(&led.dir)];
    args.extend(led.key_args());
    args.extend(["--new-key".into(), path_arg(&new_key)]);
    iss(&args, None, 0);
    let led = Ledger {
        key: new_key,
        ..led
    };
    led.append(&[4, 5]);
    led.append(&[6]);
    let v = agree(&led, true);
    clean(&v);
    assert_eq!(v.fact("descriptors", "signed_size"), 7);
    let events = read_lines(&led.file("events.jsonl"));
    assert!(
        events[1].contains("\"type\":\"key_rotation\""),
        "{events:?}"
    );
}

#[test]
fn a_torn_tail_then_its_repair() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(false);
    let p = led.file("descriptors.jsonl");
    let mut bytes = fs::read(&p).unwrap();
    bytes.extend_from_slice(b"{\"seq\":4,\"prev\":\"ab");
    fs::write(&p, bytes).unwrap();
    let v = agree(&led, false);
    violated(&v);
    assert_eq!(v.findings, vec![spot("descriptors", "TORN_TAIL", Some(5))]);
    assert_eq!(v.fact("descriptors", "tree_size"), 4);

    let mut args = vec!["repair".to_owned(), path_arg(&led.dir)];
    args.extend(led.key_args());
    iss(&args, None, 0);
    let v = agree(&led, false);
    clean(&v);
    assert_eq!(
        v.fact("events", "tree_size"),
        2,
        "the repair is an events record"
    );
}

#[test]
fn the_latest_checkpoint_rolled_back() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(false);
    let older: Value =
        serde_json::from_str(&read_lines(&led.file("descriptors.jsonl.checkpoints"))[1]).unwrap();
    fs::write(
        led.file("descriptors.jsonl.checkpoint"),
        older["note"].as_str().unwrap(),
    )
    .unwrap();
    let v = agree(&led, false);
    clean(&v);
    assert_eq!(v.kinds(), vec!["CHECKPOINT_LAG"]);
}

#[test]
fn the_newest_checkpoint_deleted_leaves_a_record_unsigned() {
    if !python_available() {
        return;
    }
    // Deleting the newest history entry (and rolling the latest file back
    // with it) cannot be seen from the ledger alone: what is left verifies,
    // and the last record is reported as covered by hashes only.
    let led = Ledger::new(false);
    let hist = led.file("descriptors.jsonl.checkpoints");
    let mut lines = read_lines(&hist);
    lines.pop();
    write_lines(&hist, &lines);
    let newest: Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    fs::write(
        led.file("descriptors.jsonl.checkpoint"),
        newest["note"].as_str().unwrap(),
    )
    .unwrap();
    let v = agree(&led, false);
    clean(&v);
    assert_eq!(v.fact("descriptors", "signed_size"), 3);
    assert_eq!(v.fact("descriptors", "unsigned_records"), 1);
}

#[test]
fn the_checkpoint_files_deleted_and_the_chain_rewritten() {
    if !python_available() {
        return;
    }
    // Without the history, a rewrite with recomputed hashes would leave no
    // trace in the chain; every ledger signs its chains at creation, so a
    // missing history is itself a violation.
    let led = Ledger::new(false);
    fs::remove_file(led.file("descriptors.jsonl.checkpoints")).unwrap();
    fs::remove_file(led.file("descriptors.jsonl.checkpoint")).unwrap();
    let v = agree(&led, false);
    violated(&v);
    assert!(
        v.has("descriptors_checkpoints", "CHECKPOINT_MISMATCH", None),
        "{v:?}"
    );
    assert_eq!(v.fact("descriptors", "checkpoints_verified"), 0);
}

#[test]
fn a_chain_file_deleted() {
    if !python_available() {
        return;
    }
    // FORMAT.md section 11: the metadata names the chain, so its absence is
    // MISSING_FILE (a violation), not a TRUNCATED and not "incomplete".
    let led = Ledger::new(false);
    fs::remove_file(led.file("descriptors.jsonl")).unwrap();
    let v = agree(&led, false);
    violated(&v);
    assert_eq!(v.findings, vec![spot("descriptors", "MISSING_FILE", None)]);
    assert_eq!(v.fact("descriptors", "merkle_root"), &Value::Null);
}

/// A ledger made by `iss migrate` from a generated legacy ledger: its
/// `events` chain holds the genesis and one `legacy_time_keeper_start`
/// record per line of the legacy start log (FORMAT.md section 10.2), and
/// both verifiers accept it; an edited start record is found by both.
#[test]
fn a_migrated_ledger_with_its_start_log() {
    if !python_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let legacy = tmp.path().join("legacy");
    iss(&["sample".to_owned(), path_arg(&legacy)], None, 0);
    let dir = tmp.path().join("ledger");
    iss(
        &["migrate".to_owned(), path_arg(&legacy), path_arg(&dir)],
        None,
        0,
    );
    let led = Ledger {
        key: tmp.path().join("ledger.key"),
        tmp,
        dir,
        mac: None,
    };
    let v = agree(&led, false);
    clean(&v);
    assert_eq!(v.fact("events", "tree_size"), 4);

    let events = led.file("events.jsonl");
    let text = std::fs::read_to_string(&events).unwrap();
    std::fs::write(
        &events,
        text.replacen("ForensicTimeKeeper", "ForensicTimeKeepex", 1),
    )
    .unwrap();
    let v = agree(&led, false);
    violated(&v);
    assert!(v.has("events", "HASH_MISMATCH", Some(2)), "{v:?}");
}

// --- section 4.3 rule 5 and section 8: written by other code, or by an
// attacker with the library's own primitives (`common::forge`) ---

/// `iss key rotate` of `led` to a new key beside it; returns the old and
/// the new signer.
fn rotate(led: &Ledger) -> (Signer, Signer, PathBuf) {
    let new_key = led.tmp.path().join("new.key");
    let mut args = vec!["key".to_owned(), "rotate".into(), path_arg(&led.dir)];
    args.extend(led.key_args());
    args.extend(["--new-key".into(), path_arg(&new_key)]);
    iss(&args, None, 0);
    (
        read_signer(&led.key).unwrap(),
        read_signer(&new_key).unwrap(),
        new_key,
    )
}

#[test]
fn a_descriptor_id_used_twice() {
    if !python_available() {
        return;
    }
    // Another program appends a record (hashed correctly) reusing the id of
    // record 1.
    let led = Ledger::new(false);
    let path = led.file("descriptors.jsonl");
    let mut b = forge::bodies(&read_lines(&path));
    b.push(b[0].replacen("\"alice\"", "\"bob\"", 1));
    write_lines(&path, &forge::rechain("descriptors", &b));
    let v = agree(&led, false);
    violated(&v);
    assert_eq!(
        v.findings,
        vec![spot("descriptors", "DUPLICATE_ID", Some(5))]
    );
    assert_eq!(v.fact("descriptors", "unsigned_records"), 1);
}

#[test]
fn a_rotation_signs_every_chain_with_both_keys() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(false);
    let before = read_lines(&led.file("events.jsonl.checkpoints"));
    let (_, _, new_key) = rotate(&led);
    let v = agree(&led, false);
    clean(&v);
    assert_eq!(v.fact("descriptors", "signed_size"), 4);
    assert_eq!(v.fact("pulses", "signed_size"), 0);
    assert_eq!(v.fact("events", "signed_size"), 2);
    // Stopped before the new key signed `events` (the record unsigned):
    // the cosigned heads already satisfy section 8.
    let hist = led.file("events.jsonl.checkpoints");
    let mut lines = read_lines(&hist);
    lines.pop();
    forge::write_history(&led.dir, "events", &lines);
    let v = agree(&led, false);
    clean(&v);
    assert_eq!(v.fact("events", "unsigned_records"), 1);
    // Stopped before the rotation record: the new key's signatures are by
    // an unknown key, ignored.
    let events = led.file("events.jsonl");
    let mut records = read_lines(&events);
    records.pop();
    write_lines(&events, &records);
    assert_eq!(
        lines.len(),
        before.len() + 1,
        "the cosigned entry of events"
    );
    let v = agree(&led, false);
    clean(&v);
    assert!(new_key.exists());
}

#[test]
fn the_retired_key_rewrites_the_history_before_the_rotation() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(false);
    let (old, _, new_key) = rotate(&led);
    let led = Ledger {
        key: new_key,
        ..led
    };
    led.append(&[4]);
    let path = led.file("descriptors.jsonl");
    let mut b = forge::bodies(&read_lines(&path));
    b[1] = b[1].replacen("\"alice\"", "\"mallory\"", 1);
    let forged = forge::rechain("descriptors", &b);
    write_lines(&path, &forged);
    let history: Vec<String> = (0..=4)
        .map(|size| forge::entry(ORIGIN, "descriptors", &forged, size, &[&old]))
        .collect();
    forge::write_history(&led.dir, "descriptors", &history);
    let v = agree(&led, false);
    violated(&v);
    assert_eq!(
        v.findings,
        vec![spot("descriptors_checkpoints", "RETIRED_KEY", Some(5))]
    );
}

#[test]
fn the_retired_key_signs_after_its_successor() {
    if !python_available() {
        return;
    }
    let led = Ledger::new(false);
    let (old, _, _) = rotate(&led);
    forge::push_history(
        &led.dir,
        "pulses",
        &[forge::entry(ORIGIN, "pulses", &[], 0, &[&old])],
    );
    let v = agree(&led, false);
    violated(&v);
    assert_eq!(
        v.findings,
        vec![spot("pulses_checkpoints", "RETIRED_KEY", Some(3))]
    );
}

#[test]
fn rotations_by_the_retired_key_or_back_to_a_trusted_key() {
    if !python_available() {
        return;
    }
    for back in [false, true] {
        let led = Ledger::new(false);
        let (old, new, _) = rotate(&led);
        // `back`: the key in use rotates to the retired key; else the
        // retired key rotates to a key of its own.
        let (by, to) = if back {
            (&new, old.verifier())
        } else {
            (&old, Signer::generate(ORIGIN).unwrap().verifier())
        };
        let sizes: BTreeMap<String, u64> = [("descriptors", 4), ("pulses", 0), ("events", 2)]
            .into_iter()
            .map(|(c, n)| (c.to_owned(), n))
            .collect();
        let path = led.file("events.jsonl");
        let mut b = forge::bodies(&read_lines(&path));
        b.push(serde_json::to_string(&Rotation::sign(ORIGIN, by, &to, sizes)).unwrap());
        write_lines(&path, &forge::rechain("events", &b));
        let v = agree(&led, false);
        violated(&v);
        assert_eq!(
            v.findings,
            vec![spot("events", "ROTATION_INVALID", Some(3))],
            "back: {back}"
        );
    }
}

#[test]
fn a_ledger_rotated_the_old_way() {
    if !python_available() {
        return;
    }
    // What `iss key rotate` used to leave: the new key signed `events` only.
    let led = Ledger::new(false);
    let hist = |c: &str| led.file(&format!("{c}.jsonl.checkpoints"));
    let kept: BTreeMap<&str, Vec<String>> = ["descriptors", "pulses", "events"]
        .into_iter()
        .map(|c| (c, read_lines(&hist(c))))
        .collect();
    rotate(&led);
    for c in ["descriptors", "pulses"] {
        forge::write_history(&led.dir, c, &kept[c]);
    }
    let mut events = kept["events"].clone();
    events.push(read_lines(&hist("events")).pop().unwrap());
    forge::write_history(&led.dir, "events", &events);
    let v = agree(&led, false);
    violated(&v);
    assert_eq!(
        v.findings,
        vec![
            spot("descriptors_checkpoints", "RETIRED_KEY", Some(4)),
            spot("pulses_checkpoints", "RETIRED_KEY", Some(1)),
        ]
    );
}
