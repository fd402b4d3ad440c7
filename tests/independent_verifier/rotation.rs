//! Key rotations: who may sign what, before and after a rotation.

use super::*;

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
