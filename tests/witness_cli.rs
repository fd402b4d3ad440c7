//! Witnesses end to end (issue 12, item 3): `iss witness serve` on
//! loopback, `iss checkpoint --witness`, `iss verify --policy`; forks and
//! rollbacks refused, and a witness that never moves backwards across a
//! crash between persisting and answering.

mod common;

use common::{append_descriptor_cli, new_native};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const ORIGIN: &str = "iss.test/w";
const CHAINS: [&str; 3] = ["descriptors", "pulses", "events"];

fn iss() -> Command {
    common::iss_process()
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A witness key file, and its cosignature verifier key.
fn witness_key(dir: &Path, name: &str) -> (PathBuf, String) {
    let file = dir.join(format!("{name}.key"));
    let o = run(iss()
        .args(["witness", "key"])
        .arg(&file)
        .args(["--name", name]));
    assert!(o.status.success(), "{o:?}");
    (file, stdout(&o).trim().to_owned())
}

/// A running `iss witness serve` on a free loopback port; killed on drop.
struct WitnessProc {
    child: Child,
    url: String,
}

impl WitnessProc {
    /// `logs`: the `--log ORIGIN=VKEY` values.
    fn start(key: &Path, state: &Path, logs: &[String], env: &[(&str, &str)]) -> Self {
        let mut cmd = iss();
        cmd.args(["witness", "serve", "--listen", "127.0.0.1:0", "--key"])
            .arg(key)
            .arg("--state")
            .arg(state)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for l in logs {
            cmd.arg("--log").arg(l);
        }
        let mut child = cmd.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("witness did not start: {line:?}"))
            .to_owned();
        Self {
            child,
            url: format!("http://{addr}"),
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for WitnessProc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `--log` values naming the ledger's own key (named by the ledger
/// origin) for each chain origin.
fn ledger_key_logs(ledger: &Path) -> Vec<String> {
    let o = run(iss().args(["key", "verifier"]).arg(ledger));
    assert!(o.status.success());
    let vkey = stdout(&o).trim().lines().last().unwrap().to_owned();
    CHAINS
        .iter()
        .map(|c| format!("{ORIGIN}/{c}={vkey}"))
        .collect()
}

/// `--log` values from `iss key verifier --per-chain`: each chain's key
/// named by its origin line (c2sp.org/tlog-checkpoint).
fn per_chain_logs(ledger: &Path) -> Vec<String> {
    let o = run(iss().args(["key", "verifier", "--per-chain"]).arg(ledger));
    assert!(o.status.success());
    let logs: Vec<String> = stdout(&o).lines().map(str::to_owned).collect();
    assert_eq!(logs.len(), 3);
    for (l, c) in logs.iter().zip(CHAINS) {
        assert!(l.starts_with(&format!("{ORIGIN}/{c}={ORIGIN}/{c}+")), "{l}");
    }
    logs
}

fn checkpoint(ledger: &Path, key: &Path, witnesses: &[String]) -> Output {
    let mut cmd = iss();
    cmd.arg("checkpoint").arg(ledger).arg("--key").arg(key);
    cmd.args(["--witness-timeout", "5"]);
    for w in witnesses {
        cmd.arg("--witness").arg(w);
    }
    let o = run(&mut cmd);
    assert!(o.status.success(), "{o:?}");
    o
}

fn verify_json(ledger: &Path, policy: &Path) -> (i32, serde_json::Value) {
    let o = run(iss()
        .arg("verify")
        .arg(ledger)
        .arg("--policy")
        .arg(policy)
        .arg("--json"));
    (
        o.status.code().unwrap(),
        serde_json::from_slice(&o.stdout).unwrap(),
    )
}

/// The independent Python verifier (tests/independent) with the same
/// policy: its status and its `WITNESS_POLICY` findings' `found`, or `None`
/// (with the reason printed) when python3 is missing.
fn python_policy(ledger: &Path, policy: &Path) -> Option<(String, Vec<String>)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/independent/verify_native.py");
    let Ok(o) = Command::new("python3")
        .arg(script)
        .arg(ledger)
        .arg("--policy")
        .arg(policy)
        .output()
    else {
        eprintln!("skipped the independent check: python3 is not on PATH");
        return None;
    };
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let found = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "WITNESS_POLICY")
        .map(|f| f["found"].as_str().unwrap().to_owned())
        .collect();
    Some((v["status"].as_str().unwrap().to_owned(), found))
}

/// `iss verify --policy` and the independent verifier agree.
fn both_verify(ledger: &Path, policy: &Path) -> (i32, serde_json::Value) {
    let (code, report) = verify_json(ledger, policy);
    if let Some((status, found)) = python_policy(ledger, policy) {
        let ours: Vec<String> = report["files"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f["findings"].as_array().unwrap())
            .filter(|f| f["kind"] == "WITNESS_POLICY")
            .map(|f| f["found"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(status, report["status"].as_str().unwrap(), "{report:#}");
        let (mut a, mut b) = (found, ours);
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }
    (code, report)
}

fn file<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap()
}

fn cosigners(report: &serde_json::Value, chain: &str) -> Vec<String> {
    file(report, chain)["native"]["cosigned_by"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| c["witness"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn post(url: &str, body: &str) -> (u16, String, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .post(&format!("{url}/add-checkpoint"))
        .send(body)
        .unwrap();
    let ty = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (
        r.status().as_u16(),
        ty,
        r.body_mut().read_to_string().unwrap(),
    )
}

#[test]
fn two_of_three_witnesses_verify_with_one_down_not_with_two() {
    let n = new_native(ORIGIN, false);
    let tmp = n.tmp.path();
    let logs = per_chain_logs(&n.dir);
    let keys: Vec<(PathBuf, String)> = (1..=3)
        .map(|i| witness_key(tmp, &format!("w{i}.test")))
        .collect();
    let mut procs: Vec<WitnessProc> = keys
        .iter()
        .enumerate()
        .map(|(i, (k, _))| WitnessProc::start(k, &tmp.join(format!("state{i}")), &logs, &[]))
        .collect();
    let specs: Vec<String> = procs
        .iter()
        .zip(&keys)
        .map(|(p, (_, v))| format!("{}={v}", p.url))
        .collect();
    let policy = tmp.join("policy");
    std::fs::write(
        &policy,
        format!(
            "# 2 of 3\nwitness {}\nwitness {}\nwitness {}\nquorum 2\n",
            keys[0].1, keys[1].1, keys[2].1
        ),
    )
    .unwrap();

    // Before any witness: the policy is not met.
    let (code, report) = both_verify(&n.dir, &policy);
    assert_eq!(code, 1);
    let finding = &file(&report, "descriptors_checkpoints")["findings"][0];
    assert_eq!(finding["kind"], "WITNESS_POLICY");
    assert_eq!(finding["found"], "none");

    // All up: every chain cosigned by all three.
    append_descriptor_cli(&n.dir, "first", &[]);
    checkpoint(&n.dir, &n.key, &specs);
    // Again, nothing new: the notes already carry every cosignature, so no
    // witness is asked and no history entry is added.
    let history = n.dir.join("descriptors.jsonl.checkpoints");
    let before = std::fs::read(&history).unwrap();
    let o = checkpoint(&n.dir, &n.key, &specs);
    assert!(stdout(&o).contains("descriptors: already signed"), "{o:?}");
    assert_eq!(std::fs::read(&history).unwrap(), before);
    let (code, report) = both_verify(&n.dir, &policy);
    assert_eq!(code, 0, "{report:#}");
    for c in CHAINS {
        assert_eq!(
            cosigners(&report, c),
            ["w1.test", "w2.test", "w3.test"],
            "{c}"
        );
    }

    // One down: the next checkpoint (a consistency proof from the size the
    // witnesses hold) has two cosignatures, enough.
    procs[2].stop();
    append_descriptor_cli(&n.dir, "second", &[]);
    let o = checkpoint(&n.dir, &n.key, &specs);
    assert!(String::from_utf8_lossy(&o.stderr).contains("witness w3.test did not cosign"));
    let (code, report) = both_verify(&n.dir, &policy);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(cosigners(&report, "descriptors"), ["w1.test", "w2.test"]);

    // Two down: one cosignature, not enough; the finding names who signed.
    procs[1].stop();
    append_descriptor_cli(&n.dir, "third", &[]);
    checkpoint(&n.dir, &n.key, &specs);
    let (code, report) = both_verify(&n.dir, &policy);
    assert_eq!(code, 1, "{report:#}");
    let f = &file(&report, "descriptors_checkpoints")["findings"][0];
    assert_eq!(f["kind"], "WITNESS_POLICY");
    assert_eq!(f["found"], "w1.test");
    assert!(f["line"].as_u64().is_some());
    // Without the policy the ledger is clean: cosignatures are extra
    // signature lines that every verifier ignores unless it trusts them.
    let o = run(iss().arg("verify").arg(&n.dir));
    assert_eq!(o.status.code(), Some(0), "{o:?}");
}

#[test]
fn a_fork_gets_409_then_422_and_no_cosignature() {
    let n = new_native(ORIGIN, false);
    let tmp = n.tmp.path();
    let logs = per_chain_logs(&n.dir);
    let (key_file, wvkey) = witness_key(tmp, "w.test");
    let w = WitnessProc::start(&key_file, &tmp.join("state"), &logs, &[]);
    let spec = format!("{}={wvkey}", w.url);
    // The fork: a copy of the ledger made before the honest append.
    let fork = tmp.join("fork");
    common::copy_tree(&n.dir, &fork);
    checkpoint(&n.dir, &n.key, std::slice::from_ref(&spec));
    checkpoint(&fork, &n.key, std::slice::from_ref(&spec));
    append_descriptor_cli(&n.dir, "honest", &[]);
    checkpoint(&n.dir, &n.key, std::slice::from_ref(&spec));
    append_descriptor_cli(&fork, "forked", &["--key".as_ref(), n.key.as_os_str()]);

    // The forked checkpoint (same size, another root), sent as if the
    // witness still held size 0: 409 with the witness's size.
    let note = std::fs::read_to_string(fork.join("descriptors.jsonl.checkpoint")).unwrap();
    let (status, ty, body) = post(&w.url, &format!("old 0\n\n{note}"));
    assert_eq!(
        (status, ty.as_str(), body.as_str()),
        (409, "text/x.tlog.size", "1\n")
    );
    // With the right old size: the roots differ, 422.
    let (status, _, _) = post(&w.url, &format!("old 1\n\n{note}"));
    assert_eq!(status, 422);
    // Through `iss checkpoint`: no cosignature, a warning naming the refusal.
    let o = checkpoint(&fork, &n.key, std::slice::from_ref(&spec));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("descriptors: witness w.test did not cosign") && err.contains("HTTP 422"),
        "{err}"
    );
    let latest = std::fs::read_to_string(fork.join("descriptors.jsonl.checkpoint")).unwrap();
    assert!(!latest.contains("\u{2014} w.test "), "{latest}");
    // Unknown log: 404; a checkpoint signed by another key: 403.
    let other = note.replace("iss.test/w/descriptors", "iss.test/other");
    assert_eq!(post(&w.url, &format!("old 0\n\n{other}")).0, 404);
    let other_key = new_native(ORIGIN, false);
    let foreign =
        std::fs::read_to_string(other_key.dir.join("descriptors.jsonl.checkpoint")).unwrap();
    assert_eq!(post(&w.url, &format!("old 0\n\n{foreign}")).0, 403);
    assert_eq!(post(&w.url, "not a request").0, 400);
    // The monitoring endpoint serves the honest checkpoint it cosigned.
    let hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(b"iss.test/w/descriptors"))
    };
    let mut r = ureq::get(&format!("{}/{hash}/checkpoint", w.url))
        .call()
        .unwrap();
    let served = r.body_mut().read_to_string().unwrap();
    assert!(
        served.starts_with("iss.test/w/descriptors\n1\n"),
        "{served}"
    );
    assert!(served.contains("\u{2014} w.test "), "{served}");
}

#[test]
fn a_witness_killed_after_persisting_never_moves_backwards() {
    let n = new_native(ORIGIN, false);
    let tmp = n.tmp.path();
    // Only the descriptors log: the other chains' requests (sent at the
    // same time) get 404 and cannot be the one the witness dies on.
    let logs = ledger_key_logs(&n.dir)[..1].to_vec();
    let (key_file, wvkey) = witness_key(tmp, "w.test");
    let state = tmp.join("state");
    let first = std::fs::read_to_string(n.dir.join("descriptors.jsonl.checkpoint")).unwrap();
    append_descriptor_cli(&n.dir, "one", &[]);
    append_descriptor_cli(&n.dir, "two", &[]);
    {
        let mut w = WitnessProc::start(
            &key_file,
            &state,
            &logs,
            &[("ISS_WITNESS_TEST_CRASH_AFTER_PERSIST", "1")],
        );
        let o = checkpoint(&n.dir, &n.key, &[format!("{}={wvkey}", w.url)]);
        // The witness died before answering: no cosignature came back.
        assert!(String::from_utf8_lossy(&o.stderr).contains("did not cosign"));
        let status = w.child.wait().unwrap();
        assert!(!status.success(), "the witness should have aborted");
    }
    // Restarted on the same state: it remembers size 2 and refuses the
    // older checkpoint of size 0 from its old size 0.
    let w = WitnessProc::start(&key_file, &state, &logs, &[]);
    let (status, _, body) = post(&w.url, &format!("old 0\n\n{first}"));
    assert_eq!((status, body.as_str()), (409, "2\n"));
    // And `iss checkpoint` learns the size from the 409 and gets cosigned.
    let o = checkpoint(&n.dir, &n.key, &[format!("{}={wvkey}", w.url)]);
    assert!(
        stdout(&o).contains("descriptors: cosigned by w.test"),
        "{o:?}"
    );
}

#[test]
fn sigterm_stops_a_witness_with_status_0_and_its_state_kept() {
    let n = new_native(ORIGIN, false);
    let tmp = n.tmp.path();
    let logs = ledger_key_logs(&n.dir);
    let (key_file, wvkey) = witness_key(tmp, "w.test");
    let state = tmp.join("state");
    let mut w = WitnessProc::start(&key_file, &state, &logs, &[]);
    append_descriptor_cli(&n.dir, "one", &[]);
    let o = checkpoint(&n.dir, &n.key, &[format!("{}={wvkey}", w.url)]);
    assert!(
        stdout(&o).contains("descriptors: cosigned by w.test"),
        "{o:?}"
    );
    let pid = rustix::process::Pid::from_child(&w.child);
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let status = w.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    // Restarted on the same state, it still holds size 1.
    let w = WitnessProc::start(&key_file, &state, &logs, &[]);
    let first = std::fs::read_to_string(n.dir.join("descriptors.jsonl.checkpoint")).unwrap();
    let (code, _, body) = post(&w.url, &format!("old 0\n\n{first}"));
    assert_eq!((code, body.as_str()), (409, "1\n"));
}

/// aics-tlog's verdict on `note` (`tests/independent/cosignatures_aics.py`):
/// `Some((ok, witnesses))`, or `None` with the reason printed when
/// python3 or aics-tlog is not there (.ci/run installs it into
/// target/pydeps).
fn aics(
    note: &Path,
    log_vkey: &str,
    witnesses: &[String],
    quorum: usize,
) -> Option<(bool, Vec<String>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let origin = std::fs::read_to_string(note)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let mut cmd = Command::new("python3");
    cmd.arg(root.join("tests/independent/cosignatures_aics.py"))
        .env("PYTHONPATH", root.join("target/pydeps"))
        .args(["--origin", &origin, "--log-vkey", log_vkey])
        .args(["--quorum", &quorum.to_string()]);
    for w in witnesses {
        cmd.args(["--witness", w]);
    }
    let Ok(o) = cmd.arg(note).output() else {
        eprintln!("skipped the aics-tlog check: python3 is not on PATH");
        return None;
    };
    if o.status.code() == Some(3) {
        eprintln!("skipped the aics-tlog check: {}", stdout(&o).trim());
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(i32::from(v["ok"] != true)));
    let names = v["witnesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_owned())
        .collect();
    Some((v["ok"] == true, names))
}

#[test]
fn cosignatures_verify_with_code_that_is_not_ours() {
    let n = new_native(ORIGIN, false);
    let tmp = n.tmp.path();
    let logs = per_chain_logs(&n.dir);
    let keys: Vec<(PathBuf, String)> = (1..=3)
        .map(|i| witness_key(tmp, &format!("w{i}.test")))
        .collect();
    let procs: Vec<WitnessProc> = keys
        .iter()
        .enumerate()
        .map(|(i, (k, _))| WitnessProc::start(k, &tmp.join(format!("s{i}")), &logs, &[]))
        .collect();
    let specs: Vec<String> = procs
        .iter()
        .zip(&keys)
        .map(|(p, (_, v))| format!("{}={v}", p.url))
        .collect();
    append_descriptor_cli(&n.dir, "one", &[]);
    checkpoint(&n.dir, &n.key, &specs);
    let vkeys: Vec<String> = keys.iter().map(|(_, v)| v.clone()).collect();
    let names: Vec<String> = (1..=3).map(|i| format!("w{i}.test")).collect();
    let ledger_vkey = ledger_key_logs(&n.dir)[0]
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    for (chain, per_chain) in CHAINS.iter().zip(&logs) {
        let note = n.dir.join(format!("{chain}.jsonl.checkpoint"));
        // Under the ledger's key and under the chain's origin-named key.
        for log_vkey in [ledger_vkey.as_str(), per_chain.split_once('=').unwrap().1] {
            let Some(verdict) = aics(&note, log_vkey, &vkeys, 3) else {
                return;
            };
            assert_eq!(verdict, (true, names.clone()), "{chain} with {log_vkey}");
        }
        // One witness's signature changed: that witness no longer counts
        // (aics-tlog rejects the note outright, as a configured key whose
        // signature fails), so 3 of 3 fails.
        let text = std::fs::read_to_string(&note).unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with("\u{2014} w2.test "))
            .unwrap();
        let sig = line.rsplit(' ').next().unwrap();
        let mut bytes =
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, sig).unwrap();
        bytes[20] ^= 1;
        let forged = text.replace(
            sig,
            &base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &bytes),
        );
        let bad = tmp.join(format!("{chain}.forged"));
        std::fs::write(&bad, forged).unwrap();
        let (ok, _) = aics(&bad, &ledger_vkey, &vkeys, 3).unwrap();
        assert!(!ok, "{chain}: a changed cosignature must not verify");
    }
}
