//! What a packager relies on: `iss --version` names the commit, shell
//! completions and manual pages cover every command, including `serve`.

mod common;

use clap::CommandFactory;
use std::process::Command;

fn iss(args: &[&str]) -> String {
    let out = common::iss_process().args(args).output().unwrap();
    assert!(out.status.success(), "iss {args:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_version_names_the_commit() {
    let v = iss(&["--version"]);
    let commit = v
        .split("(commit ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .unwrap_or_else(|| panic!("`iss --version` names a commit: {v}"));
    let hash = commit.trim_end_matches("-modified");
    assert!(
        hash == "unknown" || (hash.len() == 12 && hash.chars().all(|c| c.is_ascii_hexdigit())),
        "{v}"
    );
    // In a git checkout (as here and in CI), it is the checkout's commit.
    if let Ok(out) = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        && out.status.success()
    {
        let head = String::from_utf8(out.stdout).unwrap();
        // The binary may be a commit behind a HEAD that moved since it was
        // built; a fresh build (CI) matches.
        if hash != head.trim() {
            eprintln!("note: built from {hash}, HEAD is now {}", head.trim());
        }
    }
}

#[test]
fn completions_and_man_pages_cover_every_command() {
    let commands: Vec<String> = iss_workstation::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    assert!(commands.iter().any(|c| c == "serve"));
    for shell in ["bash", "zsh", "fish"] {
        let script = iss(&["completions", shell]);
        for c in &commands {
            assert!(script.contains(c.as_str()), "{shell} completes {c}");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    iss(&["man", dir.path().to_str().unwrap()]);
    assert!(dir.path().join("iss.1").exists());
    for c in commands.iter().filter(|c| *c != "help") {
        let page = dir.path().join(format!("iss-{c}.1"));
        assert!(page.exists(), "{}", page.display());
    }
    let serve = std::fs::read_to_string(dir.path().join("iss-serve.1")).unwrap();
    assert!(
        serve.contains("token"),
        "the serve page documents --token-file"
    );
}
