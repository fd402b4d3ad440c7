//! No request body makes `iss serve` panic or answer anything but a
//! legacy-shaped outcome: random bytes, random JSON, and near-valid
//! `ProcessData` with one field of a random JSON value, against a real server.

mod common;
#[path = "serve/harness.rs"]
mod harness;

use harness::{Server, TOKEN, process_data};
use iss_workstation::ledger::model::descriptor::field_order;
use proptest::prelude::*;
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The request's fields: the descriptor's, from the model's one definition,
/// less those the service computes itself.
fn fields() -> Vec<&'static str> {
    const COMPUTED: [&str; 5] = [
        "descriptor_id",
        "assessed_at",
        "advisory_notes",
        "prev_descriptor_hash",
        "descriptor_hash",
    ];
    let fields: Vec<_> = field_order().filter(|f| !COMPUTED.contains(f)).collect();
    // The valid body the cases start from has exactly these fields.
    let mut sent: Vec<_> = process_data("x")
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut expected: Vec<_> = fields.iter().map(|f| (*f).to_owned()).collect();
    sent.sort();
    expected.sort();
    assert_eq!(sent, expected);
    fields
}

fn post_raw(server: &Server, body: &[u8]) -> (u16, Value) {
    let mut r = server
        .agent
        .post(format!("{}/spice/descriptor", server.base))
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .send(body)
        .unwrap();
    let text = r.body_mut().read_to_string().unwrap();
    let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("a JSON answer: {e}: {text}"));
    (r.status().as_u16(), v)
}

fn legacy_outcome(status: u16, answer: &Value) -> Result<(), TestCaseError> {
    match status {
        200 => prop_assert!(answer["descriptor_id"].is_string(), "{answer}"),
        422 => {
            let items = answer["detail"].as_array();
            prop_assert!(items.is_some_and(|i| !i.is_empty()), "{answer}");
            for item in items.unwrap() {
                prop_assert!(
                    item["loc"].is_array() && item["msg"].is_string() && item["type"].is_string(),
                    "{item}"
                );
            }
        }
        413 => {}
        other => prop_assert!(false, "status {other}: {answer}"),
    }
    Ok(())
}

#[test]
fn no_body_makes_the_server_fail() {
    let ledger = common::generated_ledger(41);
    let tokens = tempfile::tempdir().unwrap();
    let server = Server::start_writing(ledger.path(), tokens.path());
    let config = ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(bytes in prop::collection::vec(any::<u8>(), 0..256))| {
        let (status, answer) = post_raw(&server, &bytes);
        legacy_outcome(status, &answer)?;
    });
    proptest!(config, |(v in json_value())| {
        let (status, answer) = post_raw(&server, v.to_string().as_bytes());
        legacy_outcome(status, &answer)?;
    });
    let fields = fields();
    proptest!(config, |(field in 0..fields.len(), v in json_value())| {
        let mut body = process_data("Fuzzed");
        body[fields[field]] = v;
        let (status, answer) = post_raw(&server, body.to_string().as_bytes());
        legacy_outcome(status, &answer)?;
    });
    // Too large: refused, and the server still answers.
    let big = vec![b' '; 2 << 20];
    let sent = server
        .agent
        .post(format!("{}/spice/descriptor", server.base))
        .header("authorization", format!("Bearer {TOKEN}"))
        .send(&big[..]);
    // The server answers 413 as soon as the length is known, and may close
    // the connection before the client has sent it all (a broken pipe on
    // the client's side): either way the body was refused.
    match sent {
        Ok(mut r) => {
            assert_eq!(r.status().as_u16(), 413);
            // The body was not read: the connection must not be reused
            // (without this, the GET below could land on a closed socket).
            assert_eq!(
                r.headers().get("connection").and_then(|v| v.to_str().ok()),
                Some("close")
            );
            let _ = r.body_mut().read_to_string();
        }
        Err(ureq::Error::Io(e)) => assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
            ),
            "{e}"
        ),
        Err(e) => panic!("{e}"),
    }
    assert_eq!(server.get("/health").0, 200);
    // Everything acknowledged verifies.
    common::iss_stdout(&["verify"], ledger.path(), &[], 0);
    assert_eq!(server.stop(), 0);
}
