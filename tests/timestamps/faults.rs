//! Timestamp tokens that cannot be trusted as they stand, a TSA that is
//! down, and the other token forms a TSA may answer with (an `ESSCertIDv2`
//! binding, an RSA TSA): each located, or checked here and by OpenSSL.

use super::*;

#[test]
fn truncated_garbage_and_misnamed_token_files_are_located_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa = Tsa::start(&tmp.path().join("tsa"), 0);
    ledger(tmp.path());
    let cert = tsa.cert();
    iss_ok(
        tmp.path(),
        &["checkpoint", "L", "--tsa", &tsa.url(), "--tsa-cert", &cert],
    );
    let cut = tokens(tmp.path(), "descriptors").remove(0);
    let bytes = fs::read(&cut).unwrap();
    fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let garbage = tokens(tmp.path(), "pulses").remove(0);
    fs::write(&garbage, b"not a token at all\n").unwrap();
    let stray = tmp.path().join("L/events.jsonl.timestamps/notes.txt");
    fs::write(&stray, b"x").unwrap();
    let (code, v) = verify_json(tmp.path(), &["--tsa-cert", &cert]);
    assert_eq!(code, 1, "{v}");
    let mut f = ts_findings(&v);
    f.sort_by(|a, b| a.2.cmp(&b.2));
    let files: Vec<&str> = f.iter().map(|x| x.2.as_str()).collect();
    assert_eq!(f.len(), 3, "{v}");
    assert!(f.iter().all(|x| x.0 == "TIMESTAMP_INVALID"), "{f:?}");
    for want in [&cut, &garbage, &stray] {
        let name = want.file_name().unwrap().to_str().unwrap();
        assert!(
            files.iter().any(|x| x.ends_with(name)),
            "{name} in {files:?}"
        );
    }
    let all = v.to_string();
    assert!(all.contains("not valid DER"), "{all}");
    assert!(all.contains("is not a token's name"), "{all}");
    // The text report names them too, and nothing panicked.
    let (code, out, err) = iss(tmp.path(), &["verify", "L", "--tsa-cert", &cert]);
    assert_eq!(code, 1);
    assert!(
        out.contains("TIMESTAMP_INVALID") && !err.contains("panicked"),
        "{out}\n{err}"
    );
}

#[test]
fn a_tsa_that_is_down_is_exit_3_with_the_command_that_finishes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa = Tsa::start(&tmp.path().join("tsa"), 0);
    let (port, cert, url) = (tsa.port, tsa.cert(), tsa.url());
    drop(tsa);
    ledger(tmp.path());
    let (code, out, err) = iss(
        tmp.path(),
        &[
            "checkpoint",
            "L",
            "--tsa",
            &url,
            "--tsa-cert",
            &cert,
            "--json",
        ],
    );
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(err.contains("durable and acknowledged"), "{err}");
    assert!(tokens(tmp.path(), "descriptors").is_empty());
    // The checkpoints are durable: the ledger verifies, every record signed.
    let (code, v) = verify_json(tmp.path(), &[]);
    assert_eq!((code, v["status"].as_str()), (0, Some("clean")), "{v}");
    let d = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "descriptors")
        .unwrap();
    assert_eq!(
        (
            d["native"]["signed_size"].as_u64(),
            d["native"]["unsigned_records"].as_u64()
        ),
        (Some(1), Some(0)),
        "{d}"
    );
    // The JSON names the command that finishes it; run it with the TSA up.
    let failed: Value = out
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find_map(|l| l.get("follow_up_failed").cloned())
        .unwrap_or_else(|| panic!("{out}"));
    let finish = failed["finish_with"].as_str().unwrap();
    assert_eq!(
        finish,
        format!("iss checkpoint L --tsa {url} --tsa-cert {cert}")
    );
    let _up = Tsa::start(&tmp.path().join("tsa"), port);
    let words: Vec<&str> = finish.split(' ').skip(1).collect();
    let out = iss_ok(tmp.path(), &words);
    assert_eq!(out.matches(": timestamped size").count(), 3, "{out}");
    let (code, v) = verify_json(tmp.path(), &["--tsa-cert", &cert]);
    assert_eq!(
        (code, v["timestamps"].as_array().unwrap().len()),
        (0, 3),
        "{v}"
    );
}

#[test]
fn a_signing_certificate_v2_binding_verifies_too() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa = Tsa::start_with(&tmp.path().join("tsa"), 0, "sha256");
    ledger(tmp.path());
    let cert = tsa.cert();
    iss_ok(
        tmp.path(),
        &["checkpoint", "L", "--tsa", &tsa.url(), "--tsa-cert", &cert],
    );
    // OpenSSL says the token carries the v2 attribute (its OID, 2.47).
    let tok = tokens(tmp.path(), "events").remove(0);
    let text = asn1_text(&tok);
    assert!(
        text.contains("signingCertificateV2") || text.contains("1.2.840.113549.1.9.16.2.47"),
        "{text}"
    );
    let (code, v) = verify_json(tmp.path(), &["--tsa-cert", &cert]);
    assert_eq!(code, 0, "{v}");
    assert!(
        v["timestamps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["proven"] == true),
        "{v}"
    );
}

#[test]
fn an_rsa_tsa_token_verifies_here_and_with_openssl() {
    // Most public TSAs sign with RSA; OpenSSL names the signature
    // `rsaEncryption` and puts the hash in the digest algorithm (SHA-384 here).
    let tmp = tempfile::tempdir().unwrap();
    let tsa = Tsa::start_env(
        &tmp.path().join("tsa"),
        0,
        &[("TSA_KEY", "rsa"), ("TSA_DIGEST", "sha384")],
    );
    ledger(tmp.path());
    let cert = tsa.cert();
    iss_ok(
        tmp.path(),
        &["checkpoint", "L", "--tsa", &tsa.url(), "--tsa-cert", &cert],
    );
    let tok = tokens(tmp.path(), "descriptors").remove(0);
    let text = asn1_text(&tok);
    assert!(
        text.contains("rsaEncryption") && text.contains("sha384"),
        "{text}"
    );
    let data = tmp.path().join("descriptors.note");
    fs::write(&data, newest_note(tmp.path(), "descriptors")).unwrap();
    let st = openssl_ts_verify(&data, &tok, &tsa.ca());
    assert!(st.status.success(), "{st:?}");
    let (code, v) = verify_json(tmp.path(), &["--tsa-cert", &cert]);
    assert_eq!(code, 0, "{v}");
    let ts = v["timestamps"].as_array().unwrap();
    assert_eq!(ts.len(), 3, "{v}");
    assert!(ts.iter().all(|r| r["proven"] == true), "{v}");

    // One changed byte of the signature (the token's last bytes): invalid.
    let mut bytes = fs::read(&tok).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    fs::write(&tok, bytes).unwrap();
    let (code, v) = verify_json(tmp.path(), &["--tsa-cert", &cert]);
    assert_eq!(code, 1, "{v}");
    let f = ts_findings(&v);
    assert_eq!(f.len(), 1, "{v}");
    assert_eq!(
        (f[0].0.as_str(), f[0].1.as_str()),
        ("TIMESTAMP_INVALID", "violation")
    );
    assert!(
        v.to_string().contains("does not verify under the key of"),
        "{v}"
    );
}
