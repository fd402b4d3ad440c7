//! A MAC key given for a ledger whose format has no MACs (a legacy
//! ledger) is refused with the reason, before anything is read or written:
//! used silently, it would make a review look keyed that checked no MAC,
//! and an append look keyed that wrote none. A native ledger made without
//! a MAC key may still carry MACs (FORMAT.md §5), so a review takes one.

mod common;

use common::faults::snapshot;
use iss_workstation::ledger::native::secret::MacKey;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// A new MAC key file (mode 0600) in `dir`, outside any ledger.
fn mac_key(dir: &Path) -> PathBuf {
    let path = dir.join("some.mac");
    MacKey::generate().unwrap().write(&path).unwrap();
    path
}

/// One descriptor, as `iss append descriptor` reads it on standard input.
const DESCRIPTOR: &str = r#"{"process_name":"Unkeyed_0","process_version":"1","capability_level":3,"process_outcome":"compliant","compliance_score":0.9,"assessed_by":"outside","assessment_method":"test"}"#;

/// `iss ARGS` (a descriptor on its standard input, for an append).
fn iss(args: &[&OsStr]) -> assert_cmd::Command {
    let mut cmd = common::iss_cmd();
    cmd.args(args)
        .write_stdin(DESCRIPTOR)
        // A watch or a workstation that took the key would run on.
        .timeout(std::time::Duration::from_secs(60));
    cmd
}

/// `cmd` exits 2, printing nothing on standard output and `why` with the
/// refusal on standard error.
fn refused(cmd: &mut assert_cmd::Command, why: &str) {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{cmd:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{cmd:?}: no verdict is printed");
    assert!(
        stderr.contains(why)
            && stderr.contains("no record carries a MAC, so this key would check nothing"),
        "{cmd:?}: {stderr}"
    );
}

#[test]
fn a_legacy_ledger_given_a_mac_key_is_refused_for_review_and_append() {
    let ledger = common::generated_ledger(11);
    let keys = tempfile::tempdir().unwrap();
    let mac = mac_key(keys.path());
    let before = snapshot(ledger.path());
    let why = "is a legacy ledger, whose format has no MACs";
    let key = ["--mac-key".as_ref(), mac.as_os_str()];
    for command in [
        &["verify"][..],
        &["watch"],
        &["tui"],
        &["append", "descriptor"],
    ] {
        let mut args: Vec<&OsStr> = command.iter().map(AsRef::as_ref).collect();
        args.push(ledger.path().as_os_str());
        args.extend(key);
        refused(&mut iss(&args), why);
    }
    // The same key through the environment.
    refused(
        iss(&["verify".as_ref(), ledger.path().as_os_str()]).env("ISS_MAC_KEY", &mac),
        why,
    );
    // Without it the ledger verifies as before.
    iss(&["verify".as_ref(), ledger.path().as_os_str()])
        .assert()
        .success();
    assert_eq!(snapshot(ledger.path()), before, "nothing was written");
}

#[test]
fn a_native_ledger_made_without_a_mac_key_is_reviewed_with_one_and_not_written_with_it() {
    // FORMAT.md §5: a ledger without `mac_key_id` may still carry MACs,
    // checked the same way, so a review takes the key (its report counts
    // what it checked); the writer refuses a key the ledger was not made
    // with, as before.
    let native = common::new_native("mac.test/unkeyed", false);
    let keys = tempfile::tempdir().unwrap();
    let mac = mac_key(keys.path());
    let key = ["--mac-key".as_ref(), mac.as_os_str()];
    let before = snapshot(&native.dir);
    iss(&[&["verify".as_ref(), native.dir.as_os_str()][..], &key].concat())
        .assert()
        .success();
    let out = iss(&[
        &[
            "append".as_ref(),
            "descriptor".as_ref(),
            native.dir.as_os_str(),
        ][..],
        &key,
    ]
    .concat())
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr.contains("this ledger is not keyed"), "{stderr}");
    assert_eq!(snapshot(&native.dir), before, "nothing was written");
}

#[test]
fn a_keyed_native_ledger_still_takes_its_key() {
    let native = common::new_native("mac.test/keyed", true);
    let mac = native.mac.clone().unwrap();
    let key = ["--mac-key".as_ref(), mac.as_os_str()];
    common::append_descriptor_cli(&native.dir, "Keyed_0", &key);
    iss(&[&["verify".as_ref(), native.dir.as_os_str()][..], &key].concat())
        .assert()
        .success();
}
