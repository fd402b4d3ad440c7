//! Native ledgers end to end: init, append, checkpoint, verify, and each
//! kind of tampering found exactly where it happened.

mod common;

use common::{Spot, assert_pristine, iss_json, iss_stdout, read_lines, spot, spots, write_lines};
use iss_workstation::ledger::legacy::append::NewDescriptor;
use iss_workstation::ledger::native::descriptors::append_descriptors;
use iss_workstation::ledger::native::history::HistoryLine;
use iss_workstation::ledger::native::meta::Chain;
use iss_workstation::ledger::native::secret::{MacKey, read_signer};
use iss_workstation::ledger::native::writer::{NativeWriteError, NativeWriter};
use iss_workstation::tlog::note::Signer;
use std::fs;
use std::path::{Path, PathBuf};

fn input(n: u64) -> NewDescriptor {
    serde_json::from_value(serde_json::json!({
        "process_name": format!("ENG.{}", n % 3),
        "process_version": "1.0",
        "capability_level": n % 6,
        "process_outcome": "compliant",
        "compliance_score": 0.5,
        "assessed_by": "alice",
        "assessment_method": "interview",
        "evidence_required": ["plan"],
        "evidence_provided": ["plan"],
    }))
    .unwrap()
}

struct Ledger {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    key: PathBuf,
    mac: Option<PathBuf>,
}

impl Ledger {
    fn signer(&self) -> Signer {
        read_signer(&self.key).unwrap()
    }
    fn mac_key(&self) -> Option<MacKey> {
        self.mac.as_deref().map(|p| MacKey::read(p).unwrap())
    }
    fn writer(&self) -> NativeWriter {
        NativeWriter::open(&self.dir, Some(self.signer()), self.mac_key()).unwrap()
    }
    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// A ledger with 8 descriptors: checkpoints at 0, 3 and 6, two unsigned.
fn ledger(keyed: bool) -> Ledger {
    let common::NewNative { tmp, dir, key, mac } = common::new_native("iss.test/native", keyed);
    let led = Ledger {
        _tmp: tmp,
        dir,
        key,
        mac,
    };
    let mut w = led.writer();
    let t0 = 1_790_000_000_000_000;
    append_descriptors(&mut w, (0..3).map(input).collect(), t0, true).unwrap();
    append_descriptors(&mut w, (3..6).map(input).collect(), t0 + 10, true).unwrap();
    append_descriptors(&mut w, (6..8).map(input).collect(), t0 + 20, false).unwrap();
    led
}

#[test]
fn a_new_ledger_verifies_clean_with_its_status() {
    let led = ledger(false);
    assert_eq!(spots(&led.dir), Vec::<Spot>::new());
    let v = iss_json(&["verify", "--json"], &led.dir, 0);
    assert_eq!(v["format"], "iss-native-v1");
    assert_eq!(v["status"], "clean");
    let d = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "descriptors")
        .unwrap();
    assert_eq!(d["records"], 8);
    assert_eq!(d["native"]["tree_size"], 8);
    assert_eq!(d["native"]["signed_size"], 6);
    assert_eq!(d["native"]["unsigned_records"], 2);
    assert_eq!(d["native"]["checkpoints_verified"], 3);
    assert_eq!(d["native"]["tamper_evidence"], "signed checkpoints");
    let human = iss_stdout(&["verify"], &led.dir, &[], 0);
    assert!(
        human.contains("2 record(s) after the newest checkpoint are protected by hashes only"),
        "{human}"
    );
}

#[test]
fn an_edited_body_breaks_its_hash_and_every_checkpoint_that_covers_it() {
    let led = ledger(false);
    let p = led.file("descriptors.jsonl");
    let mut lines = read_lines(&p);
    lines[1] = lines[1].replacen("\"alice\"", "\"mallory\"", 1);
    write_lines(&p, &lines);
    assert_eq!(
        spots(&led.dir),
        vec![
            spot("descriptors", "HASH_MISMATCH", 2),
            spot("descriptors_checkpoints", "CHECKPOINT_MISMATCH", 2),
            spot("descriptors_checkpoints", "CHECKPOINT_MISMATCH", 3),
        ]
    );
}

#[test]
fn a_rewritten_suffix_with_recomputed_hashes_is_caught_by_the_signature() {
    // The attacker rewrites record 5 and recomputes every hash after it:
    // the chain is consistent again, but the signed root is not.
    let led = ledger(false);
    let p = led.file("descriptors.jsonl");
    let mut lines = read_lines(&p);
    let mut prev = field(&lines[3], "hash");
    for (i, line) in lines.iter_mut().enumerate().skip(4) {
        let body = body_of(line);
        let body = if i == 4 {
            body.replacen("\"alice\"", "\"mallory\"", 1)
        } else {
            body
        };
        let (new, hash) = iss_workstation::ledger::native::record::build_line_raw(
            "descriptors",
            i as u64,
            &prev,
            &body,
            None,
        )
        .unwrap();
        *line = new;
        prev = hash;
    }
    write_lines(&p, &lines);
    assert_eq!(
        spots(&led.dir),
        vec![spot("descriptors_checkpoints", "CHECKPOINT_MISMATCH", 3)]
    );
}

#[test]
fn deleted_reordered_and_truncated_records_are_found() {
    let led = ledger(false);
    let p = led.file("descriptors.jsonl");
    let orig = read_lines(&p);

    let mut deleted = orig.clone();
    deleted.remove(7);
    write_lines(&p, &deleted);
    // Below no checkpoint: the chain alone cannot tell (the note says so).
    assert_eq!(spots(&led.dir), Vec::<Spot>::new());
    let mut deleted = orig.clone();
    deleted.truncate(5);
    write_lines(&p, &deleted);
    let s = spots(&led.dir);
    assert!(
        s.contains(&("descriptors".into(), "TRUNCATED".into(), None)),
        "{s:?}"
    );

    let mut swapped = orig.clone();
    swapped.swap(2, 3);
    write_lines(&p, &swapped);
    let s = spots(&led.dir);
    assert!(s.contains(&spot("descriptors", "CHAIN_BREAK", 3)), "{s:?}");
    assert!(s.iter().any(|x| x.1 == "CHECKPOINT_MISMATCH"), "{s:?}");

    let mut inserted = orig.clone();
    inserted.insert(1, orig[1].clone());
    write_lines(&p, &inserted);
    let s = spots(&led.dir);
    assert!(s.contains(&spot("descriptors", "CHAIN_BREAK", 3)), "{s:?}");
}

#[test]
fn metadata_history_and_latest_file_tampering_are_found() {
    let led = ledger(false);
    let meta = led.file("iss-ledger.json");
    let text = fs::read_to_string(&meta).unwrap();
    fs::write(&meta, text.replace("2026-11-27T00", "2026-11-28T00")).unwrap();
    assert_eq!(
        spots(&led.dir),
        vec![spot("events", "METADATA_MISMATCH", 1)]
    );
    // An origin that no longer names the keys: the metadata itself is refused.
    fs::write(&meta, text.replace("iss.test/native", "iss.test/other")).unwrap();
    let s = spots(&led.dir);
    assert!(
        s.contains(&("native_metadata".into(), "METADATA_MISMATCH".into(), None)),
        "{s:?}"
    );
    fs::write(&meta, text).unwrap();

    // A checkpoint signed by a key the ledger does not trust.
    let hist = led.file("descriptors.jsonl.checkpoints");
    let orig = read_lines(&hist);
    let thief = Signer::generate("iss.test/native").unwrap();
    let cp = iss_workstation::tlog::checkpoint::Checkpoint {
        origin: "iss.test/native/descriptors".into(),
        size: 8,
        root: [7; 32],
        extensions: vec![],
    };
    let note = iss_workstation::tlog::checkpoint::sign_checkpoint(&cp, &thief).unwrap();
    let mut forged = orig.clone();
    forged.push(HistoryLine { size: 8, note }.to_line());
    write_lines(&hist, &forged);
    let s = spots(&led.dir);
    assert!(
        s.contains(&spot("descriptors_checkpoints", "SIGNATURE_INVALID", 4)),
        "{s:?}"
    );
    write_lines(&hist, &orig);

    // The latest file rolled back to an older checkpoint: a warning (the
    // history is authoritative), and `iss checkpoint` rewrites it.
    let latest = led.file("descriptors.jsonl.checkpoint");
    let older: serde_json::Value = serde_json::from_str(&orig[1]).unwrap();
    fs::write(&latest, older["note"].as_str().unwrap()).unwrap();
    assert_eq!(
        spots(&led.dir).into_iter().map(|s| s.1).collect::<Vec<_>>(),
        vec!["CHECKPOINT_LAG"]
    );
    iss_stdout(
        &["checkpoint", "--key", led.key.to_str().unwrap()],
        &led.dir,
        &[],
        0,
    );
    assert_eq!(spots(&led.dir), Vec::<Spot>::new());
}

#[test]
fn appending_to_a_tampered_ledger_is_refused_and_changes_nothing() {
    let led = ledger(false);
    let p = led.file("descriptors.jsonl");
    let mut lines = read_lines(&p);
    lines[0] = lines[0].replacen("\"alice\"", "\"mallory\"", 1);
    write_lines(&p, &lines);
    let before = snapshot(&led.dir);
    let out = common::iss_cmd()
        .args(["append", "descriptor"])
        .arg(&led.dir)
        .args(["--key", led.key.to_str().unwrap()])
        .write_stdin(serde_json::to_string(&input_json(1)).unwrap())
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(
        err.contains("HASH_MISMATCH") && err.contains("descriptors:1"),
        "{err}"
    );
    assert_eq!(snapshot(&led.dir), before);
    assert!(matches!(
        NativeWriter::open(&led.dir, Some(led.signer()), None),
        Err(NativeWriteError::Violated(_))
    ));
}

#[test]
fn the_cli_appends_and_signs_and_the_record_verifies() {
    let led = ledger(false);
    let out = common::iss_cmd()
        .args(["append", "descriptor"])
        .arg(&led.dir)
        .args(["--key", led.key.to_str().unwrap(), "--json"])
        .write_stdin(serde_json::to_string(&input_json(9)).unwrap())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let ack: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(
        (ack["seq"].as_u64(), ack["line"].as_u64()),
        (Some(8), Some(9))
    );
    let cp: serde_json::Value = serde_json::from_str(out.lines().nth(1).unwrap()).unwrap();
    assert_eq!(cp["checkpoint"]["size"], 9);
    let last = read_lines(&led.file("descriptors.jsonl")).pop().unwrap();
    assert_eq!(field(&last, "hash"), ack["hash"].as_str().unwrap());
    assert_eq!(spots(&led.dir), Vec::<Spot>::new());
    let vkey = iss_stdout(&["key", "verifier"], &led.dir, &[], 0);
    assert_eq!(vkey.trim(), led.signer().vkey());
}

#[test]
fn two_writers_take_turns_and_each_verifies_what_the_other_wrote() {
    let led = ledger(false);
    let mut wa = led.writer();
    let mut wb = led.writer();
    for i in 0..5 {
        append_descriptors(
            &mut wa,
            vec![input(i)],
            1_800_000_000_000_000 + i.cast_signed(),
            true,
        )
        .unwrap();
        append_descriptors(
            &mut wb,
            vec![input(i)],
            1_800_000_000_100_000 + i.cast_signed(),
            true,
        )
        .unwrap();
    }
    assert_eq!(wa.records(Chain::Descriptors), 17);
    assert_eq!(spots(&led.dir), Vec::<Spot>::new());
    // `a` last verified line 17; `b` wrote line 18 since. A forged line 18
    // is caught when `a` verifies it before writing...
    let p = led.file("descriptors.jsonl");
    let orig = read_lines(&p);
    let mut lines = orig.clone();
    lines[17] = lines[17].replacen("\"alice\"", "\"mallory\"", 1);
    write_lines(&p, &lines);
    let e = append_descriptors(&mut wa, vec![input(1)], 1_900_000_000_000_000, false).unwrap_err();
    assert!(matches!(e, NativeWriteError::Violated(_)), "{e}");
    // ...and so is a change to the line it verified last.
    let mut lines = orig.clone();
    lines[16] = lines[16].replacen("\"alice\"", "\"mallory\"", 1);
    write_lines(&p, &lines);
    let e = append_descriptors(&mut wa, vec![input(1)], 1_900_000_000_000_000, false).unwrap_err();
    assert!(matches!(e, NativeWriteError::Moved(_)), "{e}");
    write_lines(&p, &orig);
    assert_eq!(spots(&led.dir), Vec::<Spot>::new());
}

#[test]
fn a_keyed_ledger_says_what_it_could_not_check_without_the_key() {
    let led = ledger(true);
    let mac = led.mac.clone().unwrap();
    let blind = iss_json(&["verify", "--json"], &led.dir, 0);
    let desc = &blind["files"].as_array().unwrap()[1];
    assert_eq!(desc["name"], "descriptors");
    assert_eq!(desc["native"]["macs_unchecked"], 8);
    assert_eq!(desc["native"]["macs_checked"], 0);
    let human = iss_stdout(&["verify"], &led.dir, &[], 0);
    assert!(human.contains("MAC(s) NOT checked"), "{human}");
    let keyed = iss_json(
        &["verify", "--json", "--mac-key", mac.to_str().unwrap()],
        &led.dir,
        0,
    );
    assert_eq!(keyed["files"][1]["native"]["macs_checked"], 8);
    assert_eq!(
        keyed["files"][1]["native"]["tamper_evidence"],
        "keyed + signed checkpoints"
    );

    // Without the key an append is refused (it could not MAC the record).
    let e = NativeWriter::open(&led.dir, Some(led.signer()), None).unwrap_err();
    assert!(e.to_string().contains("--mac-key"), "{e}");

    // A stripped MAC is a violation even without the key.
    let p = led.file("descriptors.jsonl");
    let mut lines = read_lines(&p);
    let (from, to) = (
        lines[2].find(",\"mac\"").unwrap(),
        lines[2].find(",\"hash\"").unwrap(),
    );
    lines[2].replace_range(from..to, "");
    write_lines(&p, &lines);
    let s = spots(&led.dir);
    assert!(s.contains(&spot("descriptors", "MAC_MISSING", 3)), "{s:?}");
}

#[test]
fn a_rotated_key_keeps_old_checkpoints_valid_and_cannot_sign_the_future() {
    let led = ledger(false);
    let old = led.signer();
    let new_key = led.dir.with_file_name("new.key");
    iss_stdout(
        &["key", "rotate"],
        &led.dir,
        &[
            "--key",
            led.key.to_str().unwrap(),
            "--new-key",
            new_key.to_str().unwrap(),
        ],
        0,
    );
    let new = read_signer(&new_key).unwrap();
    let mut w = NativeWriter::open(&led.dir, Some(new.clone()), None).unwrap();
    append_descriptors(&mut w, vec![input(1)], 1_900_000_000_000_000, true).unwrap();
    assert_eq!(spots(&led.dir), Vec::<Spot>::new());
    assert_eq!(
        iss_stdout(&["key", "verifier"], &led.dir, &[], 0).trim(),
        new.vkey()
    );
    // The old key can no longer open a writer...
    let e = NativeWriter::open(&led.dir, Some(old.clone()), None).unwrap_err();
    assert!(
        e.to_string().contains("not the ledger's current key"),
        "{e}"
    );
    // ...and a checkpoint it signs for a size past the rotation is refused.
    let hist = led.file("descriptors.jsonl.checkpoints");
    let mut lines = read_lines(&hist);
    let last: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    let size = last["size"].as_u64().unwrap();
    let note_text = last["note"].as_str().unwrap();
    let signed_text = &note_text[..=note_text.find("\n\n").unwrap()];
    let cp = iss_workstation::tlog::checkpoint::Checkpoint::parse(signed_text).unwrap();
    let note = iss_workstation::tlog::checkpoint::sign_checkpoint(&cp, &old).unwrap();
    lines.push(HistoryLine { size, note }.to_line());
    write_lines(&hist, &lines);
    let s = spots(&led.dir);
    let n = lines.len() as u64;
    assert!(
        s.contains(&spot("descriptors_checkpoints", "SIGNATURE_INVALID", n)),
        "{s:?}"
    );
}

#[test]
fn a_torn_tail_blocks_appends_until_repair_which_records_itself() {
    let led = ledger(false);
    let p = led.file("descriptors.jsonl");
    let mut f = fs::OpenOptions::new().append(true).open(&p).unwrap();
    std::io::Write::write_all(&mut f, b"{\"seq\":8,\"prev\":\"ab").unwrap();
    drop(f);
    let s = spots(&led.dir);
    assert_eq!(s, vec![spot("descriptors", "TORN_TAIL", 9)]);
    let e = NativeWriter::open(&led.dir, Some(led.signer()), None).unwrap_err();
    assert!(
        e.to_string().contains("TORN_TAIL") || e.to_string().contains("violation"),
        "{e}"
    );
    let out = iss_stdout(
        &["repair", "--key", led.key.to_str().unwrap()],
        &led.dir,
        &[],
        0,
    );
    assert!(out.contains("removed 19 torn byte(s)"), "{out}");
    assert_eq!(spots(&led.dir), Vec::<Spot>::new());
    let events = read_lines(&led.file("events.jsonl"));
    let repair = events.last().unwrap();
    assert!(
        repair.contains("\"type\":\"repair\"") && repair.contains("\"bytes\":19"),
        "{repair}"
    );
    let backups: Vec<_> = fs::read_dir(&led.dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".torn-"))
        .collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(
        fs::read(backups[0].path()).unwrap(),
        b"{\"seq\":8,\"prev\":\"ab"
    );
}

#[test]
fn verification_is_read_only() {
    let led = ledger(true);
    let before = snapshot(&led.dir);
    iss_json(&["verify", "--json"], &led.dir, 0);
    assert_eq!(snapshot(&led.dir), before);
    assert_pristine(&led.dir);
}

fn input_json(n: u64) -> serde_json::Value {
    serde_json::json!({
        "process_name": format!("ENG.{n}"), "process_version": "1.0", "capability_level": 2,
        "process_outcome": "partial", "compliance_score": 0.4, "assessed_by": "bob",
        "assessment_method": "review",
    })
}

fn field(line: &str, name: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    v[name].as_str().unwrap().to_owned()
}

fn body_of(line: &str) -> String {
    let start = line.find("\"body\":").unwrap() + 7;
    let end = line.rfind(",\"hash\"").unwrap();
    line[start..end].to_owned()
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn proofs_are_printed_and_checked_by_verify() {
    let led = ledger(false);
    let dir = led.dir.parent().unwrap();
    for n in 0..6 {
        let proof = iss_stdout(
            &["prove", "--json", "--record", &n.to_string()],
            &led.dir,
            &[],
            0,
        );
        let doc: serde_json::Value = serde_json::from_str(&proof).unwrap();
        assert_eq!(doc["kind"], "inclusion");
        assert_eq!(
            doc["tree_size"], 6,
            "proved against the newest signed checkpoint"
        );
        assert_eq!(doc["leaf"], read_lines(&led.file("descriptors.jsonl"))[n]);
        let f = dir.join(format!("p{n}.json"));
        fs::write(&f, &proof).unwrap();
        let v = iss_json(
            &["verify", "--json", "--proof", f.to_str().unwrap()],
            &led.dir,
            0,
        );
        assert_eq!(v["proofs"][0]["valid"], true, "{v}");
    }
    // Records after the newest checkpoint cannot be proved yet.
    assert_cmd::Command::cargo_bin("iss")
        .unwrap()
        .args(["prove", "--record", "7"])
        .arg(&led.dir)
        .assert()
        .code(2);
    // A proof for another leaf, or with a changed path element, fails.
    let text = fs::read_to_string(dir.join("p2.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["index"] = 3.into();
    fs::write(dir.join("bad.json"), doc.to_string()).unwrap();
    let v = iss_json(
        &[
            "verify",
            "--json",
            "--proof",
            dir.join("bad.json").to_str().unwrap(),
        ],
        &led.dir,
        1,
    );
    assert_eq!(v["proofs"][0]["valid"], false);
    let consistency = iss_stdout(&["prove", "--json", "--from", "3"], &led.dir, &[], 0);
    let doc: serde_json::Value = serde_json::from_str(&consistency).unwrap();
    assert!(
        doc["old_checkpoint"].is_string(),
        "size 3 was signed: {doc}"
    );
    fs::write(dir.join("c.json"), &consistency).unwrap();
    let v = iss_json(
        &[
            "verify",
            "--json",
            "--proof",
            dir.join("c.json").to_str().unwrap(),
        ],
        &led.dir,
        0,
    );
    assert_eq!(v["proofs"][0]["valid"], true, "{v}");
    let mut doc = doc;
    doc["old_root"] = "00".repeat(32).into();
    doc["old_checkpoint"] = serde_json::Value::Null;
    fs::write(dir.join("c2.json"), doc.to_string()).unwrap();
    let v = iss_json(
        &[
            "verify",
            "--json",
            "--proof",
            dir.join("c2.json").to_str().unwrap(),
        ],
        &led.dir,
        1,
    );
    assert_eq!(v["proofs"][0]["valid"], false);
}

#[test]
fn pulses_are_appended_with_real_time_scales_and_signed() {
    let led = ledger(false);
    for (at, mono) in [
        ("2026-11-27T10:00:00.250000Z", "1000"),
        ("2026-11-27T10:00:01.500000Z", "1250001000"),
    ] {
        let out = iss_stdout(
            &[
                "append",
                "pulse",
                "--json",
                "--at",
                at,
                "--mono-ns",
                mono,
                "--key",
                led.key.to_str().unwrap(),
            ],
            &led.dir,
            &[],
            0,
        );
        let ack: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        let unix_ns: i64 = if at.contains(":00.25") {
            1_795_773_600_250_000_000
        } else {
            1_795_773_601_500_000_000
        };
        // TAI = UTC + 37 s since 2017, counted from 1900 (2208988800 s before 1970).
        assert_eq!(
            ack["pulse"]["tai_ns"],
            unix_ns + (2_208_988_800 + 37) * 1_000_000_000
        );
        assert_eq!(ack["pulse"]["mono_ns"].to_string(), mono);
        assert_eq!(ack["pulse"]["leap_seconds"]["delta_at_known"], true);
        // TT = TAI + 32.184 s, counted from J2000 (TT).
        let tt = ack["pulse"]["tt_s"].as_f64().unwrap();
        let expected_tt = (unix_ns as f64) / 1e9 + 37.0 + 32.184 - 946_728_000.0;
        assert!((tt - expected_tt).abs() < 1e-6, "{tt} vs {expected_tt}");
        assert!(
            ack["checkpoint"]["size"].as_u64().is_some(),
            "signed at once"
        );
    }
    let lines = read_lines(&led.file("pulses.jsonl"));
    assert_eq!(lines.len(), 2);
    assert_eq!(spots(&led.dir), Vec::<Spot>::new());
}

#[test]
fn discovery_names_a_native_ledger_and_its_chains() {
    use iss_workstation::ledger::discover::{FileKind, Layout, discover};
    let led = ledger(false);
    let d = discover(&led.dir).unwrap();
    assert_eq!(d.layout, Layout::Native);
    let kinds: Vec<FileKind> = d.found.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            FileKind::NativeDescriptors,
            FileKind::NativePulses,
            FileKind::NativeEvents
        ]
    );
    fs::remove_file(led.file("pulses.jsonl")).unwrap();
    let d = discover(&led.dir).unwrap();
    assert_eq!(d.missing.len(), 1);
    assert_eq!(d.missing[0].kind, FileKind::NativePulses);
    // Verification says the chain is missing; it is not silently skipped,
    // and the metadata names it, so its absence is a violation (issue 10,
    // item 3: it used to be only "incomplete").
    let v = iss_json(&["verify", "--json"], &led.dir, 1);
    assert_eq!(v["status"], "violated");
    let found = spots(&led.dir);
    assert!(
        found.contains(&("pulses".to_owned(), "MISSING_FILE".to_owned(), None)),
        "{found:?}"
    );
}

#[test]
fn a_chain_file_given_alone_is_verified_as_far_as_it_can_be() {
    let led = ledger(false);
    let lone = led.dir.parent().unwrap().join("copied-out.jsonl");
    fs::copy(led.file("descriptors.jsonl"), &lone).unwrap();
    let v = iss_json(&["verify", "--json"], &lone, 0);
    assert_eq!(v["format"], "iss-native-v1");
    assert_eq!(
        v["files"][0]["name"], "descriptors",
        "the chain is recognised by its hash"
    );
    assert_eq!(v["files"][0]["records"], 8);
    let gaps = v["files"][0]["coverage"]["not_checked"].to_string();
    assert!(gaps.contains("signed checkpoints"), "{gaps}");
    let mut lines = read_lines(&lone);
    lines[3] = lines[3].replacen("\"alice\"", "\"mallory\"", 1);
    write_lines(&lone, &lines);
    assert_eq!(spots(&lone), vec![spot("descriptors", "HASH_MISMATCH", 4)]);
}
