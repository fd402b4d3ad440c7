//! A MAC key given for a ledger whose format has no MACs (a legacy
//! ledger) is refused with the reason, before anything is read or written:
//! used silently, it would make a review look keyed that checked no MAC,
//! and an append look keyed that wrote none. A native ledger made without
//! a MAC key may still carry MACs (FORMAT.md §5), so a review takes one.

mod common;

use std::path::Path;

/// A MAC key file (mode 0600) outside any ledger.
fn mac_key(dir: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("some.mac");
    std::fs::write(&path, [7u8; 32]).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// Every file below `dir` with its bytes: equal before and after means
/// nothing was written.
fn snapshot(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = common::files_below(dir);
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(&f).unwrap();
            (f, bytes)
        })
        .collect()
}

/// One descriptor, as `iss append descriptor` reads it on standard input.
const DESCRIPTOR: &str = r#"{"process_name":"Unkeyed_0","process_version":"1","capability_level":3,"process_outcome":"compliant","compliance_score":0.9,"assessed_by":"outside","assessment_method":"test"}"#;

fn refused(args: &[&std::ffi::OsStr], why: &str) {
    let out = common::iss_cmd()
        .args(args)
        .write_stdin(DESCRIPTOR)
        // A watch or a workstation that took the key would run on.
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: no verdict is printed");
    assert!(
        stderr.contains(why)
            && stderr.contains("no record carries a MAC, so this key would check nothing"),
        "{args:?}: {stderr}"
    );
}

#[test]
fn a_legacy_ledger_given_a_mac_key_is_refused_for_review_and_append() {
    let ledger = common::generated_ledger(11);
    let keys = tempfile::tempdir().unwrap();
    let mac = mac_key(keys.path());
    let before = snapshot(ledger.path());
    let why = "is a legacy ledger, whose format has no MACs";
    for command in [
        &["verify"][..],
        &["watch"],
        &["tui"],
        &["append", "descriptor"],
    ] {
        let mut args: Vec<&std::ffi::OsStr> = command.iter().map(AsRef::as_ref).collect();
        args.extend([
            ledger.path().as_os_str(),
            "--mac-key".as_ref(),
            mac.as_os_str(),
        ]);
        refused(&args, why);
    }
    // The same key through the environment.
    let out = common::iss_cmd()
        .arg("verify")
        .arg(ledger.path())
        .env("ISS_MAC_KEY", &mac)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(why));
    // Without it the ledger verifies as before.
    common::iss_cmd()
        .arg("verify")
        .arg(ledger.path())
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
    let before = snapshot(&native.dir);
    let out = common::iss_cmd()
        .arg("verify")
        .arg(&native.dir)
        .args(["--mac-key".as_ref(), mac.as_os_str()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = common::iss_cmd()
        .args([
            "append".as_ref(),
            "descriptor".as_ref(),
            native.dir.as_os_str(),
        ])
        .args(["--mac-key".as_ref(), mac.as_os_str()])
        .write_stdin(DESCRIPTOR)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("this ledger is not keyed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(snapshot(&native.dir), before, "nothing was written");
}

#[test]
fn a_keyed_native_ledger_still_takes_its_key() {
    let native = common::new_native("mac.test/keyed", true);
    let mac = native.mac.clone().unwrap();
    common::append_descriptor_cli(
        &native.dir,
        "Keyed_0",
        &["--mac-key".as_ref(), mac.as_os_str()],
    );
    let out = common::iss_cmd()
        .arg("verify")
        .arg(&native.dir)
        .args(["--mac-key".as_ref(), mac.as_os_str(), "--json".as_ref()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
