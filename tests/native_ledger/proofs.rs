//! Proofs, pulses, discovery and a chain file given alone.

use super::*;

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
    crate::common::iss_cmd()
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
