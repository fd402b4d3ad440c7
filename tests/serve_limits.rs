//! `iss serve` at its edges: a body over `--body-limit` is answered 413 in
//! the legacy `{"detail": ...}` shape like every other error, and a keyed
//! native ledger is written through the server with the same `--key` and
//! `--mac-key` as `iss append`.

mod common;
#[path = "serve/harness.rs"]
mod harness;

use harness::{Server, TOKEN, process_data, token_file};
use std::io::{Read, Write};
use std::net::TcpStream;

/// One request on a raw connection (the whole body fits the socket
/// buffers, so the server can answer before reading it without the client
/// seeing a broken pipe): the status line, headers and body of the answer.
fn raw_post(base: &str, path: &str, body: &[u8]) -> (u16, String, String) {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(body);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (headers, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = headers
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {headers}"));
    (status, headers.to_ascii_lowercase(), body.to_owned())
}

#[test]
fn a_body_over_the_limit_is_answered_413_with_a_detail() {
    let ledger = common::generated_ledger(43);
    let tokens = tempfile::tempdir().unwrap();
    let t = token_file(tokens.path());
    let server = Server::start(
        ledger.path(),
        &[
            "--write".as_ref(),
            "--token-file".as_ref(),
            t.as_os_str(),
            "--body-limit".as_ref(),
            "1024".as_ref(),
        ],
    );
    // Valid JSON, padded past the limit.
    let mut body = process_data("Too_Big").to_string();
    body.insert_str(1, &" ".repeat(2000));
    let (status, headers, text) = raw_post(&server.base, "/spice/descriptor", body.as_bytes());
    assert_eq!(status, 413, "{headers}\n{text}");
    assert!(
        headers.contains("content-type: application/json"),
        "{headers}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("a JSON answer: {e}: {text}"));
    let detail = v["detail"].as_str().unwrap_or_else(|| panic!("{v}"));
    assert!(detail.contains("at most 1024 bytes"), "{detail}");
    assert_eq!(v.as_object().unwrap().len(), 1, "{v}");
    // The same record under the limit is taken.
    let (status, ack) = server.post(
        "/spice/descriptor",
        Some(TOKEN),
        &process_data("Small").to_string(),
    );
    assert_eq!(status, 200, "{ack}");
    assert_eq!(server.stop(), 0);
    common::iss_stdout(&["verify"], ledger.path(), &[], 0);
}

#[test]
fn a_keyed_native_ledger_is_written_with_the_keys_iss_append_takes() {
    let native = common::new_native("serve.test/keyed", true);
    let mac = native.mac.clone().unwrap();
    let tokens = tempfile::tempdir().unwrap();
    let t = token_file(tokens.path());
    let write = ["--write".as_ref(), "--token-file".as_ref(), t.as_os_str()];

    // Without the HMAC key the ledger refuses the write, and says which key.
    let server = Server::start(&native.dir, &write);
    let (status, answer) = server.post(
        "/spice/descriptor",
        Some(TOKEN),
        &process_data("No_Key").to_string(),
    );
    assert_eq!(status, 503, "{answer}");
    let detail = answer["detail"].as_str().unwrap();
    assert!(detail.contains("--mac-key"), "{detail}");
    assert_eq!(server.stop(), 0);

    let mut args = write.to_vec();
    args.extend(["--key".as_ref(), native.key.as_os_str()]);
    args.extend(["--mac-key".as_ref(), mac.as_os_str()]);
    let server = Server::start(&native.dir, &args);
    let mut ids = Vec::new();
    for i in 0..2 {
        let (status, ack) = server.post(
            "/spice/descriptor",
            Some(TOKEN),
            &process_data(&format!("Keyed_{i}")).to_string(),
        );
        assert_eq!(status, 200, "{ack}");
        ids.push(ack["descriptor_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(server.stop(), 0);
    // Each record carries a MAC under the ledger's key, the batch is signed
    // in a checkpoint, and the ledger verifies with the MACs checked.
    let lines = common::read_lines(&native.dir.join("descriptors.jsonl"));
    for id in &ids {
        let line = lines.iter().find(|l| l.contains(id.as_str())).unwrap();
        assert!(line.contains("\"mac\""), "{line}");
    }
    let out = common::iss_stdout(
        &["verify", "--json", "--mac-key"],
        mac.as_path(),
        &[native.dir.to_str().unwrap()],
        0,
    );
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["status"], "clean", "{report}");
    let history = std::fs::read_to_string(native.dir.join("descriptors.jsonl.checkpoints"));
    assert!(
        history.is_ok_and(|h| h.lines().count() >= 2),
        "a checkpoint per batch"
    );
}

#[test]
fn keys_for_a_legacy_ledger_are_refused_before_listening() {
    let ledger = common::generated_ledger(44);
    let tokens = tempfile::tempdir().unwrap();
    let t = token_file(tokens.path());
    let key = tokens.path().join("some.key");
    std::fs::write(&key, "x").unwrap();
    let out = common::iss_process()
        .arg("serve")
        .arg(ledger.path())
        .args(["--listen", "127.0.0.1:0", "--write", "--token-file"])
        .arg(&t)
        .arg("--mac-key")
        .arg(&key)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("legacy ledger"), "{err}");
}
