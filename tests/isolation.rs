//! Tests never depend on this machine's state: every `iss` a test starts
//! gets the environment of `common::iss_env` (a fixed clock, no
//! remembered checkpoints, this test process's own state and cache
//! directories), never the machine's `~/.local/state/iss`, where a
//! checkpoint remembered by an earlier run of the suite made a fresh test
//! ledger of the same origin a fork (CI failed on it once).
//!
//! Two checks: no test file outside `tests/common` names the binary (so
//! none can start it without the helpers), and the helpers' `iss` does not
//! read a planted state that a bare `iss` reads.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

/// What names the binary in a test: Cargo's variable for its path, and
/// `assert_cmd`'s lookup (both spelled in two halves so that this file
/// does not name them itself).
const NAMES_THE_BINARY: &[&str] = &[concat!("CARGO_BIN_", "EXE_"), concat!("cargo", "_bin(")];

/// The files that may use `common::iss_binary()`, the path itself, and why:
/// neither runs it on this machine without `common::iss_env`.
const MAY_USE_THE_PATH: &[(&str, &str)] = &[
    (
        "tests/container_image.rs",
        "copies the binary into an image's build context",
    ),
    (
        "tests/serve_container.rs",
        "puts its folder on the PATH of a script started with common::iss_env",
    ),
];

/// Every `.rs` file below `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = common::files_below(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    v.sort();
    v
}

/// Whether `line` holds `needle` not as the end of a longer name.
fn names(line: &str, needle: &str) -> bool {
    line.match_indices(needle).any(|(i, _)| {
        !line[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// The lines of code (not comments) of `file` that hold `needle` (see
/// [`names`]), as `path:line: text`.
fn code_lines_with(file: &Path, rel: &str, needle: &str) -> Vec<String> {
    fs::read_to_string(file)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//") && names(l, needle))
        .map(|(i, l)| format!("{rel}:{}: {}", i + 1, l.trim()))
        .collect()
}

#[test]
fn only_tests_common_names_the_iss_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = rust_files(&root.join("tests"));
    assert!(files.len() > 50, "the test files were found");
    let mut bad = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(root).unwrap().to_string_lossy().into_owned();
        // Only tests/common/mod.rs (`iss_binary`) names the binary.
        if rel != "tests/common/mod.rs" {
            for name in NAMES_THE_BINARY {
                bad.extend(code_lines_with(f, &rel, name));
            }
        }
        if !rel.starts_with("tests/common/") && !MAY_USE_THE_PATH.iter().any(|(p, _)| *p == rel) {
            bad.extend(code_lines_with(f, &rel, concat!("iss_", "binary()")));
        }
    }
    assert!(
        bad.is_empty(),
        "start `iss` with common::iss_cmd, iss_process, iss_under or iss_shell (they \
         keep it off this machine's state); these name the binary instead:\n{}",
        bad.join("\n")
    );
}

/// A native ledger whose older copy is in place, and a home whose
/// `.local/state/iss` remembers the newer one: a bare `iss verify` there
/// reports a ROLLBACK. Returns (folder kept alive, ledger, home).
fn rolled_back_under_a_planted_home() -> (common::NewNative, PathBuf, PathBuf) {
    let n = common::new_native("iss.test/isolation", false);
    let sign: [&std::ffi::OsStr; 2] = ["--key".as_ref(), n.key.as_os_str()];
    let append = |name| common::append_descriptor_cli(&n.dir, name, &sign);
    append("first");
    let old = n.tmp.path().join("old");
    common::copy_tree(&n.dir, &old);
    append("second");
    let home = n.tmp.path().join("home");
    let planted = home.join(".local/state/iss");
    let out = common::iss_process()
        .args(["verify", "--json", "--state"])
        .arg(&planted)
        .arg(&n.dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        planted.join("checkpoints").is_dir(),
        "the state was planted"
    );
    fs::remove_dir_all(&n.dir).unwrap();
    common::copy_tree(&old, &n.dir);
    let ledger = n.dir.clone();
    (n, ledger, home)
}

/// `iss verify --json LEDGER` with `HOME` set to `home`, the helper's
/// environment changed by `edit`: exit code and the finding kinds.
fn verify_at_home(
    ledger: &Path,
    home: &Path,
    edit: impl FnOnce(&mut std::process::Command),
) -> (i32, Vec<String>) {
    let mut cmd = common::iss_process();
    cmd.env("HOME", home);
    edit(&mut cmd);
    let out = cmd.args(["verify", "--json"]).arg(ledger).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().cloned().unwrap_or_default())
        .map(|f| f["kind"].as_str().unwrap().to_owned())
        .collect();
    (out.status.code().unwrap(), kinds)
}

#[test]
fn the_helpers_iss_never_reads_the_machines_remembered_checkpoints() {
    let (_n, ledger, home) = rolled_back_under_a_planted_home();
    let before = common::paths_below(&home);
    // The planted state bites an `iss` that reads the home's state.
    let (code, kinds) = verify_at_home(&ledger, &home, |c| {
        c.env_remove(common::STATE_ENV)
            .env_remove(common::NO_STATE_ENV);
    });
    assert_eq!(
        (code, kinds),
        (1, vec!["ROLLBACK".to_owned()]),
        "a bare iss reads ~/.local/state/iss"
    );
    // The helper's `iss` does not read it: as it is, and with the state
    // turned on again (its own state directory wins over the home's).
    assert_eq!(verify_at_home(&ledger, &home, |_| {}), (0, vec![]));
    let (code, kinds) = verify_at_home(&ledger, &home, |c| {
        c.env_remove(common::NO_STATE_ENV);
    });
    assert_eq!(
        (code, kinds),
        (0, vec![]),
        "its own state is not the home's"
    );
    assert!(
        common::state_home().join("iss/checkpoints").is_dir(),
        "the state turned on went to the test's own directory"
    );
    // The bare run reads the home's state and writes nothing new there
    // (not clean); the helper's runs touched nothing in it.
    assert_eq!(common::paths_below(&home), before);
}
