//! `iss serve`'s `OpenAPI` document is generated from the code, and every
//! endpoint's answers (each status a test can provoke) validate against
//! the schema the document gives for that path, method and status.

mod common;
#[path = "serve/harness.rs"]
mod harness;

use harness::{Server, TOKEN, process_data};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The schema `doc` gives the answer of `method template` with `status`,
/// as a document whose `$ref`s resolve within it.
fn schema_for(doc: &Value, template: &str, method: &str, status: u16) -> Value {
    let op = &doc["paths"][template][method];
    assert!(op.is_object(), "{method} {template} is in the document");
    let schema = &op["responses"][status.to_string()]["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{method} {template} documents its {status} answer"
    );
    let mut root = schema.clone();
    root["components"] = doc["components"].clone();
    root
}

fn request(
    server: &Server,
    method: &str,
    url: &str,
    body: Option<&str>,
    token: bool,
) -> (u16, Value) {
    if method == "post" {
        return server.post(url, token.then_some(TOKEN), body.unwrap_or(""));
    }
    let mut req = server.agent.get(format!("{}{url}", server.base));
    if token {
        req = req.header("authorization", format!("Bearer {TOKEN}"));
    }
    let mut r = req.call().unwrap();
    let text = r.body_mut().read_to_string().unwrap();
    (r.status().as_u16(), serde_json::from_str(&text).unwrap())
}

/// Method, path template, URL, body, with the token, expected status.
type Case<'a> = (&'a str, &'a str, String, Option<&'a str>, bool, u16);

#[test]
#[allow(clippy::too_many_lines)] // one table of cases, one loop
fn every_answer_validates_against_the_generated_schema() {
    let ledger = common::generated_ledger(31);
    let tokens = tempfile::tempdir().unwrap();
    let server = Server::start_writing(ledger.path(), tokens.path());
    let (status, doc) = server.get_json("/openapi.json");
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let chain = common::read_lines(&common::find_file(ledger.path(), "spice_chain.jsonl"));
    let first: Value = serde_json::from_str(&chain[0]).unwrap();
    let id = first["descriptor_id"].as_str().unwrap();
    let glyph = first["glyph_range_start"].as_str().unwrap();
    let good = process_data("Schema_Check").to_string();
    let bad = json!({"capability_level": 7}).to_string();
    let cases: Vec<Case<'_>> = vec![
        ("get", "/health", "/health".into(), None, false, 200),
        (
            "get",
            "/audit/verify/integrity",
            "/audit/verify/integrity".into(),
            None,
            false,
            200,
        ),
        (
            "get",
            "/time/verify",
            "/time/verify".into(),
            None,
            false,
            200,
        ),
        (
            "get",
            "/time/history",
            "/time/history?limit=5".into(),
            None,
            false,
            200,
        ),
        (
            "get",
            "/time/history",
            "/time/history?limit=0".into(),
            None,
            false,
            422,
        ),
        ("get", "/time/pulse", "/time/pulse".into(), None, true, 200),
        ("get", "/time/pulse", "/time/pulse".into(), None, false, 401),
        ("post", "/time/pulse", "/time/pulse".into(), None, true, 200),
        (
            "post",
            "/spice/descriptor",
            "/spice/descriptor".into(),
            Some(&good),
            true,
            200,
        ),
        (
            "post",
            "/spice/descriptor",
            "/spice/descriptor".into(),
            Some(&bad),
            true,
            422,
        ),
        (
            "post",
            "/spice/descriptor",
            "/spice/descriptor".into(),
            Some("{"),
            true,
            422,
        ),
        (
            "post",
            "/spice/descriptor",
            "/spice/descriptor".into(),
            Some(&good),
            false,
            401,
        ),
        (
            "get",
            "/spice/descriptor/{id}",
            format!("/spice/descriptor/{id}"),
            None,
            false,
            200,
        ),
        (
            "get",
            "/spice/descriptor/{id}",
            "/spice/descriptor/none".into(),
            None,
            false,
            404,
        ),
        (
            "get",
            "/spice/find/glyph/{hash}",
            format!("/spice/find/glyph/{glyph}"),
            None,
            false,
            200,
        ),
        (
            "get",
            "/spice/find/apriori/{id}",
            "/spice/find/apriori/apriori:x".into(),
            None,
            false,
            200,
        ),
        (
            "get",
            "/spice/capability/report",
            "/spice/capability/report".into(),
            None,
            false,
            200,
        ),
        (
            "get",
            "/audit/trail/{id}",
            format!("/audit/trail/{id}"),
            None,
            false,
            200,
        ),
        (
            "get",
            "/audit/trail/{id}",
            "/audit/trail/none".into(),
            None,
            false,
            404,
        ),
        (
            "get",
            "/vault/status",
            "/vault/status".into(),
            None,
            false,
            200,
        ),
    ];
    // The check is not vacuous: a wrong shape fails it, through the `$ref`.
    let health = jsonschema::validator_for(&schema_for(&doc, "/health", "get", 200)).unwrap();
    assert!(!health.is_valid(&json!({"status": 1})));
    let one =
        jsonschema::validator_for(&schema_for(&doc, "/spice/descriptor/{id}", "get", 200)).unwrap();
    assert!(!one.is_valid(&json!({"descriptor_id": "x"})));
    let mut covered = BTreeSet::new();
    for (method, template, url, body, token, want) in &cases {
        let (status, answer) = request(&server, method, url, *body, *token);
        assert_eq!(status, *want, "{method} {url}: {answer}");
        let schema = schema_for(&doc, template, method, status);
        let validator = jsonschema::validator_for(&schema)
            .unwrap_or_else(|e| panic!("{method} {template} {status}: the schema compiles: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(&answer)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {url} ({status}) does not match its schema: {errors:?}\n{answer}"
        );
        covered.insert(((*template).to_owned(), (*method).to_owned()));
    }
    // Every operation of the document was exercised.
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (p.clone(), m.clone()))
        })
        .collect();
    assert_eq!(documented, covered);
    // The docs page is generated from the same document.
    let (status, page) = server.get("/docs");
    assert_eq!(status, 200);
    for (path, _) in &documented {
        assert!(page.contains(path.as_str()), "/docs lists {path}");
    }
}

#[test]
fn a_native_pulse_and_an_empty_report_validate_too() {
    let native = common::new_native("serve.test/openapi", false);
    let tokens = tempfile::tempdir().unwrap();
    let server = Server::start_writing(&native.dir, tokens.path());
    let (_, doc) = server.get_json("/openapi.json");
    for (method, template, url) in [
        (
            "get",
            "/spice/capability/report",
            "/spice/capability/report",
        ),
        ("get", "/time/verify", "/time/verify"),
        ("post", "/time/pulse", "/time/pulse"),
        ("get", "/time/history", "/time/history"),
    ] {
        let (status, answer) = request(&server, method, url, None, true);
        assert_eq!(status, 200, "{url}: {answer}");
        let schema = schema_for(&doc, template, method, status);
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&answer)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{url}: {errors:?}\n{answer}");
    }
}
