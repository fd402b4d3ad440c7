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
