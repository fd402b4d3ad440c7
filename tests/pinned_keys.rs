//! Pinned keys and role separation (issue 12, item 1): the admin creates
//! the ledger and rotates its key, the writer appends with the signing key,
//! the verifier holds only verifier keys (`--vkey`) and trusts nothing the
//! ledger names by itself; the full re-forge (a new key written into the
//! metadata, everything re-signed) verifies clean without `--vkey` and is
//! caught with it.

mod common;

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// `iss ARGS` in `cwd` with an empty home (no default key, no state);
/// exit `code`; stdout.
fn iss(cwd: &Path, args: &[&str], stdin: Option<&str>, code: i32) -> String {
    let mut cmd = common::iss_process();
    cmd.current_dir(cwd)
        .env("HOME", cwd.join("home"))
        .env_remove("ISS_SIGNING_KEY")
        .env_remove("ISS_MAC_KEY")
        .env("ISS_NO_STATE", "1")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(s) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "iss {args:?}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn descriptor(who: &str) -> String {
    serde_json::json!({
        "process_name": "ENG.1",
        "process_version": "1",
        "capability_level": 3,
        "process_outcome": "compliant",
        "compliance_score": 0.9,
        "assessed_by": who,
        "assessment_method": "test",
        "evidence_required": ["plan"],
        "evidence_provided": ["plan"],
    })
    .to_string()
}

/// Three people's folders: the admin's (keys), the writer's (its signing
/// key only) and the verifier's (nothing but verifier key strings).
struct Roles {
    tmp: tempfile::TempDir,
    ledger: PathBuf,
    /// The first key's verifier key.
    vkey: String,
}

impl Roles {
    fn at(&self, who: &str) -> PathBuf {
        let p = self.tmp.path().join(who);
        fs::create_dir_all(p.join("home")).unwrap();
        p
    }
    fn writer_key(&self) -> PathBuf {
        self.at("writer").join("signing.key")
    }
    /// The writer appends one descriptor (signed).
    fn append(&self, who: &str) {
        let key = self.writer_key();
        iss(
            &self.at("writer"),
            &[
                "append",
                "descriptor",
                self.ledger.to_str().unwrap(),
                "--key",
                key.to_str().unwrap(),
            ],
            Some(&descriptor(who)),
            0,
        );
    }
    /// The verifier verifies with `--vkey` values; `--json`.
    fn verify(&self, vkeys: &[&str], code: i32) -> Value {
        let mut args = vec!["verify", "--json", self.ledger.to_str().unwrap()];
        for k in vkeys {
            args.extend(["--vkey", k]);
        }
        serde_json::from_str(&iss(&self.at("verifier"), &args, None, code)).unwrap()
    }
}

/// The admin creates the ledger and hands the signing key to the writer;
/// the writer appends 3 descriptors.
fn roles() -> Roles {
    let tmp = tempfile::tempdir().unwrap();
    let ledger = tmp.path().join("shared/L");
    fs::create_dir_all(ledger.parent().unwrap()).unwrap();
    let admin = tmp.path().join("admin");
    fs::create_dir_all(admin.join("home")).unwrap();
    let key = admin.join("signing.key");
    let done: Value = serde_json::from_str(&iss(
        &admin,
        &[
            "init",
            ledger.to_str().unwrap(),
            "--origin",
            "iss.test/roles",
            "--key",
            key.to_str().unwrap(),
            "--json",
        ],
        None,
        0,
    ))
    .unwrap();
    let r = Roles {
        tmp,
        ledger,
        vkey: done["verifier_key"].as_str().unwrap().to_owned(),
    };
    // The signing key goes to the writer (mode 0600 kept by the copy).
    fs::create_dir_all(r.at("writer")).unwrap();
    fs::rename(&key, r.writer_key()).unwrap();
    for who in ["a", "b", "c"] {
        r.append(who);
    }
    r
}

fn kinds(v: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            let name = f["name"].as_str().unwrap().to_owned();
            f["findings"].as_array().unwrap().iter().map(move |x| {
                (
                    name.clone(),
                    x["kind"].as_str().unwrap().to_owned(),
                    x["severity"].as_str().unwrap().to_owned(),
                )
            })
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn a_verifier_with_only_verifier_keys_verifies_what_the_writer_appended() {
    let r = roles();
    // No key file anywhere the verifier could reach by default.
    assert!(!r.ledger.with_extension("key").exists());
    let v = r.verify(&[&r.vkey], 0);
    assert_eq!(v["status"], "clean", "{v}");
    assert!(kinds(&v).is_empty(), "{:?}", kinds(&v));
    let meta = &v["files"][0];
    assert_eq!(meta["name"], "native_metadata");
    assert_eq!(
        meta["coverage"]["not_checked"],
        serde_json::json!([]),
        "{meta}"
    );
    assert!(
        meta["coverage"]["checked"].to_string().contains("--vkey"),
        "{meta}"
    );
    // A file of verifier keys (comments and blank lines allowed) works too.
    let f = r.at("verifier").join("trusted.vkeys");
    fs::write(&f, format!("# the ledger's keys\n\n{}\n", r.vkey)).unwrap();
    r.verify(&[f.to_str().unwrap()], 0);
    // Something that is neither is a usage error, said as such.
    let err = common::iss_process()
        .args(["verify", r.ledger.to_str().unwrap(), "--vkey", "nonsense"])
        .output()
        .unwrap();
    assert_eq!(err.status.code(), Some(2));
    let text = String::from_utf8_lossy(&err.stderr);
    assert!(text.contains("neither a file nor a verifier key"), "{text}");
}

#[test]
fn a_key_the_verifier_did_not_pin_does_not_count() {
    let r = roles();
    // Another key of the same name: the ledger's signatures are not by it.
    let other = r.at("verifier").join("other.key");
    let out = iss(
        &r.at("verifier"),
        &[
            "init",
            r.at("verifier").join("X").to_str().unwrap(),
            "--origin",
            "iss.test/roles",
            "--key",
            other.to_str().unwrap(),
            "--json",
        ],
        None,
        0,
    );
    let other_vkey = serde_json::from_str::<Value>(&out).unwrap()["verifier_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let v = r.verify(&[&other_vkey], 1);
    let k = kinds(&v);
    for chain in ["descriptors", "pulses", "events"] {
        assert!(
            k.contains(&(
                format!("{chain}_checkpoints"),
                "SIGNATURE_UNTRUSTED".into(),
                "violation".into()
            )),
            "{k:?}"
        );
    }
    // The ledger's own key, named by its metadata, is reported as untrusted.
    assert!(
        k.contains(&(
            "native_metadata".into(),
            "SIGNATURE_UNTRUSTED".into(),
            "warning".into()
        )),
        "{k:?}"
    );
}

/// The attacker, with write access to the ledger but not the key, creates
/// a ledger of the same origin with a key of its own, writes the records
/// again (changed) and puts it in place of the genuine one.
fn reforge(r: &Roles) {
    let mallory = r.at("mallory");
    let forged = mallory.join("L");
    let key = mallory.join("m.key");
    iss(
        &mallory,
        &[
            "init",
            forged.to_str().unwrap(),
            "--origin",
            "iss.test/roles",
            "--key",
            key.to_str().unwrap(),
        ],
        None,
        0,
    );
    for who in ["a", "b", "mallory"] {
        iss(
            &mallory,
            &[
                "append",
                "descriptor",
                forged.to_str().unwrap(),
                "--key",
                key.to_str().unwrap(),
            ],
            Some(&descriptor(who)),
            0,
        );
    }
    fs::remove_dir_all(&r.ledger).unwrap();
    common::copy_tree(&forged, &r.ledger);
}

#[test]
fn the_full_reforge_verifies_clean_alone_and_is_caught_with_vkey() {
    let r = roles();
    let genuine = r.vkey.clone();
    reforge(&r);
    // Trusting the keys the ledger names, the forgery is clean.
    let alone: Value = serde_json::from_str(&iss(
        &r.at("verifier"),
        &["verify", "--json", r.ledger.to_str().unwrap()],
        None,
        0,
    ))
    .unwrap();
    assert_eq!(alone["status"], "clean");
    // With the genuine verifier key pinned, no checkpoint counts.
    let v = r.verify(&[&genuine], 1);
    let k = kinds(&v);
    assert!(
        k.contains(&(
            "descriptors_checkpoints".into(),
            "SIGNATURE_UNTRUSTED".into(),
            "violation".into()
        )),
        "{k:?}"
    );
    let human = iss(
        &r.at("verifier"),
        &["verify", r.ledger.to_str().unwrap(), "--vkey", &genuine],
        None,
        1,
    );
    assert!(human.contains("SIGNATURE_UNTRUSTED"), "{human}");
    // A proof made from the forgery does not hold for the pinned key.
    let proof = iss(
        &r.at("verifier"),
        &[
            "prove",
            r.ledger.to_str().unwrap(),
            "--record",
            "0",
            "--json",
        ],
        None,
        0,
    );
    let p = r.at("verifier").join("p.json");
    fs::write(&p, proof).unwrap();
    let v: Value = serde_json::from_str(&iss(
        &r.at("verifier"),
        &[
            "verify",
            "--json",
            r.ledger.to_str().unwrap(),
            "--vkey",
            &genuine,
            "--proof",
            p.to_str().unwrap(),
        ],
        None,
        1,
    ))
    .unwrap();
    let detail = v["proofs"][0]["detail"].as_str().unwrap();
    assert_eq!(v["proofs"][0]["valid"], false);
    assert!(detail.contains("keys given with --vkey"), "{detail}");
    // `iss watch --vkey` says it in its first event and exits 1.
    let ready = iss(
        &r.at("verifier"),
        &[
            "watch",
            r.ledger.to_str().unwrap(),
            "--json",
            "--max-events",
            "1",
            "--vkey",
            &genuine,
        ],
        None,
        1,
    );
    assert!(ready.contains("SIGNATURE_UNTRUSTED"), "{ready}");
}

#[test]
fn the_admin_rotates_the_writer_continues_the_verifier_adds_the_new_key() {
    let r = roles();
    let admin = r.at("admin");
    let new_key = admin.join("signing2.key");
    let old = r.writer_key();
    let out: Value = serde_json::from_str(&iss(
        &admin,
        &[
            "key",
            "rotate",
            r.ledger.to_str().unwrap(),
            "--key",
            old.to_str().unwrap(),
            "--new-key",
            new_key.to_str().unwrap(),
            "--json",
        ],
        None,
        0,
    ))
    .unwrap();
    let rotated_vkey = out["new_verifier_key"].as_str().unwrap().to_owned();
    // The writer gets the new key and appends with it.
    fs::rename(&new_key, r.writer_key()).unwrap();
    r.append("d");
    // With both keys the whole history verifies.
    let v = r.verify(&[&r.vkey, &rotated_vkey], 0);
    assert!(kinds(&v).is_empty(), "{:?}", kinds(&v));
    // With the old key alone, the new key's checkpoints do not count.
    let v = r.verify(&[&r.vkey], 1);
    let k = kinds(&v);
    assert!(
        k.contains(&(
            "descriptors_checkpoints".into(),
            "SIGNATURE_UNTRUSTED".into(),
            "violation".into()
        )),
        "{k:?}"
    );
    // `iss key verifier` prints the key in use for the admin to hand out.
    let printed = iss(
        &admin,
        &["key", "verifier", r.ledger.to_str().unwrap()],
        None,
        0,
    );
    assert_eq!(printed.trim(), rotated_vkey);
}
