//! `iss serve`: a real server on 127.0.0.1 and a free port, a real HTTP
//! client, a copy of the legacy reference run (skipped with a reason when
//! the shared fixtures are absent) and a generated ledger. Every answer's
//! shape is the legacy one and its values equal what `iss show`, `iss
//! find` and `iss report` say of the same ledger.

#[path = "../common/mod.rs"]
mod common;
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

mod concurrency;
mod index_verdicts;
mod reads_writes;
