//! Rotations, repairs, rolled-back or deleted checkpoints, deleted chains and migrated ledgers.

use super::*;

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
