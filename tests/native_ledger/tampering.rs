//! Clean ledgers, and each kind of tampering found where it happened.

use super::*;

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
        let (new, hash) = iss_workstation::ledger::native::format::record::build_line_raw(
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

    // One character changed in the signature under the chain's origin name
    // (FORMAT.md §7.1; the same key signs under the ledger's name and the
    // origin's): that line must verify too (a miss the fuzzer found: it
    // was treated as a signature by an unknown key).
    let entry: serde_json::Value = serde_json::from_str(&orig[1]).unwrap();
    let note = entry["note"].as_str().unwrap().to_owned();
    let prefix = "\u{2014} iss.test/native/descriptors ";
    let at = note.find(prefix).expect("an origin-named signature line") + prefix.len() + 20;
    let mut changed = note.into_bytes();
    changed[at] = if changed[at] == b'A' { b'B' } else { b'A' };
    let mut forged = orig.clone();
    forged[1] = HistoryLine {
        size: entry["size"].as_u64().unwrap(),
        note: String::from_utf8(changed).unwrap(),
    }
    .to_line();
    write_lines(&hist, &forged);
    let s = spots(&led.dir);
    assert!(
        s.contains(&spot("descriptors_checkpoints", "SIGNATURE_INVALID", 2)),
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
        Err(WriteError::Violated { .. })
    ));
}
