//! `iss serve`: a real server on 127.0.0.1 and a free port, a real HTTP
//! client, a copy of the legacy reference run (skipped with a reason when
//! the shared fixtures are absent) and a generated ledger. Every answer's
//! shape is the legacy one and its values equal what `iss show`, `iss
//! find` and `iss report` say of the same ledger.

mod common;
#[path = "serve/harness.rs"]
mod harness;

use harness::{Server, TOKEN, eventually, process_data};
use serde_json::{Value, json};
use std::path::Path;

/// The ledgers every read test runs on: a generated one, and a copy of the
/// reference run when present.
fn ledgers() -> Vec<tempfile::TempDir> {
    common::genuine_ledgers()
        .into_iter()
        .map(|g| {
            let dir = tempfile::tempdir().unwrap();
            g.materialise(dir.path());
            dir
        })
        .collect()
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

fn chain_lines(ledger: &Path) -> Vec<Value> {
    let chain = common::find_file(ledger, "spice_chain.jsonl");
    common::read_lines(&chain)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn check_reads(ledger: &Path) {
    let server = Server::start(ledger, &[]);
    check_verdicts(&server, ledger);
    check_lookups(&server, ledger);
    check_capability(&server, ledger);
    check_errors(&server, ledger);
    assert_eq!(server.stop(), 0, "SIGTERM ends the server with 0");
}

fn check_verdicts(server: &Server, ledger: &Path) {
    let (status, health) = server.get_json("/health");
    assert_eq!(status, 200);
    assert_eq!(
        keys(&health),
        [
            "constitutional_compliance",
            "forensic_chain_integrity",
            "spice_layer_integrity",
            "status",
            "timestamp",
            "vault_contamination"
        ]
    );
    // A genuine chain is clean (the legacy service said VIOLATED: its time
    // verifier is wrong).
    assert_eq!(health["status"], "healthy");
    assert_eq!(health["forensic_chain_integrity"], "CLEAN");
    assert_eq!(health["spice_layer_integrity"], "VERIFIED");
    assert!(health["timestamp"].as_str().unwrap().ends_with('Z'));

    let (status, integrity) = server.get_json("/audit/verify/integrity");
    assert_eq!(status, 200);
    assert_eq!(integrity["forensic_chain"], "CLEAN");
    assert_eq!(integrity["spice_layer"], "VERIFIED");
    assert_eq!(integrity["vault_contamination"], "NONE");
    assert_eq!(integrity["constitutional_compliance"], "VERIFIED");

    let glyph_lines = common::read_lines(&common::find_file(ledger, "glyph_chain.jsonl"));
    let (status, tv) = server.get_json("/time/verify");
    assert_eq!(status, 200);
    assert_eq!(tv["status"], "CLEAN");
    assert_eq!(tv["integrity"], true);
    assert_eq!(tv["violations"], json!([]));
    assert_eq!(tv["pulses"], glyph_lines.len());

    let (status, history) = server.get_json("/time/history?limit=3");
    assert_eq!(status, 200);
    let want: Vec<Value> = glyph_lines[glyph_lines.len() - 3..]
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(history["pulses"], Value::Array(want));
    let (_, history) = server.get_json("/time/history");
    assert_eq!(
        history["pulses"].as_array().unwrap().len(),
        glyph_lines.len().min(100)
    );
}

fn check_lookups(server: &Server, ledger: &Path) {
    // Every descriptor by id equals `iss show --json`'s record.
    let lines = chain_lines(ledger);
    for line in lines.iter().step_by(7) {
        let id = line["descriptor_id"].as_str().unwrap();
        let (status, got) = server.get_json(&format!("/spice/descriptor/{id}"));
        assert_eq!(status, 200);
        let show: Value =
            serde_json::from_str(&common::iss_stdout(&["show", "--json"], ledger, &[id], 0))
                .unwrap();
        assert_eq!(got, show["match"]["record"], "descriptor {id}");
        assert_eq!(got, *line);

        let (status, trail) = server.get_json(&format!("/audit/trail/{id}"));
        assert_eq!(status, 200);
        assert_eq!(
            keys(&trail),
            [
                "how_it_happened",
                "vault_pointers",
                "what_happened",
                "what_was_learned",
                "why_it_happened"
            ]
        );
        assert_eq!(trail["what_happened"]["process"], line["process_name"]);
        assert_eq!(
            trail["how_it_happened"]["capability_level"],
            line["capability_level"]
        );
        assert_eq!(
            trail["why_it_happened"]["apriori_constraints"],
            line["apriori_refs"]
        );
        assert!(
            trail["vault_pointers"]
                .as_object()
                .unwrap()
                .values()
                .all(Value::is_string)
        );
    }

    // Find by glyph and by a-priori reference equal `iss find --json`.
    let glyph = lines[0]["glyph_range_start"].as_str().unwrap();
    let (status, found) = server.get_json(&format!("/spice/find/glyph/{glyph}"));
    assert_eq!(status, 200);
    let cli = common::iss_stdout(
        &["find", "--json", "--limit", "0", "--glyph", glyph],
        ledger,
        &[],
        0,
    );
    let cli: Value = serde_json::from_str(&cli).unwrap();
    let want: Vec<&Value> = cli["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["record"])
        .collect();
    assert!(!want.is_empty());
    assert_eq!(found["count"], want.len());
    assert_eq!(
        found["descriptors"]
            .as_array()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        want
    );
    if let Some(reference) = lines
        .iter()
        .find_map(|l| l["apriori_refs"].as_array().and_then(|a| a.first()))
    {
        let r = reference.as_str().unwrap();
        let (_, found) = server.get_json(&format!("/spice/find/apriori/{r}"));
        let cli = common::iss_stdout(
            &["find", "--json", "--limit", "0", "--apriori", r],
            ledger,
            &[],
            0,
        );
        let cli: Value = serde_json::from_str(&cli).unwrap();
        assert_eq!(found["count"], cli["total"]);
    }
    let (status, none) = server.get_json("/spice/find/glyph/no-such-glyph");
    assert_eq!(status, 200);
    assert_eq!(none, json!({"descriptors": [], "count": 0}));
}

fn check_capability(server: &Server, ledger: &Path) {
    let lines = chain_lines(ledger);
    // The capability report equals `iss report maturity --json`.
    let (status, cap) = server.get_json("/spice/capability/report");
    assert_eq!(status, 200);
    let report = common::iss_json(&["report", "maturity", "--json"], ledger, 0);
    let dist = &report["maturity"]["distribution"];
    assert_eq!(cap["total_processes"], dist["verified"]);
    for level in dist["levels"].as_array().unwrap() {
        let k = level["level"].to_string();
        assert_eq!(
            cap["capability_distribution"][&k], level["count"],
            "level {k}"
        );
        let p = cap["percentages"][&k].as_f64().unwrap();
        assert!((p - level["percent"].as_f64().unwrap()).abs() < 1e-9);
    }
    assert!(
        (cap["average_capability"].as_f64().unwrap() - dist["average_level"].as_f64().unwrap())
            .abs()
            < 1e-9
    );
    let mut types: Vec<&str> = cap["process_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // First seen first, as the legacy answered.
    assert_eq!(types[0], lines[0]["process_name"]);
    types.sort_unstable();
    let mut names: Vec<&str> = report["maturity"]["scope"]["processes"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(types, names);
    assert_eq!(cap["chain_hash"], lines.last().unwrap()["descriptor_hash"]);

    let (status, vault) = server.get_json("/vault/status");
    assert_eq!(status, 200);
    assert_eq!(vault["apriori_vault"], "READ_ONLY_ACCESS");
    assert_eq!(vault["contamination_status"], "NONE");
}

fn check_errors(server: &Server, ledger: &Path) {
    // 404s, in FastAPI's shape.
    assert_eq!(
        server.get_json("/spice/descriptor/0000000000000000"),
        (404, json!({"detail": "Descriptor not found"}))
    );
    assert_eq!(
        server.get_json("/audit/trail/0000000000000000"),
        (404, json!({"detail": "Descriptor not found"}))
    );
    assert_eq!(
        server.get_json("/no/such/path"),
        (404, json!({"detail": "Not Found"}))
    );

    // 422s, in FastAPI's shape.
    let (status, e) = server.get_json("/time/history?limit=5000");
    assert_eq!(status, 422);
    assert_eq!(
        e,
        json!({"detail": [{"type": "less_than_equal", "loc": ["query", "limit"],
            "msg": "Input should be less than or equal to 1000", "input": "5000", "ctx": {"le": 1000}}]})
    );
    let (status, e) = server.get_json("/time/history?limit=0");
    assert_eq!(status, 422);
    assert_eq!(e["detail"][0]["type"], "greater_than_equal");
    let (status, e) = server.get_json("/time/history?limit=ten");
    assert_eq!(status, 422);
    assert_eq!(e["detail"][0]["type"], "int_parsing");

    // Read-only: writes are refused with 403, and nothing is written.
    let before = std::fs::read(common::find_file(ledger, "spice_chain.jsonl")).unwrap();
    let (status, e) = server.post(
        "/spice/descriptor",
        Some(TOKEN),
        &process_data("X").to_string(),
    );
    assert_eq!(status, 403, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("read-only"));
    assert_eq!(server.get("/time/pulse").0, 403);
    assert_eq!(
        std::fs::read(common::find_file(ledger, "spice_chain.jsonl")).unwrap(),
        before
    );
}

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
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_iss"))
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

#[test]
fn concurrent_posts_are_committed_in_groups_and_all_durable() {
    let ledger = common::generated_ledger(24);
    let tokens = tempfile::tempdir().unwrap();
    let server = Server::start_writing(ledger.path(), tokens.path());
    let n = 48;
    let ids: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let server = &server;
                s.spawn(move || {
                    let (status, ack) = server.post(
                        "/spice/descriptor",
                        Some(TOKEN),
                        &process_data(&format!("Concurrent_{i}")).to_string(),
                    );
                    assert_eq!(status, 200, "{ack}");
                    ack["descriptor_id"].as_str().unwrap().to_owned()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let stored: std::collections::HashSet<String> = chain_lines(ledger.path())
        .iter()
        .map(|l| l["descriptor_id"].as_str().unwrap().to_owned())
        .collect();
    for id in &ids {
        assert!(stored.contains(id), "acknowledged {id} is in the chain");
    }
    let (_, metrics) = server.get("/metrics");
    let value = |name: &str| -> u64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    assert_eq!(value("iss_commit_records "), n);
    let batches = value("iss_commit_batches ");
    eprintln!("{n} concurrent POSTs committed in {batches} batches");
    assert!(
        batches < n,
        "group commit: {batches} batches for {n} records"
    );
    common::iss_stdout(&["verify"], ledger.path(), &[], 0);
}

#[test]
fn the_server_and_iss_append_write_one_ledger_at_once() {
    let ledger = common::generated_ledger(25);
    let tokens = tempfile::tempdir().unwrap();
    let server = Server::start_writing(ledger.path(), tokens.path());
    let path = ledger.path().to_path_buf();
    std::thread::scope(|s| {
        let outside = s.spawn(|| {
            for i in 0..6 {
                common::append_descriptor_cli(&path, &format!("Outside_{i}"), &[]);
            }
        });
        for i in 0..12 {
            let (status, ack) = server.post(
                "/spice/descriptor",
                Some(TOKEN),
                &process_data(&format!("Served_{i}")).to_string(),
            );
            assert_eq!(status, 200, "{ack}");
        }
        outside.join().unwrap();
    });
    let lines = chain_lines(ledger.path());
    let count = |prefix: &str| {
        lines
            .iter()
            .filter(|l| l["process_name"].as_str().unwrap().starts_with(prefix))
            .count()
    };
    assert_eq!((count("Outside_"), count("Served_")), (6, 12));
    common::iss_stdout(&["verify"], ledger.path(), &[], 0);
    // The server saw the outside appends too.
    let last = lines.last().unwrap()["descriptor_id"]
        .as_str()
        .unwrap()
        .to_owned();
    eventually("the last record is served", || {
        server.get(&format!("/spice/descriptor/{last}")).0 == 200
    });
}

#[test]
fn a_native_ledger_is_served_and_written_the_same_way() {
    let native = common::new_native("serve.test/ledger", false);
    let tokens = tempfile::tempdir().unwrap();
    let server = Server::start_writing(&native.dir, tokens.path());
    let (status, cap) = server.get_json("/spice/capability/report");
    assert_eq!((status, cap), (200, json!({"status": "NO_DATA"})));
    let mut ids = Vec::new();
    for i in 0..3 {
        let (status, ack) = server.post(
            "/spice/descriptor",
            Some(TOKEN),
            &process_data(&format!("Native_{i}")).to_string(),
        );
        assert_eq!(status, 200, "{ack}");
        ids.push(ack["descriptor_id"].as_str().unwrap().to_owned());
    }
    for id in &ids {
        let (status, got) = server.get_json(&format!("/spice/descriptor/{id}"));
        assert_eq!(status, 200);
        let show: Value = serde_json::from_str(&common::iss_stdout(
            &["show", "--json"],
            &native.dir,
            &[id],
            0,
        ))
        .unwrap();
        assert_eq!(got, show["match"]["record"]);
    }
    let (status, pulse) = server.post("/time/pulse", Some(TOKEN), "");
    assert_eq!(status, 200, "{pulse}");
    for k in [
        "tai_ns",
        "utc_iso",
        "et_s",
        "julian_date",
        "glyph_hash",
        "chain_hash",
    ] {
        assert!(pulse.get(k).is_some(), "{k} in {pulse}");
    }
    let (_, history) = server.get_json("/time/history");
    assert_eq!(
        history["pulses"].as_array().unwrap().last().unwrap(),
        &pulse
    );
    let (_, health) = server.get_json("/health");
    assert_eq!(health["spice_layer_integrity"], "VERIFIED", "{health}");
    let (_, cap) = server.get_json("/spice/capability/report");
    assert_eq!(cap["total_processes"], 3);
    assert_eq!(server.stop(), 0);
    // Unsigned records are a warning, not a violation.
    common::iss_stdout(&["verify"], &native.dir, &[], 0);
}

#[test]
fn a_kill_9_under_write_load_loses_no_acknowledged_record() {
    let ledger = common::generated_ledger(26);
    let tokens = tempfile::tempdir().unwrap();
    let mut server = Server::start_writing(ledger.path(), tokens.path());
    let acked = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for t in 0..8 {
            let (base, acked) = (server.base.clone(), &acked);
            s.spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                for i in 0.. {
                    let body = process_data(&format!("Load_{t}_{i}")).to_string();
                    let Ok(mut r) = agent
                        .post(format!("{base}/spice/descriptor"))
                        .header("authorization", format!("Bearer {TOKEN}"))
                        .send(body)
                    else {
                        return; // the server is gone
                    };
                    let Ok(text) = r.body_mut().read_to_string() else {
                        return;
                    };
                    if r.status().as_u16() == 200 {
                        let v: Value = serde_json::from_str(&text).unwrap();
                        acked
                            .lock()
                            .unwrap()
                            .push(v["descriptor_id"].as_str().unwrap().to_owned());
                    }
                }
            });
        }
        eventually("some records acknowledged", || {
            acked.lock().unwrap().len() >= 40
        });
        server.child.kill().unwrap(); // SIGKILL
        server.child.wait().unwrap();
    });
    // A torn last line is cut by `iss repair`; nothing acknowledged is lost.
    common::iss_stdout(&["repair"], ledger.path(), &[], 0);
    common::iss_stdout(&["verify"], ledger.path(), &[], 0);
    let stored: std::collections::HashSet<String> = chain_lines(ledger.path())
        .iter()
        .map(|l| l["descriptor_id"].as_str().unwrap().to_owned())
        .collect();
    let acked = acked.into_inner().unwrap();
    eprintln!("{} acknowledged before the kill", acked.len());
    for id in &acked {
        assert!(stored.contains(id), "acknowledged {id} survived kill -9");
    }
}
