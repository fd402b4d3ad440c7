//! The read state takes in an appended line only with the verdict the
//! watcher (or our own writer) gave it: a forged line appended by another
//! process is answered as excluded, never as verified, even when the line
//! after it verifies and the index reads both at once.

use super::*;
use iss_workstation::ledger::legacy::format::line_builder::descriptor_hash;

/// `template` as a new record: `id`, `process`, after the record whose
/// hash is `prev`, carrying `hash` as its own (`None`: the right one).
fn record_after(
    template: &Value,
    id: &str,
    process: &str,
    prev: &str,
    hash: Option<&str>,
) -> String {
    let mut v = template.clone();
    v["descriptor_id"] = json!(id);
    v["process_name"] = json!(process);
    v["prev_descriptor_hash"] = json!(prev);
    let right = descriptor_hash(id, process, v["assessed_at"].as_str().unwrap(), prev);
    v["descriptor_hash"] = json!(hash.unwrap_or(&right));
    v.to_string()
}

#[test]
fn a_forged_line_appended_before_a_good_one_is_answered_as_excluded() {
    let ledger = common::generated_ledger(31);
    let server = Server::start(ledger.path(), &[]);
    let (_, report) = server.get_json("/spice/capability/report");
    let before = report["total_processes"].as_u64().unwrap();
    let chain = common::find_file(ledger.path(), "spice_chain.jsonl");
    let last = chain_lines(ledger.path()).pop().unwrap();
    let head = last["descriptor_hash"].as_str().unwrap();
    // The forger's line carries the hash of other contents (it says
    // `Genuine_Process`, its text says `Forged_Process`); the next line
    // chains to that hash correctly, so it verifies on its own.
    let claimed = descriptor_hash(
        "f0f0f0f0f0f0f0f0",
        "Genuine_Process",
        last["assessed_at"].as_str().unwrap(),
        head,
    );
    let forged = record_after(
        &last,
        "f0f0f0f0f0f0f0f0",
        "Forged_Process",
        head,
        Some(&claimed),
    );
    let after = record_after(&last, "a0a0a0a0a0a0a0a0", "After_Forged", &claimed, None);
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&chain)
            .unwrap();
        f.write_all(format!("{forged}\n{after}\n").as_bytes())
            .unwrap();
        f.sync_all().unwrap();
    }
    eventually("/health says FAILED", || {
        server.get_json("/health").1["spice_layer_integrity"] == "FAILED"
    });
    eventually("the good line after it is served", || {
        server.get("/spice/descriptor/a0a0a0a0a0a0a0a0").0 == 200
    });
    let verdict = |id: &str| {
        let (status, trail) = server.get_json(&format!("/audit/trail/{id}"));
        assert_eq!(status, 200, "{trail}");
        trail["vault_pointers"]["verdict"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let forged_verdict = verdict("f0f0f0f0f0f0f0f0");
    assert!(
        forged_verdict.starts_with("excluded: ") && forged_verdict.contains("line"),
        "the forged line is not verified: {forged_verdict}"
    );
    assert_eq!(verdict("a0a0a0a0a0a0a0a0"), "verified");
    // The report counts the verified records only: the one good line.
    let (_, report) = server.get_json("/spice/capability/report");
    assert_eq!(report["total_processes"].as_u64().unwrap(), before + 1);
    // The same verdict on it as a full verification gives. (Not on the
    // line after it: live, that line verifies and awaits its manifest
    // line, as `iss watch` says; a full verification now also finds the
    // manifest behind the chain and implicates both lines.)
    let restarted = Server::start(ledger.path(), &[]);
    let (_, trail) = restarted.get_json("/audit/trail/f0f0f0f0f0f0f0f0");
    assert_eq!(
        trail["vault_pointers"]["verdict"].as_str().unwrap(),
        forged_verdict
    );
}

/// The line of `record` with its MAC changed: the hash chain still holds
/// (the hash does not cover the MAC), the key id is the ledger's; only the
/// HMAC key tells it is not the ledger's MAC.
fn with_forged_mac(record: &str) -> String {
    let v: Value = serde_json::from_str(record).unwrap();
    // `KEYID:MAC`: the key id kept, the MAC's last digit changed.
    let mac = v["mac"].as_str().unwrap();
    let flipped = if mac.ends_with('0') { "1" } else { "0" };
    record.replace(mac, &format!("{}{flipped}", &mac[..mac.len() - 1]))
}

#[test]
fn a_read_only_server_given_the_hmac_key_checks_appended_macs() {
    use iss_workstation::ledger::native::format::record::{build_line_raw, parse_fields};
    use iss_workstation::ledger::native::secret::MacKey;
    let native = common::new_native("serve.test/forged-mac", true);
    let mac_path = native.mac.clone().unwrap();
    let key_args = ["--mac-key".as_ref(), mac_path.as_os_str()];
    common::append_descriptor_cli(&native.dir, "Keyed_0", &key_args);
    let server = Server::start(&native.dir, &key_args);
    assert_eq!(
        server.get_json("/health").1["spice_layer_integrity"],
        "VERIFIED"
    );
    // The forger appends a record chained to the last, with a MAC under
    // the ledger's key id that is not the ledger's MAC.
    let chain = native.dir.join("descriptors.jsonl");
    let last = common::read_lines(&chain).pop().unwrap();
    let (fields, _) = parse_fields(&last).unwrap();
    let mut body: Value = serde_json::from_str(fields.body).unwrap();
    body["descriptor_id"] = json!("f0f0f0f0f0f0f0f1");
    body["process_name"] = json!("Forged_Mac");
    let key = MacKey::read(&mac_path).unwrap();
    let (line, _) = build_line_raw(
        "descriptors",
        fields.seq + 1,
        fields.hash,
        &body.to_string(),
        Some(&key),
    )
    .unwrap();
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&chain)
            .unwrap();
        writeln!(f, "{}", with_forged_mac(&line)).unwrap();
    }
    eventually("/health says FAILED", || {
        server.get_json("/health").1["spice_layer_integrity"] == "FAILED"
    });
    eventually("the forged record is indexed", || {
        server.get("/spice/descriptor/f0f0f0f0f0f0f0f1").0 == 200
    });
    let (_, trail) = server.get_json("/audit/trail/f0f0f0f0f0f0f0f1");
    let verdict = trail["vault_pointers"]["verdict"].as_str().unwrap();
    assert!(verdict.starts_with("excluded: MAC"), "{verdict}");
}
