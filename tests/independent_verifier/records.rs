//! Clean and keyed ledgers, and edits to records, metadata, checkpoints and MACs.

use super::*;

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
