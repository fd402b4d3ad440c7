//! Reads against the CLI, token-guarded writes, and tampering while serving.

use super::*;

#[test]
fn every_read_endpoint_answers_the_legacy_shapes_with_the_cli_values() {
    for ledger in ledgers() {
        check_reads(ledger.path());
    }
}

#[test]
fn writes_need_the_token_and_are_durable_and_verified() {
    let ledger = common::generated_ledger(21);
    let tokens = tempfile::tempdir().unwrap();
    let server = Server::start_writing(ledger.path(), tokens.path());
    let body = process_data("Served_Process").to_string();
    let (status, e) = server.post("/spice/descriptor", None, &body);
    assert_eq!(status, 401, "{e}");
    let (status, _) = server.post("/spice/descriptor", Some("wrong-token-0123456789"), &body);
    assert_eq!(status, 401);

    let (status, ack) = server.post("/spice/descriptor", Some(TOKEN), &body);
    assert_eq!(status, 200, "{ack}");
    assert_eq!(
        keys(&ack),
        ["constitutional_binding", "created_at", "descriptor_id"]
    );
    assert_eq!(ack["constitutional_binding"], "VERIFIED");
    assert!(ack["created_at"].as_str().unwrap().ends_with('Z'));
    let id = ack["descriptor_id"].as_str().unwrap();
    // Durable before the answer: on disk, and the ledger verifies.
    let last = chain_lines(ledger.path()).pop().unwrap();
    assert_eq!(last["descriptor_id"], id);
    assert_eq!(last["process_name"], "Served_Process");
    assert_eq!(last["advisory_notes"], Value::Null);
    common::iss_stdout(&["verify"], ledger.path(), &[], 0);
    // And read back at once.
    let (status, got) = server.get_json(&format!("/spice/descriptor/{id}"));
    assert_eq!(status, 200);
    assert_eq!(got, last);

    // A pulse, by GET (the legacy) and by POST.
    let glyph = common::find_file(ledger.path(), "glyph_chain.jsonl");
    let n = common::read_lines(&glyph).len();
    let mut r = server
        .agent
        .get(format!("{}/time/pulse", server.base))
        .header("authorization", format!("Bearer {TOKEN}"))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let pulse: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    let (status, pulse2) = server.post("/time/pulse", Some(TOKEN), "");
    assert_eq!(status, 200);
    let lines = common::read_lines(&glyph);
    assert_eq!(lines.len(), n + 2);
    assert_eq!(pulse, serde_json::from_str::<Value>(&lines[n]).unwrap());
    assert_eq!(
        pulse2,
        serde_json::from_str::<Value>(&lines[n + 1]).unwrap()
    );
    common::iss_stdout(&["verify"], ledger.path(), &[], 0);

    // 422: every violated field listed, nothing written.
    let (status, e) = server.post(
        "/spice/descriptor",
        Some(TOKEN),
        &json!({"process_name": "x", "capability_level": 9, "compliance_score": "high"})
            .to_string(),
    );
    assert_eq!(status, 422);
    let errors = e["detail"].as_array().unwrap();
    let find = |field: &str| {
        errors
            .iter()
            .find(|x| x["loc"] == json!(["body", field]))
            .unwrap_or_else(|| panic!("no error on {field}: {e}"))
    };
    assert_eq!(find("capability_level")["type"], "less_than_equal");
    assert_eq!(find("capability_level")["ctx"], json!({"le": 5}));
    assert_eq!(find("compliance_score")["type"], "float_parsing");
    assert_eq!(find("process_version")["type"], "missing");
    assert_eq!(find("process_version")["msg"], "Field required");
    let (status, e) = server.post("/spice/descriptor", Some(TOKEN), "{not json");
    assert_eq!(status, 422);
    assert_eq!(e["detail"][0]["type"], "json_invalid");
    let (status, e) = server.post(
        "/spice/descriptor",
        Some(TOKEN),
        &json!({"process_outcome": "great"}).to_string(),
    );
    assert_eq!(status, 422);
    assert!(
        e["detail"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["type"] == "enum")
    );
    assert_eq!(
        chain_lines(ledger.path()).pop().unwrap()["descriptor_id"],
        id
    );
    assert_eq!(server.stop(), 0);
}

#[test]
fn a_token_file_others_can_read_is_refused_before_listening() {
    use std::os::unix::fs::PermissionsExt;
    let ledger = common::generated_ledger(22);
    let tokens = tempfile::tempdir().unwrap();
    let t = harness::token_file(tokens.path());
    std::fs::set_permissions(&t, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = crate::common::iss_process()
        .arg("serve")
        .arg(ledger.path())
        .args(["--listen", "127.0.0.1:0", "--write", "--token-file"])
        .arg(&t)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mode 0600") && err.contains("0644"), "{err}");
    assert!(out.stdout.is_empty(), "it never listened");
}

#[test]
fn tampering_while_serving_turns_health_to_failed() {
    let ledger = common::generated_ledger(23);
    let server = Server::start(ledger.path(), &[]);
    assert_eq!(
        server.get_json("/health").1["spice_layer_integrity"],
        "VERIFIED"
    );
    common::edit_lines(
        &common::find_file(ledger.path(), "spice_chain.jsonl"),
        |l| common::forge_process_name(&mut l[2], "Forged"),
    );
    eventually("/health says FAILED", || {
        server.get_json("/health").1["spice_layer_integrity"] == "FAILED"
    });
    assert_eq!(
        server.get_json("/audit/verify/integrity").1["spice_layer"],
        "FAILED"
    );
    // The time chain, rewritten: VIOLATED, and /time/verify lists why.
    common::edit_lines(
        &common::find_file(ledger.path(), "glyph_chain.jsonl"),
        |l| {
            let v: Value = serde_json::from_str(&l[1]).unwrap();
            let hash = v["glyph_hash"].as_str().unwrap();
            let flipped = if hash.starts_with('0') { "1" } else { "0" };
            l[1] = l[1].replace(hash, &format!("{flipped}{}", &hash[1..]));
        },
    );
    eventually("/health says VIOLATED", || {
        server.get_json("/health").1["forensic_chain_integrity"] == "VIOLATED"
    });
    let (_, tv) = server.get_json("/time/verify");
    assert_eq!(tv["status"], "VIOLATED");
    assert_eq!(tv["integrity"], false);
    assert!(!tv["violations"].as_array().unwrap().is_empty(), "{tv}");
}
