//! Trust from outside the ledger (issue 12, item 2): a rollback (an older
//! copy restored) and a fork (another history of the same or a larger
//! size, signed with the ledger's own key) verify clean on their own, and
//! are caught with `--trust FILE`, with the remembered state, and by a
//! proof saved earlier (`--proof`).

mod common;

use common::snapshot;

use common::copy_tree;
use iss_workstation::ledger::legacy::write::append::NewDescriptor;
use iss_workstation::ledger::native::secret::read_signer;
use iss_workstation::ledger::native::write::NativeWriter;
use iss_workstation::ledger::native::write::descriptors::append_descriptors;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn input(n: u64, who: &str) -> NewDescriptor {
    common::descriptor_input(n, who)
}

/// A ledger, the folder it lives in, and its signing key.
struct Scene {
    tmp: tempfile::TempDir,
    dir: PathBuf,
    key: PathBuf,
}

impl Scene {
    /// Append `n` descriptors assessed by `who`, signed.
    fn append(&self, n: u64, who: &str, t: i64) {
        let mut w =
            NativeWriter::open(&self.dir, Some(read_signer(&self.key).unwrap()), None).unwrap();
        append_descriptors(&mut w, (0..n).map(|i| input(i, who)).collect(), t, true).unwrap();
    }
    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }
    /// Replace the ledger with the copy in `from`.
    fn restore(&self, from: &Path) {
        fs::remove_dir_all(&self.dir).unwrap();
        copy_tree(from, &self.dir);
    }
}

/// A ledger of 5 signed descriptors, an older copy of it saved as `old`,
/// then 5 more: 10 signed descriptors.
fn scene() -> Scene {
    let common::NewNative { tmp, dir, key, .. } = common::new_native("iss.test/trust", false);
    let s = Scene { tmp, dir, key };
    s.append(5, "alice", 1_790_000_000_000_000);
    copy_tree(&s.dir, &s.path("old"));
    s.append(5, "alice", 1_790_000_100_000_000);
    s
}

/// `iss ARGS` with the user's state switch removed (cargo sets
/// `ISS_NO_STATE` for the tests); exit `code`; stdout.
fn iss(args: &[&std::ffi::OsStr], code: i32) -> String {
    let out = common::iss_cmd()
        .env_remove("ISS_NO_STATE")
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .clone();
    String::from_utf8(out.stdout).unwrap()
}

fn os<'a>(v: &'a [&'a str]) -> Vec<&'a std::ffi::OsStr> {
    v.iter().map(std::ffi::OsStr::new).collect()
}

/// `iss verify --json LEDGER EXTRA...`, expecting `code`.
fn verify(ledger: &Path, extra: &[&str], code: i32) -> Value {
    let mut args = os(&["verify", "--json"]);
    args.push(ledger.as_os_str());
    args.extend(os(extra));
    serde_json::from_str(&iss(&args, code)).unwrap()
}

/// The (kind, expected, found) of every finding on `file`.
fn kinds(v: &Value, file: &str) -> Vec<(String, String, String)> {
    v["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == file)
        .flat_map(|f| f["findings"].as_array().unwrap().clone())
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_owned(),
                f["expected"].as_str().unwrap_or("").to_owned(),
                f["found"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn root_of(v: &Value, chain: &str) -> String {
    v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == chain)
        .unwrap()["native"]["merkle_root"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `iss checkpoint LEDGER --json` saved to `file` (one line per chain).
fn save_checkpoint(s: &Scene, file: &str) -> PathBuf {
    let out = iss(
        &[
            "checkpoint".as_ref(),
            s.dir.as_os_str(),
            "--key".as_ref(),
            s.key.as_os_str(),
            "--json".as_ref(),
        ],
        0,
    );
    let f = s.path(file);
    fs::write(&f, out).unwrap();
    f
}

#[test]
fn a_restored_older_copy_is_a_rollback_with_trust_and_clean_without() {
    let s = scene();
    let cp = save_checkpoint(&s, "cp.json");
    let at10 = verify(&s.dir, &["--no-state"], 0);
    let root10 = root_of(&at10, "descriptors");
    s.restore(&s.path("old"));
    // Alone, the older copy is a perfectly good ledger.
    let alone = verify(&s.dir, &["--no-state"], 0);
    let root5 = root_of(&alone, "descriptors");
    let v = verify(&s.dir, &["--trust", cp.to_str().unwrap()], 1);
    assert_eq!(
        kinds(&v, "descriptors"),
        [(
            "ROLLBACK".to_owned(),
            format!("size 10, root {root10}"),
            format!("size 5, root {root5}")
        )],
        "{v}"
    );
    assert_eq!(v["trust"]["source"], "file");
    assert_eq!(v["trust"]["checks"][0]["outcome"], "rollback");
    // The other chains did not move: the same file checks them clean.
    assert!(kinds(&v, "pulses").is_empty() && kinds(&v, "events").is_empty());
    let human = iss(
        &os(&[
            "verify",
            s.dir.to_str().unwrap(),
            "--trust",
            cp.to_str().unwrap(),
        ]),
        1,
    );
    assert!(
        human.contains("ROLLBACK") && human.contains(&root10) && human.contains(&root5),
        "{human}"
    );
    // The `.checkpoint` note kept from the size-10 ledger works as well.
    let note = s.path("d10.checkpoint");
    let line: Value =
        serde_json::from_str(fs::read_to_string(&cp).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(line["chain"], "descriptors");
    fs::write(&note, line["note"].as_str().unwrap()).unwrap();
    let v = verify(&s.dir, &["--trust", note.to_str().unwrap()], 1);
    assert_eq!(kinds(&v, "descriptors")[0].0, "ROLLBACK");
}

#[test]
fn a_fork_signed_with_the_ledgers_own_key_is_caught_with_trust() {
    let s = scene();
    let cp = save_checkpoint(&s, "cp.json");
    let root10 = root_of(&verify(&s.dir, &["--no-state"], 0), "descriptors");
    // The attacker restores the older copy and writes 5 other records,
    // signed with the ledger's key: the same size, another root.
    s.restore(&s.path("old"));
    s.append(5, "mallory", 1_790_000_100_000_000);
    let alone = verify(&s.dir, &["--no-state"], 0);
    let forked = root_of(&alone, "descriptors");
    assert_ne!(forked, root10);
    let v = verify(&s.dir, &["--trust", cp.to_str().unwrap()], 1);
    assert_eq!(
        kinds(&v, "descriptors"),
        [(
            "FORK".to_owned(),
            format!("size 10, root {root10}"),
            format!("size 10, root {forked}")
        )],
        "{v}"
    );
    // Longer than the trusted tree, the fork is still no extension of it:
    // no consistency proof from the trusted tree leads to this one.
    s.append(2, "mallory", 1_790_000_200_000_000);
    let v = verify(&s.dir, &["--trust", cp.to_str().unwrap()], 1);
    let k = kinds(&v, "descriptors");
    assert_eq!(k.len(), 1, "{v}");
    assert_eq!(k[0].0, "FORK");
    assert!(k[0].2.contains("size 12"), "{k:?}");
    // A genuine extension of the trusted tree is consistent.
    let t = scene();
    let cp = save_checkpoint(&t, "cp.json");
    t.append(3, "alice", 1_790_000_300_000_000);
    let v = verify(&t.dir, &["--trust", cp.to_str().unwrap()], 0);
    let checks = v["trust"]["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 3, "one per chain: {v}");
    assert!(checks.iter().all(|c| c["outcome"] == "consistent"), "{v}");
}

#[test]
fn the_remembered_state_catches_a_rollback_and_a_fork_on_the_next_run() {
    let s = scene();
    let state = s.path("state");
    let st = state.to_str().unwrap();
    let first = verify(&s.dir, &["--state", st], 0);
    assert_eq!(first["trust"]["source"], "state");
    let notes = first["trust"]["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 3, "first use said per origin: {first}");
    assert!(
        notes[0]
            .as_str()
            .unwrap()
            .contains("no checkpoint of iss.test/trust/")
    );
    assert_eq!(first["trust"]["saved"].as_array().unwrap().len(), 3);
    let remembered = state.join("checkpoints/iss.test%2Ftrust%2Fdescriptors.checkpoint");
    let kept = fs::read_to_string(&remembered).unwrap();
    assert!(
        kept.starts_with("iss.test/trust/descriptors\n10\n"),
        "{kept}"
    );
    // The same ledger again: consistent, nothing to write.
    let again = verify(&s.dir, &["--state", st], 0);
    assert!(again["trust"]["saved"].as_array().unwrap().is_empty());

    s.restore(&s.path("old"));
    let v = verify(&s.dir, &["--state", st], 1);
    assert_eq!(kinds(&v, "descriptors")[0].0, "ROLLBACK", "{v}");
    // A violated verification never moves the state (backwards or not).
    assert_eq!(fs::read_to_string(&remembered).unwrap(), kept);
    // Without the state the rollback is not seen.
    verify(&s.dir, &["--no-state"], 0);

    s.append(5, "mallory", 1_790_000_100_000_000);
    let v = verify(&s.dir, &["--state", st], 1);
    assert_eq!(kinds(&v, "descriptors")[0].0, "FORK", "{v}");
    assert_eq!(fs::read_to_string(&remembered).unwrap(), kept);

    // XDG_STATE_HOME is the default place.
    let xdg = s.path("xdg");
    let run = |code| {
        common::iss_cmd()
            .env_remove("ISS_NO_STATE")
            .env("XDG_STATE_HOME", &xdg)
            .args(["verify", "--json"])
            .arg(&s.dir)
            .assert()
            .code(code);
    };
    run(0);
    assert!(
        xdg.join("iss/checkpoints/iss.test%2Ftrust%2Fdescriptors.checkpoint")
            .exists()
    );
    s.restore(&s.path("old"));
    run(1);
}

#[test]
fn an_unreadable_state_is_reported_never_skipped() {
    let s = scene();
    let state = s.path("state");
    let f = state.join("checkpoints/iss.test%2Ftrust%2Fdescriptors.checkpoint");
    fs::create_dir_all(f.parent().unwrap()).unwrap();
    fs::write(&f, "not a checkpoint\n").unwrap();
    let v = verify(&s.dir, &["--state", state.to_str().unwrap()], 2);
    assert_eq!(v["status"], "incomplete");
    let e = v["trust"]["errors"][0].as_str().unwrap();
    assert!(e.contains("damaged") && e.contains("--no-state"), "{e}");
    // Nothing was written over it.
    assert_eq!(fs::read_to_string(&f).unwrap(), "not a checkpoint\n");
    // A directory in its place cannot be read either.
    fs::remove_file(&f).unwrap();
    fs::create_dir(&f).unwrap();
    let v = verify(&s.dir, &["--state", state.to_str().unwrap()], 2);
    assert!(
        v["trust"]["errors"][0]
            .as_str()
            .unwrap()
            .contains("cannot be read"),
        "{v}"
    );
    // No home and no --state: said, not guessed.
    let out = common::iss_cmd()
        .env_remove("ISS_NO_STATE")
        .env_remove("XDG_STATE_HOME")
        .env_remove("HOME")
        .arg("verify")
        .arg(&s.dir)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--state DIR") && err.contains("--no-state"),
        "{err}"
    );
}

#[test]
fn verification_writes_only_the_state_never_the_ledger() {
    let s = scene();
    let before = snapshot(&s.dir);
    let state = s.path("state");
    verify(&s.dir, &["--state", state.to_str().unwrap()], 0);
    verify(&s.dir, &["--state", state.to_str().unwrap()], 0);
    assert_eq!(snapshot(&s.dir), before);
    // --no-state writes nothing at all.
    let other = s.path("other");
    verify(&s.dir, &["--no-state"], 0);
    assert!(!other.exists());
}

#[test]
fn a_proof_saved_earlier_is_checked_against_the_ledger_it_is_given_with() {
    // The repro: prove record 9 at size 10, restore the 5-record copy.
    let s = scene();
    let p = s.path("p.json");
    let proof = iss(
        &os(&["prove", s.dir.to_str().unwrap(), "--record", "9", "--json"]),
        0,
    );
    fs::write(&p, proof).unwrap();
    let v = verify(&s.dir, &["--no-state", "--proof", p.to_str().unwrap()], 0);
    assert_eq!(v["proofs"][0]["valid"], true, "{v}");
    s.restore(&s.path("old"));
    let v = verify(&s.dir, &["--no-state", "--proof", p.to_str().unwrap()], 1);
    assert_eq!(v["proofs"][0]["valid"], false, "{v}");
    assert_eq!(kinds(&v, "descriptors")[0].0, "ROLLBACK", "{v}");
    // A fork of the same size: the proof's tree is not the ledger's.
    s.append(5, "mallory", 1_790_000_100_000_000);
    let v = verify(&s.dir, &["--no-state", "--proof", p.to_str().unwrap()], 1);
    assert_eq!(v["proofs"][0]["valid"], false, "{v}");
    assert_eq!(kinds(&v, "descriptors")[0].0, "FORK", "{v}");
}

#[test]
fn legacy_ledgers_refuse_trust_and_say_the_state_cannot_help_them() {
    let s = scene();
    let cp = save_checkpoint(&s, "cp.json");
    let legacy = common::generated_ledger(3);
    let v = verify(legacy.path(), &["--trust", cp.to_str().unwrap()], 2);
    let e = v["trust"]["errors"][0].as_str().unwrap();
    assert!(e.contains("legacy ledger has no signed checkpoints"), "{e}");
    let state = s.path("state");
    let v = verify(legacy.path(), &["--state", state.to_str().unwrap()], 0);
    let n = v["trust"]["notes"][0].as_str().unwrap();
    assert!(n.contains("cannot be detected"), "{n}");
    assert!(!state.join("checkpoints").exists());
}

#[test]
fn a_trusted_origin_the_ledger_does_not_have_is_an_error() {
    let s = scene();
    let other = common::new_native("iss.test/other", false);
    let f = s.path("other.checkpoint");
    fs::copy(other.dir.join("descriptors.jsonl.checkpoint"), &f).unwrap();
    let v = verify(&s.dir, &["--trust", f.to_str().unwrap()], 2);
    let e = v["trust"]["errors"][0].as_str().unwrap();
    assert!(
        e.contains("\"iss.test/other/descriptors\"") && e.contains("iss.test/trust/descriptors"),
        "{e}"
    );
    // A file that is no checkpoint at all is a usage error.
    let bad = s.path("bad");
    fs::write(&bad, "hello\n").unwrap();
    let out = common::iss_cmd()
        .args(["verify"])
        .arg(&s.dir)
        .arg("--trust")
        .arg(&bad)
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("not a checkpoint note")
    );
}

#[test]
fn watch_reports_a_rollback_against_the_remembered_state() {
    let s = scene();
    let state = s.path("state");
    let st = state.to_str().unwrap();
    verify(&s.dir, &["--state", st], 0);
    s.restore(&s.path("old"));
    let out = iss(
        &os(&[
            "watch",
            s.dir.to_str().unwrap(),
            "--json",
            "--max-events",
            "1",
            "--state",
            st,
        ]),
        1,
    );
    let ready: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(ready["event"], "ready");
    assert!(ready.to_string().contains("ROLLBACK"), "{ready}");
}

/// A state file the verifier may not read (mode 000, verified as an
/// unprivileged user) is an error naming it, not a first run.
#[test]
fn a_state_file_the_verifier_may_not_read_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    if !running_as_root()
        || std::process::Command::new("setpriv")
            .arg("--version")
            .output()
            .is_err()
    {
        eprintln!("skipped: needs root and setpriv to run iss as an unprivileged user");
        return;
    }
    let s = scene();
    let state = s.path("state");
    verify(&s.dir, &["--state", state.to_str().unwrap()], 0);
    let f = state.join("checkpoints/iss.test%2Ftrust%2Fdescriptors.checkpoint");
    // Everything readable by all but the one state file.
    for p in common::paths_below(s.tmp.path()) {
        let mode = if p.is_dir() { 0o755 } else { 0o644 };
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    }
    fs::set_permissions(&f, fs::Permissions::from_mode(0o000)).unwrap();
    let out = common::iss_under(
        "setpriv",
        &["--reuid=65534", "--regid=65534", "--clear-groups"],
    )
    .args(["verify", "--json"])
    .arg(&s.dir)
    .arg("--state")
    .arg(&state)
    .env_remove("ISS_NO_STATE")
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = v["trust"]["errors"][0].as_str().unwrap();
    assert!(
        e.contains("cannot be read") && e.contains("ermission denied"),
        "{e}"
    );
}

fn running_as_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}
