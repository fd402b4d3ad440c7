//! Appends, concurrent writers, keyed ledgers, rotations and repairs through the CLI.

use super::*;

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
    assert!(matches!(e, WriteError::Violated { .. }), "{e}");
    // ...and so is a change to the line it verified last.
    let mut lines = orig.clone();
    lines[16] = lines[16].replacen("\"alice\"", "\"mallory\"", 1);
    write_lines(&p, &lines);
    let e = append_descriptors(&mut wa, vec![input(1)], 1_900_000_000_000_000, false).unwrap_err();
    assert!(matches!(e, WriteError::Moved(_)), "{e}");
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
