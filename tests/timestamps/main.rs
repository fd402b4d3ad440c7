//! RFC 3161 timestamps over checkpoints (issue 12, item 4), against a real
//! TSA on loopback: OpenSSL's own `openssl ts -reply` behind the HTTP
//! wrapper `tests/tsa/tsa_server.py`, with a P-256 CA and TSA certificate
//! made at test time. A token `iss` stores is cross-checked with `openssl
//! ts -verify`; the time `iss verify` reports is compared with the time
//! OpenSSL reads from the same token, never with this machine's clock.

#[path = "../common/mod.rs"]
mod common;
mod faults;

use serde_json::Value;
use sha2::Digest;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A TSA running on 127.0.0.1; stopped when dropped.
struct Tsa {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Tsa {
    /// Start the TSA whose certificates are (or are made) in `dir`, on
    /// `port` (0: a free one).
    fn start(dir: &Path, port: u16) -> Tsa {
        Tsa::start_with(dir, port, "sha1")
    }

    /// [`Tsa::start`] binding its certificate with ESS hash `ess_alg`
    /// (`sha1`: signing-certificate; `sha256`: signing-certificate-v2).
    fn start_with(dir: &Path, port: u16, ess_alg: &str) -> Tsa {
        Tsa::start_env(dir, port, &[("TSA_ESS_ALG", ess_alg)])
    }

    /// [`Tsa::start`] with the wrapper's environment `env` (`TSA_ESS_ALG`,
    /// `TSA_KEY`, `TSA_DIGEST`: see `tests/tsa/tsa_server.py`).
    fn start_env(dir: &Path, port: u16, env: &[(&str, &str)]) -> Tsa {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tsa/tsa_server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(dir)
            .arg(port.to_string())
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the test TSA (apt-get install python3 openssl)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("the test TSA did not start (openssl missing?): {line:?}"));
        Tsa {
            child,
            port,
            dir: dir.to_owned(),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn cert(&self) -> String {
        self.dir.join("tsa.pem").display().to_string()
    }

    fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
}

impl Drop for Tsa {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `iss ARGS` in `cwd` with an empty home and no state: (exit code, stdout,
/// stderr).
fn iss(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = common::iss_process()
        .current_dir(cwd)
        .env("HOME", cwd.join("home"))
        .env_remove("ISS_SIGNING_KEY")
        .env_remove("ISS_MAC_KEY")
        .env("ISS_NO_STATE", "1")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn iss_ok(cwd: &Path, args: &[&str]) -> String {
    let (code, out, err) = iss(cwd, args);
    assert_eq!(code, 0, "iss {args:?}\nstdout: {out}\nstderr: {err}");
    out
}

/// A native ledger `L` in `dir` with one descriptor.
fn ledger(dir: &Path) {
    iss_ok(dir, &["init", "L"]);
    let d = serde_json::json!({
        "process_name": "ENG.1", "process_version": "1", "capability_level": 3,
        "process_outcome": "compliant", "compliance_score": 0.9, "assessed_by": "t",
        "assessment_method": "test", "evidence_required": ["plan"], "evidence_provided": ["plan"],
    });
    let f = dir.join("d.json");
    fs::write(&f, d.to_string()).unwrap();
    iss_ok(dir, &["append", "descriptor", "L", "--file", "d.json"]);
}

/// The newest note in a chain's checkpoint history.
fn newest_note(dir: &Path, chain: &str) -> String {
    let h = fs::read_to_string(dir.join(format!("L/{chain}.jsonl.checkpoints"))).unwrap();
    let last: Value = serde_json::from_str(h.lines().last().unwrap()).unwrap();
    last["note"].as_str().unwrap().to_owned()
}

fn tokens(dir: &Path, chain: &str) -> Vec<PathBuf> {
    let d = dir.join(format!("L/{chain}.jsonl.timestamps"));
    let mut v: Vec<PathBuf> = fs::read_dir(d)
        .map(|r| r.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn verify_json(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["verify", "L", "--json"];
    args.extend_from_slice(extra);
    let (code, out, err) = iss(dir, &args);
    (
        code,
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}")),
    )
}

/// (kind, severity, file path) of every timestamp finding.
fn ts_findings(v: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for f in v["files"].as_array().unwrap() {
        for x in f["findings"].as_array().unwrap() {
            let k = x["kind"].as_str().unwrap();
            if k.starts_with("TIMESTAMP_") {
                out.push((
                    k.to_owned(),
                    x["severity"].as_str().unwrap().to_owned(),
                    f["path"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    out
}

/// The time OpenSSL reads from a token (`Time stamp: Dec  6 03:41:29 2026
/// GMT`), as ISO 8601.
fn openssl_time(token: &Path) -> String {
    let out = Command::new("openssl")
        .args(["ts", "-reply", "-token_in", "-text", "-in"])
        .arg(token)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("Time stamp: "))
        .unwrap_or_else(|| panic!("no time in {text}"));
    let parts: Vec<&str> = line.split_whitespace().collect();
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months.iter().position(|m| *m == parts[0]).unwrap() + 1;
    let day: u32 = parts[1].parse().unwrap();
    format!("{}-{month:02}-{day:02}T{}Z", parts[3], parts[2])
}

/// What `openssl asn1parse` reads in a DER token.
fn asn1_text(token: &Path) -> String {
    let parsed = Command::new("openssl")
        .args(["asn1parse", "-inform", "DER", "-in"])
        .arg(token)
        .output()
        .unwrap();
    String::from_utf8_lossy(&parsed.stdout).into_owned()
}

/// `openssl ts -verify` of `token` over the bytes in `data`, against `ca`.
fn openssl_ts_verify(data: &Path, token: &Path, ca: &Path) -> std::process::Output {
    Command::new("openssl")
        .args(["ts", "-verify", "-token_in", "-data"])
        .arg(data)
        .arg("-in")
        .arg(token)
        .arg("-CAfile")
        .arg(ca)
        .output()
        .unwrap()
}

#[test]
fn stored_tokens_verify_here_and_with_openssl() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa = Tsa::start(&tmp.path().join("tsa"), 0);
    ledger(tmp.path());
    let (url, cert) = (tsa.url(), tsa.cert());
    let out = iss_ok(
        tmp.path(),
        &["checkpoint", "L", "--tsa", &url, "--tsa-cert", &cert],
    );
    assert_eq!(out.matches(": timestamped size").count(), 3, "{out}");
    for chain in ["descriptors", "pulses", "events"] {
        let note = newest_note(tmp.path(), chain);
        let toks = tokens(tmp.path(), chain);
        assert_eq!(toks.len(), 1, "{chain}: {toks:?}");
        // The name says which checkpoint: its size and its note's SHA-256.
        let size = note.lines().nth(1).unwrap();
        let name = format!(
            "{size}-{}.tst",
            hex::encode(sha2::Sha256::digest(note.as_bytes()))
        );
        assert_eq!(toks[0].file_name().unwrap().to_str().unwrap(), name);
        // OpenSSL agrees the token covers the exact note bytes.
        let data = tmp.path().join(format!("{chain}.note"));
        fs::write(&data, &note).unwrap();
        let st = openssl_ts_verify(&data, &toks[0], &tsa.ca());
        assert!(
            st.status.success() && String::from_utf8_lossy(&st.stdout).contains("Verification: OK"),
            "openssl ts -verify: {}{}",
            String::from_utf8_lossy(&st.stdout),
            String::from_utf8_lossy(&st.stderr)
        );
    }
    let (code, v) = verify_json(tmp.path(), &["--tsa-cert", &cert]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["status"], "clean", "{v}");
    let ts = v["timestamps"].as_array().unwrap();
    assert_eq!(ts.len(), 3, "{v}");
    for r in ts {
        assert_eq!(r["proven"], true, "{r}");
        let tok = PathBuf::from(r["file"].as_str().unwrap());
        let tok = if tok.is_absolute() {
            tok
        } else {
            tmp.path().join(tok)
        };
        assert_eq!(r["gen_time"].as_str().unwrap(), openssl_time(&tok), "{r}");
        assert_eq!(r["tsa"], "CN=iss test TSA");
        assert!(
            r["origin"]
                .as_str()
                .unwrap()
                .ends_with(r["chain"].as_str().unwrap())
        );
    }
    let descriptors = ts.iter().find(|r| r["chain"] == "descriptors").unwrap();
    assert_eq!(descriptors["size"], 1);
    // The text report says when each checkpoint existed.
    let text = iss_ok(tmp.path(), &["verify", "L", "--tsa-cert", &cert]);
    assert!(
        text.contains(&format!(
            "iss.local/L/descriptors size 1 existed by {}",
            descriptors["gen_time"].as_str().unwrap()
        )),
        "{text}"
    );
    // Without the certificate the time is not proven: a warning per token.
    let (code, v) = verify_json(tmp.path(), &[]);
    assert_eq!(code, 0, "{v}");
    let f = ts_findings(&v);
    assert_eq!(f.len(), 3, "{v}");
    assert!(
        f.iter()
            .all(|(k, s, _)| k == "TIMESTAMP_UNTRUSTED" && s == "warning"),
        "{f:?}"
    );
}

#[test]
fn a_rerun_stamps_only_checkpoints_without_a_token() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa = Tsa::start(&tmp.path().join("tsa"), 0);
    ledger(tmp.path());
    let (url, cert) = (tsa.url(), tsa.cert());
    let args = ["checkpoint", "L", "--tsa", &url, "--tsa-cert", &cert];
    iss_ok(tmp.path(), &args);
    let first = tokens(tmp.path(), "descriptors");
    let out = iss_ok(tmp.path(), &args);
    assert_eq!(out.matches("already timestamped").count(), 3, "{out}");
    assert_eq!(tokens(tmp.path(), "descriptors"), first);
    // A new checkpoint gets its own token; the old one stays.
    let d = fs::read_to_string(tmp.path().join("d.json")).unwrap();
    fs::write(tmp.path().join("d.json"), d.replace("\"t\"", "\"u\"")).unwrap();
    iss_ok(
        tmp.path(),
        &["append", "descriptor", "L", "--file", "d.json"],
    );
    let out = iss_ok(tmp.path(), &[&args[..], &["--json"]].concat());
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let stamped: Vec<&Value> = lines.iter().filter_map(|l| l.get("timestamp")).collect();
    assert_eq!(stamped.len(), 3, "{out}");
    let d = stamped
        .iter()
        .find(|s| s["chain"] == "descriptors")
        .unwrap();
    assert_eq!(
        (d["size"].as_u64(), d["new"].as_bool()),
        (Some(2), Some(true)),
        "{out}"
    );
    assert_eq!(tokens(tmp.path(), "descriptors").len(), 2);
    let (code, v) = verify_json(tmp.path(), &["--tsa-cert", &cert]);
    assert_eq!(
        (code, v["timestamps"].as_array().unwrap().len()),
        (0, 4),
        "{v}"
    );
}

#[test]
fn a_changed_note_or_a_swapped_token_is_timestamp_invalid() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa = Tsa::start(&tmp.path().join("tsa"), 0);
    ledger(tmp.path());
    let cert = tsa.cert();
    iss_ok(
        tmp.path(),
        &["checkpoint", "L", "--tsa", &tsa.url(), "--tsa-cert", &cert],
    );

    // The pulses token stored under the events token's name: a genuine
    // token, but its imprint is another note's.
    let ev = tokens(tmp.path(), "events").remove(0);
    let pu = tokens(tmp.path(), "pulses").remove(0);
    let ev_bytes = fs::read(&ev).unwrap();
    fs::write(&ev, fs::read(&pu).unwrap()).unwrap();
    let (code, v) = verify_json(tmp.path(), &["--tsa-cert", &cert]);
    assert_eq!(code, 1, "{v}");
    let f = ts_findings(&v);
    assert_eq!(f.len(), 1, "{v}");
    assert_eq!(
        (f[0].0.as_str(), f[0].1.as_str()),
        ("TIMESTAMP_INVALID", "violation")
    );
    assert!(
        f[0].2.ends_with(ev.file_name().unwrap().to_str().unwrap()),
        "{f:?}"
    );
    let detail = v.to_string();
    assert!(
        detail.contains("message imprint is not the SHA-256"),
        "{detail}"
    );
    fs::write(&ev, ev_bytes).unwrap();

    // A changed checkpoint note: the token no longer names a note of the
    // history (besides the broken signature the history reports).
    let hist = tmp.path().join("L/descriptors.jsonl.checkpoints");
    let text = fs::read_to_string(&hist).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let last = lines.last_mut().unwrap();
    let mut entry: Value = serde_json::from_str(last).unwrap();
    let note = entry["note"].as_str().unwrap().to_owned();
    let changed = note.replacen("\n\n", "\nextra\n\n", 1);
    assert_ne!(changed, note);
    entry["note"] = Value::String(changed);
    *last = format!(
        "{{\"size\":{},\"note\":{}}}",
        entry["size"],
        serde_json::to_string(&entry["note"]).unwrap()
    );
    fs::write(&hist, lines.join("\n") + "\n").unwrap();
    let (code, v) = verify_json(tmp.path(), &["--tsa-cert", &cert]);
    assert_eq!(code, 1, "{v}");
    let f = ts_findings(&v);
    assert_eq!(f.len(), 1, "{v}");
    assert_eq!(f[0].0, "TIMESTAMP_INVALID");
    assert!(f[0].2.contains("descriptors.jsonl.timestamps"), "{f:?}");
    let r = v["timestamps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["chain"] == "descriptors")
        .unwrap();
    assert_eq!(r["proven"], false);
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .contains("the note was changed or removed"),
        "{r}"
    );
}

#[test]
fn another_tsa_is_untrusted_and_refused_at_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa = Tsa::start(&tmp.path().join("tsa"), 0);
    let other = Tsa::start(&tmp.path().join("other"), 0);
    ledger(tmp.path());
    iss_ok(
        tmp.path(),
        &[
            "checkpoint",
            "L",
            "--tsa",
            &tsa.url(),
            "--tsa-cert",
            &tsa.cert(),
        ],
    );
    // Verified with another TSA's certificate: a violation per token.
    let (code, v) = verify_json(tmp.path(), &["--tsa-cert", &other.cert()]);
    assert_eq!(code, 1, "{v}");
    let f = ts_findings(&v);
    assert_eq!(f.len(), 3, "{v}");
    assert!(
        f.iter()
            .all(|(k, s, _)| k == "TIMESTAMP_UNTRUSTED" && s == "violation"),
        "{f:?}"
    );
    // Both certificates given: proven.
    let (code, v) = verify_json(
        tmp.path(),
        &["--tsa-cert", &other.cert(), "--tsa-cert", &tsa.cert()],
    );
    assert_eq!((code, ts_findings(&v).len()), (0, 0), "{v}");

    // A reply signed by a certificate other than the one given is refused
    // after the checkpoint is durable: exit 3, no token stored.
    let d = fs::read_to_string(tmp.path().join("d.json")).unwrap();
    fs::write(tmp.path().join("d.json"), d.replace("\"t\"", "\"v\"")).unwrap();
    iss_ok(
        tmp.path(),
        &["append", "descriptor", "L", "--file", "d.json"],
    );
    let before = tokens(tmp.path(), "descriptors");
    let (code, out, err) = iss(
        tmp.path(),
        &[
            "checkpoint",
            "L",
            "--tsa",
            &other.url(),
            "--tsa-cert",
            &tsa.cert(),
        ],
    );
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(err.contains("not by the given TSA certificate"), "{err}");
    assert_eq!(tokens(tmp.path(), "descriptors"), before);
}
