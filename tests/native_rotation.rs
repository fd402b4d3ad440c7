//! Key rotation against an attacker who kept the retired key
//! (`docs/FORMAT.md` §7-8): whatever they sign (a rewritten past, a
//! checkpoint past the rotation, a rotation of their own, a checkpoint after
//! its successor's) is found; `iss key rotate` leaves every chain signed by
//! the new key, and a crash at any of its writes leaves a ledger that
//! verifies and that `iss checkpoint` completes.
//!
//! The attacker forges with the library's own primitives: record lines and
//! hashes (`build_line_raw`), Merkle roots, signed checkpoint notes.

mod common;

use common::forge::{bodies, push_history, rechain, write_history};
use common::{Spot, read_lines, spots, write_lines};
use iss_workstation::ledger::native::keyring::Rotation;
use iss_workstation::ledger::native::secret::read_signer;
use iss_workstation::ledger::native::write::{NativeWriter, WriteError};
use iss_workstation::tlog::note::Signer;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const ORIGIN: &str = "iss.test/rotation";

/// A ledger made with the `iss` binary, its keys beside it.
struct Ledger {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    old_key: PathBuf,
    new_key: PathBuf,
}

impl Ledger {
    /// `iss init`, then `before` descriptors appended one by one.
    fn new(before: u64) -> Ledger {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ledger");
        let old_key = tmp.path().join("old.key");
        let new_key = tmp.path().join("new.key");
        iss(
            &["init", s(&dir), "--origin", ORIGIN, "--key", s(&old_key)],
            0,
        );
        let led = Ledger {
            _tmp: tmp,
            dir,
            old_key,
            new_key,
        };
        for n in 0..before {
            led.append(n, &led.old_key);
        }
        led
    }

    fn append(&self, n: u64, key: &Path) {
        let d = serde_json::json!({
            "descriptor_id": format!("{n:016x}"),
            "process_name": "ENG.1",
            "process_version": "1.0",
            "capability_level": 2,
            "process_outcome": "compliant",
            "compliance_score": 0.5,
            "assessed_by": "alice",
            "assessment_method": "interview",
            "evidence_required": [],
            "evidence_provided": [],
        });
        common::iss_cmd()
            .args(["append", "descriptor", s(&self.dir), "--key", s(key)])
            .write_stdin(d.to_string())
            .assert()
            .code(0);
    }

    fn rotate(&self) {
        iss(
            &[
                "key",
                "rotate",
                s(&self.dir),
                "--key",
                s(&self.old_key),
                "--new-key",
                s(&self.new_key),
            ],
            0,
        );
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn key_id(path: &Path) -> String {
        format!("{:08x}", read_signer(path).unwrap().key_id())
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temporary path")
}

fn iss(args: &[&str], code: i32) -> String {
    let out = common::iss_cmd()
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .clone();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `iss verify --json`: exit code and document.
fn verify(dir: &Path) -> (i32, Value) {
    let out = common::iss_cmd()
        .args(["verify", "--json", s(dir)])
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).expect("one JSON document");
    (out.status.code().unwrap(), doc)
}

/// The findings of `kind` in a `verify --json` document, as (file, finding).
fn findings_of<'a>(doc: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            f["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(move |x| x["kind"] == kind)
                .map(move |x| (f["name"].as_str().unwrap(), x))
        })
        .collect()
}

fn native<'a>(doc: &'a Value, chain: &str) -> &'a Value {
    &doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == chain)
        .unwrap()["native"]
}

// --- the tests ----------------------------------------------------------------

/// The repro: init, 10 appends, `iss key rotate`, 5 appends; then,
/// with the old key, record 3 changed, every hash recomputed, and the
/// descriptors history replaced with old-key checkpoints of sizes 0..10.
#[test]
fn the_retired_key_cannot_rewrite_the_history_before_the_rotation() {
    let led = Ledger::new(10);
    led.rotate();
    for n in 10..15 {
        led.append(n, &led.new_key);
    }
    assert_eq!(spots(&led.dir), Vec::<Spot>::new(), "genuine");
    let (old_id, new_id) = (Ledger::key_id(&led.old_key), Ledger::key_id(&led.new_key));
    let old = read_signer(&led.old_key).unwrap();

    let path = led.file("descriptors.jsonl");
    let mut b = bodies(&read_lines(&path));
    assert!(b[2].contains("\"alice\""));
    b[2] = b[2].replacen("\"alice\"", "\"mallory\"", 1);
    let forged = rechain("descriptors", &b);
    write_lines(&path, &forged);
    let history: Vec<String> = (0..=10)
        .map(|size| entry("descriptors", &forged, size, &[&old]))
        .collect();
    write_history(&led.dir, "descriptors", &history);

    let (code, doc) = verify(&led.dir);
    assert_eq!(
        (code, doc["status"].as_str()),
        (1, Some("violated")),
        "{doc:#}"
    );
    let found = findings_of(&doc, "RETIRED_KEY");
    assert_eq!(found.len(), 1, "{doc:#}");
    let (file, f) = found[0];
    assert_eq!(file, "descriptors_checkpoints");
    assert_eq!(f["line"], 11, "the newest verified entry: size 10");
    let expected = f["expected"].as_str().unwrap();
    let detail = f["detail"].as_str().unwrap();
    assert!(
        expected.contains(&new_id) && expected.contains("at least 10 records"),
        "{expected}"
    );
    assert!(
        detail.contains(&old_id) && detail.contains(&new_id) && detail.contains("size 10"),
        "{detail}"
    );
    assert_eq!(f["found"], format!("size 10, signed by {old_id}"));
    // Everything else the forger made is consistent: the finding is the
    // only evidence, and it is enough.
    assert_eq!(
        spots(&led.dir),
        vec![(
            "descriptors_checkpoints".into(),
            "RETIRED_KEY".into(),
            Some(11)
        )]
    );
}

/// The old key beyond the repro: a checkpoint of a size past the rotation,
/// a checkpoint after its successor's (at a size it may still sign), a
/// rotation of its own appended to `events`.
#[test]
fn whatever_else_the_retired_key_signs_is_found() {
    let led = Ledger::new(3);
    led.rotate();
    led.append(3, &led.new_key);
    assert_eq!(spots(&led.dir), Vec::<Spot>::new());
    let old = read_signer(&led.old_key).unwrap();

    // A checkpoint of 4 descriptors: past the size the rotation retired it at.
    let desc = read_lines(&led.file("descriptors.jsonl"));
    push_history(
        &led.dir,
        "descriptors",
        &[entry("descriptors", &desc, 4, &[&old])],
    );
    let n = read_lines(&led.file("descriptors.jsonl.checkpoints")).len() as u64;
    assert_eq!(
        spots(&led.dir),
        vec![(
            "descriptors_checkpoints".into(),
            "SIGNATURE_INVALID".into(),
            Some(n)
        )]
    );

    // The pulses chain was retired at size 0, and the new key signed it
    // there: the old key signing size 0 again, after that, is a retired key
    // used after its retirement, though the size is one it could sign.
    let led = Ledger::new(1);
    led.rotate();
    push_history(
        &led.dir,
        "pulses",
        &[entry("pulses", &[], 0, &[&old_of(&led)])],
    );
    let (code, doc) = verify(&led.dir);
    assert_eq!(code, 1, "{doc:#}");
    let found = findings_of(&doc, "RETIRED_KEY");
    assert_eq!(found.len(), 1, "{doc:#}");
    assert_eq!(
        (found[0].0, &found[0].1["line"]),
        ("pulses_checkpoints", &Value::from(3))
    );
    let detail = found[0].1["detail"].as_str().unwrap();
    assert!(
        detail.contains(&Ledger::key_id(&led.old_key))
            && detail.contains(&Ledger::key_id(&led.new_key))
            && detail.contains("after its retirement"),
        "{detail}"
    );

    // A rotation to a key of the attacker's, signed by the old key and
    // hash-chained properly at the end of `events`, with checkpoints by
    // the attacker's key: the rotation is refused (the key in use is the
    // new one), so nothing the attacker's key signs is trusted.
    let led = Ledger::new(1);
    led.rotate();
    let old = old_of(&led);
    let thief = Signer::generate(ORIGIN).unwrap();
    let events_path = led.file("events.jsonl");
    let mut events = read_lines(&events_path);
    let sizes: BTreeMap<String, u64> = [("descriptors", 1), ("pulses", 0), ("events", 2)]
        .into_iter()
        .map(|(c, n)| (c.to_owned(), n))
        .collect();
    let rot =
        serde_json::to_string(&Rotation::sign(ORIGIN, &old, &thief.verifier(), sizes)).unwrap();
    let mut b = bodies(&events);
    b.push(rot);
    events = rechain("events", &b);
    write_lines(&events_path, &events);
    push_history(
        &led.dir,
        "events",
        &[entry("events", &events, 3, &[&thief])],
    );
    let (code, doc) = verify(&led.dir);
    assert_eq!(code, 1, "{doc:#}");
    let rejected = findings_of(&doc, "ROTATION_INVALID");
    assert_eq!(rejected.len(), 1, "{doc:#}");
    assert_eq!(
        (rejected[0].0, &rejected[0].1["line"]),
        ("events", &Value::from(3))
    );
    assert!(
        rejected[0].1["detail"]
            .as_str()
            .unwrap()
            .contains("key in use"),
        "{doc:#}"
    );
    assert_eq!(findings_of(&doc, "SIGNATURE_INVALID").len(), 1, "{doc:#}");
}

/// A history line of this test's ledgers (see [`common::forge::entry`]).
fn entry(chain: &str, lines: &[String], size: u64, by: &[&Signer]) -> String {
    common::forge::entry(ORIGIN, chain, lines, size, by)
}

fn old_of(led: &Ledger) -> Signer {
    read_signer(&led.old_key).unwrap()
}

/// FORMAT.md §8: after `iss key rotate` every chain's newest checkpoint is
/// signed by the new key at (at least) the size the rotation names.
#[test]
fn key_rotate_leaves_every_chain_signed_by_the_new_key() {
    let led = Ledger::new(3);
    led.rotate();
    let new_id = Ledger::key_id(&led.new_key);
    let (code, doc) = verify(&led.dir);
    assert_eq!(code, 0, "{doc:#}");
    for (chain, size) in [("descriptors", 3), ("pulses", 0), ("events", 2)] {
        let n = native(&doc, chain);
        assert_eq!(n["signed_size"], size, "{chain}: {n}");
        assert!(
            n["signed_by"]
                .as_array()
                .unwrap()
                .contains(&Value::from(new_id.clone())),
            "{chain} is signed by the new key: {n}"
        );
    }
}

/// `iss key rotate` writes, in order: a checkpoint signed by both keys of
/// descriptors, pulses and events (history line, then latest file each),
/// the rotation record, then the new key's checkpoint of events (history,
/// latest). A crash after any of these writes leaves a ledger with no
/// violation, which `iss checkpoint` with the key then in use completes.
#[test]
fn a_rotation_stopped_after_any_of_its_writes_verifies_and_is_completed_by_checkpoint() {
    let led = Ledger::new(2);
    let names = [
        "descriptors.jsonl.checkpoints",
        "descriptors.jsonl.checkpoint",
        "pulses.jsonl.checkpoints",
        "pulses.jsonl.checkpoint",
        "events.jsonl.checkpoints",
        "events.jsonl.checkpoint",
        "events.jsonl",
    ];
    let snap = |dir: &Path| -> BTreeMap<&str, Vec<u8>> {
        names
            .iter()
            .map(|n| (*n, fs::read(dir.join(n)).unwrap()))
            .collect()
    };
    let before = snap(&led.dir);
    led.rotate();
    let after = snap(&led.dir);
    let new_lines = |name: &str| -> Vec<Vec<u8>> {
        let (b, a) = (&before[name], &after[name]);
        assert!(a.starts_with(b), "{name} was only appended to");
        a[b.len()..]
            .split_inclusive(|&c| c == b'\n')
            .map(<[u8]>::to_vec)
            .collect()
    };
    let note_of = |line: &[u8]| -> Vec<u8> {
        let v: Value = serde_json::from_slice(line).unwrap();
        v["note"].as_str().unwrap().as_bytes().to_vec()
    };
    let hist = |c: &str| new_lines(&format!("{c}.jsonl.checkpoints"));
    // The writes, in order: (file, bytes it holds after the write).
    let (d, p, e, rec) = (
        hist("descriptors"),
        hist("pulses"),
        hist("events"),
        new_lines("events.jsonl"),
    );
    assert_eq!(
        (d.len(), p.len(), e.len(), rec.len()),
        (1, 1, 2, 1),
        "one entry each, two for events"
    );
    let cat = |name: &str, extra: &[&Vec<u8>]| -> Vec<u8> {
        let mut v = before[name].clone();
        for x in extra {
            v.extend_from_slice(x);
        }
        v
    };
    let writes: Vec<(&str, Vec<u8>)> = vec![
        (
            "descriptors.jsonl.checkpoints",
            cat("descriptors.jsonl.checkpoints", &[&d[0]]),
        ),
        ("descriptors.jsonl.checkpoint", note_of(&d[0])),
        (
            "pulses.jsonl.checkpoints",
            cat("pulses.jsonl.checkpoints", &[&p[0]]),
        ),
        ("pulses.jsonl.checkpoint", note_of(&p[0])),
        (
            "events.jsonl.checkpoints",
            cat("events.jsonl.checkpoints", &[&e[0]]),
        ),
        ("events.jsonl.checkpoint", note_of(&e[0])),
        ("events.jsonl", cat("events.jsonl", &[&rec[0]])),
        (
            "events.jsonl.checkpoints",
            cat("events.jsonl.checkpoints", &[&e[0], &e[1]]),
        ),
        ("events.jsonl.checkpoint", note_of(&e[1])),
    ];
    for stop in 0..=writes.len() {
        let mut state = before.clone();
        for (name, bytes) in &writes[..stop] {
            state.insert(name, bytes.clone());
        }
        if stop == writes.len() {
            assert_eq!(state, after, "the writes listed are all the rotation made");
        }
        for (name, bytes) in &state {
            fs::write(led.dir.join(name), bytes).unwrap();
        }
        let (code, doc) = verify(&led.dir);
        assert_eq!(code, 0, "stopped after write {stop}: {doc:#}");
        let in_use = if stop >= 7 {
            &led.new_key
        } else {
            &led.old_key
        };
        iss(&["checkpoint", s(&led.dir), "--key", s(in_use)], 0);
        let (code, doc) = verify(&led.dir);
        assert_eq!(code, 0, "completed after write {stop}: {doc:#}");
        assert_eq!(spots(&led.dir), Vec::<Spot>::new(), "after write {stop}");
    }
}

/// A ledger rotated as `iss key rotate` used to (old key's checkpoints,
/// the rotation record, then the new key's checkpoint of `events` only) is
/// indistinguishable from a history rewritten with the retired key: it is
/// a violation, `iss checkpoint` refuses it, and only
/// `--accept-retired-history` (the operator vouching for the records)
/// signs it with the key in use.
#[test]
fn a_ledger_rotated_the_old_way_needs_the_operator_to_accept_its_history() {
    let led = Ledger::new(2);
    let hist = |c: &str| led.file(&format!("{c}.jsonl.checkpoints"));
    let kept: BTreeMap<&str, Vec<String>> = ["descriptors", "pulses", "events"]
        .into_iter()
        .map(|c| (c, read_lines(&hist(c))))
        .collect();
    led.rotate();
    // Undo the cosigned entries: what the old rotation left.
    for c in ["descriptors", "pulses"] {
        write_history(&led.dir, c, &kept[c]);
    }
    let mut events = kept["events"].clone();
    events.push(read_lines(&hist("events")).pop().unwrap());
    write_history(&led.dir, "events", &events);

    let s_ = spots(&led.dir);
    let retired: Vec<&Spot> = s_.iter().filter(|x| x.1 == "RETIRED_KEY").collect();
    assert_eq!(s_.len(), 2, "{s_:?}");
    assert_eq!(
        retired.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(),
        ["descriptors_checkpoints", "pulses_checkpoints"]
    );
    let out = iss(&["checkpoint", s(&led.dir), "--key", s(&led.new_key)], 1);
    assert!(
        out.contains("RETIRED_KEY") && out.contains("--accept-retired-history"),
        "{out}"
    );
    // The old key may not accept it: it is not the key in use.
    let out = iss(
        &[
            "checkpoint",
            s(&led.dir),
            "--key",
            s(&led.old_key),
            "--accept-retired-history",
        ],
        2,
    );
    assert!(out.contains("not the ledger's current key"), "{out}");
    iss(
        &[
            "checkpoint",
            s(&led.dir),
            "--key",
            s(&led.new_key),
            "--accept-retired-history",
        ],
        0,
    );
    assert_eq!(spots(&led.dir), Vec::<Spot>::new());
}

/// A writer opened before another process rotated the key holds a retired
/// key: its append goes in (records need no key), its checkpoint is
/// refused instead of signing a size the retired key may not sign.
#[test]
fn a_writer_whose_key_was_rotated_meanwhile_does_not_sign_with_it() {
    let led = Ledger::new(1);
    let mut w = NativeWriter::open(&led.dir, Some(old_of(&led)), None).unwrap();
    led.rotate();
    let body = serde_json::json!({"descriptor_id": "00000000000000ff", "process_name": "late"});
    w.append(
        iss_workstation::ledger::native::format::meta::Chain::Descriptors,
        &[body.to_string()],
    )
    .unwrap();
    let e = w
        .checkpoint(iss_workstation::ledger::native::format::meta::Chain::Descriptors)
        .unwrap_err();
    assert!(matches!(e, WriteError::Key(_)), "{e}");
    let text = e.to_string();
    assert!(
        text.contains(&Ledger::key_id(&led.old_key))
            && text.contains(&Ledger::key_id(&led.new_key))
            && text.contains("no longer the ledger's key in use"),
        "{text}"
    );
    let (code, doc) = verify(&led.dir);
    assert_eq!(
        code, 0,
        "the late record is unsigned, not a violation: {doc:#}"
    );
    assert_eq!(native(&doc, "descriptors")["unsigned_records"], 1);
}
