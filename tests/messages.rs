//! Invariant: an error says what was expected and what was found, in the
//! user's terms: a JSON array where one descriptor was expected, a byte
//! order mark, `NaN`, a first line longer than the limit for recognising a
//! file, a ledger file given where a key was expected, a legacy ledger
//! given to a native-only command. Each case asserts the new wording and
//! that the old one is gone.

mod common;

use assert_cmd::Command;
use std::path::Path;

fn iss() -> Command {
    common::iss_cmd()
}

/// A descriptor `iss append descriptor` accepts, as JSON text.
const DESCRIPTOR: &str = r#"{"process_name":"ENG.1","process_version":"1.0","capability_level":2,"process_outcome":"compliant","compliance_score":0.7,"assessed_by":"a","assessment_method":"interview"}"#;

/// `iss append descriptor LEDGER [extra]` with `input` on stdin: exit 2, the
/// error text; the ledger must not change.
fn refused_input(ledger: &Path, extra: &[&str], input: &[u8]) -> String {
    let chain = ledger.join("data/spice_layer/spice_chain.jsonl");
    let before = std::fs::read(&chain).unwrap();
    let out = iss()
        .args(["append", "descriptor"])
        .arg(ledger)
        .args(extra)
        .write_stdin(input)
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert_eq!(std::fs::read(&chain).unwrap(), before, "nothing written");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn a_json_array_where_one_descriptor_is_expected_is_named() {
    let dir = common::generated_ledger(21);
    let err = refused_input(dir.path(), &[], format!("[{DESCRIPTOR}]").as_bytes());
    assert!(!err.contains("invalid type: map"), "{err}");
    assert!(err.contains("expected one JSON object"), "{err}");
    assert!(err.contains("found a JSON array"), "{err}");
    assert!(err.contains("--batch"), "points to batches: {err}");

    let err = refused_input(
        dir.path(),
        &["--batch"],
        format!("{DESCRIPTOR}\n[1, 2]\n").as_bytes(),
    );
    assert!(!err.contains("invalid type"), "{err}");
    assert!(err.contains("input line 2"), "{err}");
    assert!(err.contains("found a JSON array"), "{err}");

    let err = refused_input(dir.path(), &[], b"\"ENG.1\"");
    assert!(err.contains("found a JSON string"), "{err}");
}

#[test]
fn a_byte_order_mark_or_nan_in_the_input_is_named() {
    let dir = common::generated_ledger(22);
    let mut bom = "\u{feff}".as_bytes().to_vec();
    bom.extend_from_slice(DESCRIPTOR.as_bytes());
    let err = refused_input(dir.path(), &[], &bom);
    assert!(!err.contains("expected value at line"), "{err}");
    assert!(err.contains("byte order mark"), "{err}");

    let nan = DESCRIPTOR.replace("0.7", "NaN");
    let err = refused_input(dir.path(), &[], nan.as_bytes());
    assert!(!err.contains("expected value at line"), "{err}");
    assert!(
        err.contains("found `NaN`") && err.contains("JSON has no NaN or Infinity"),
        "{err}"
    );
    assert!(err.contains("line 1 column"), "still located: {err}");

    let inf = DESCRIPTOR.replace("0.7", "-Infinity");
    let err = refused_input(dir.path(), &["--batch"], inf.as_bytes());
    assert!(err.contains("found `-Infinity`"), "{err}");
}

/// The number token of field `name` in a compact JSON line, as written.
fn number_token(line: &str, name: &str) -> String {
    let key = format!("\"{name}\":");
    let start = line.find(&key).unwrap() + key.len();
    line[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | 'e' | 'E' | '+'))
        .collect()
}

#[test]
fn nan_in_a_ledger_line_is_named_in_the_parse_error() {
    let dir = common::generated_ledger(23);
    let chain = dir.path().join("data/spice_layer/spice_chain.jsonl");
    common::edit_lines(&chain, |lines| {
        let score = number_token(&lines[1], "compliance_score");
        lines[1] = lines[1].replace(
            &format!("\"compliance_score\":{score}"),
            "\"compliance_score\":NaN",
        );
    });
    let doc = common::iss_json(&["verify", "--json"], dir.path(), 1);
    let parse = doc["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "PARSE_ERROR")
        .expect("a parse error")
        .clone();
    assert_eq!(parse["line"], 2);
    let found = parse["found"].as_str().unwrap();
    assert!(
        found.contains("`NaN`") && found.contains("JSON has no NaN or Infinity"),
        "{found}"
    );
    assert!(!found.starts_with("expected value"), "{found}");
}

#[test]
fn a_first_line_over_the_recognition_limit_is_blamed_on_its_length() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("copy.jsonl");
    let mut line = b"{\"descriptor_hash\":\"".to_vec();
    line.resize(50 * 1024 * 1024, b'x');
    line.extend_from_slice(b"\"}\n");
    std::fs::write(&file, &line).unwrap();
    let out = iss()
        .arg("verify")
        .arg(&file)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("EOF") && !err.contains("1048576"), "{err}");
    assert!(
        err.contains("first line is longer than 1 MiB"),
        "says what the limit is: {err}"
    );
    assert!(
        err.contains("spice_chain.jsonl"),
        "says how to verify it anyway: {err}"
    );
}

#[test]
fn a_ledger_file_given_as_a_key_is_not_told_to_chmod() {
    let n = common::new_native("iss.test/messages", false);
    let chain = n.dir.join("descriptors.jsonl");
    let out = iss()
        .args(["key", "verifier"])
        .arg(&chain)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("chmod"), "{err}");
    assert!(err.contains("not a signing key"), "{err}");
    assert!(
        err.contains(&format!("iss key verifier {}", n.dir.display())),
        "points to the ledger: {err}"
    );

    // Any file that holds no key: said so, whatever its mode.
    let other = n.tmp.path().join("notes.txt");
    std::fs::write(&other, "hello\n").unwrap();
    let out = iss()
        .args(["key", "verifier"])
        .arg(&other)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("chmod"), "{err}");
    assert!(err.contains("not a signing key"), "{err}");
    assert!(
        err.contains("PRIVATE+KEY+"),
        "says what a key looks like: {err}"
    );

    // A real key with a loose mode still gets the chmod advice.
    let key = n.tmp.path().join("ledger.key");
    let mut perm = std::fs::metadata(&key).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o644);
    std::fs::set_permissions(&key, perm).unwrap();
    let out = iss()
        .args(["key", "verifier"])
        .arg(&key)
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("chmod 600"));
}

#[test]
fn a_legacy_ledger_given_to_a_native_command_is_pointed_to_migrate() {
    let dir = common::generated_ledger(24);
    let ledger = dir.path().to_str().unwrap();
    let key = dir.path().join("../k.key");
    for args in [
        vec!["checkpoint", ledger],
        vec!["key", "verifier", ledger],
        vec![
            "key",
            "rotate",
            ledger,
            "--key",
            "x",
            "--new-key",
            key.to_str().unwrap(),
        ],
        vec!["prove", ledger, "--record", "0"],
    ] {
        let out = iss().args(&args).assert().code(2).get_output().clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(!err.contains("`iss init` creates one"), "{args:?}: {err}");
        assert!(err.contains("legacy ledger"), "{args:?}: {err}");
        assert!(
            err.contains(&format!("iss migrate {ledger} ")),
            "{args:?}: {err}"
        );
    }
    // A folder that holds no ledger at all is still pointed to `iss init`.
    let empty = tempfile::tempdir().unwrap();
    let out = iss()
        .arg("checkpoint")
        .arg(empty.path())
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("iss init"));
}

#[test]
fn a_proof_refused_on_a_ledger_that_does_not_verify_says_so() {
    let n = common::new_native("iss.test/prove-msg", false);
    common::append_descriptor_cli(&n.dir, "Proved", &[]);
    common::edit_lines(&n.dir.join("descriptors.jsonl"), |l| {
        l[0] = l[0].replace("Proved", "Forged");
    });
    let out = iss()
        .arg("prove")
        .arg(&n.dir)
        .args(["--record", "0"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    // `iss checkpoint` would be refused on this ledger: not the advice.
    assert!(!err.contains("run `iss checkpoint` first"), "{err}");
    assert!(
        err.contains("newest checkpoint of descriptors that verifies"),
        "{err}"
    );
    assert!(err.contains("the ledger does not verify"), "{err}");
}
