//! Invariant: the workstation is reached as `iss tui PATH`, `iss PATH` and
//! plain `iss`; without a terminal it refuses with a clear message and exit
//! 2 instead of garbling a pipe; the subcommands keep working beside it.

mod common;

use assert_cmd::Command;
use clap::Parser;
use iss_workstation::cli::{Cli, Command as Sub};
use iss_workstation::tui::ThemeName;
use std::path::PathBuf;

fn iss() -> Command {
    common::iss_cmd()
}

#[test]
fn a_bare_path_and_the_tui_command_both_open_the_workstation() {
    let cli = Cli::try_parse_from(["iss", "some/ledger", "--theme", "light"]).unwrap();
    assert!(cli.command.is_none());
    assert_eq!(cli.tui.path, Some(PathBuf::from("some/ledger")));
    assert_eq!(cli.tui.theme, ThemeName::Light);

    let cli = Cli::try_parse_from(["iss", "tui", "some/ledger"]).unwrap();
    let Some(Sub::Tui(args)) = cli.command else {
        panic!("expected the tui command");
    };
    assert_eq!(
        (args.path, args.theme),
        (Some(PathBuf::from("some/ledger")), ThemeName::Dark)
    );

    let cli = Cli::try_parse_from(["iss"]).unwrap();
    assert!(cli.command.is_none() && cli.tui.path.is_none());
}

#[test]
fn subcommands_are_not_taken_for_paths() {
    let cli = Cli::try_parse_from(["iss", "verify", "x"]).unwrap();
    assert!(matches!(cli.command, Some(Sub::Verify(_))));
    assert!(Cli::try_parse_from(["iss", "x", "verify"]).is_err());
}

#[test]
fn without_a_terminal_the_workstation_says_so_and_exits_2() {
    for args in [&["tui", "data/sample-ledger"][..], &["data/sample-ledger"]] {
        let out = iss().args(args).assert().code(2).get_output().clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("needs a terminal"), "{err}");
        assert!(
            err.contains("iss verify"),
            "points to the headless command: {err}"
        );
        assert!(out.stdout.is_empty(), "nothing drawn on a pipe");
    }
}

#[test]
fn a_mac_key_that_is_not_the_ledgers_is_refused_before_the_terminal() {
    let n = common::new_native("iss.test/tui-keys", true);
    let other = n.tmp.path().join("other.mac");
    iss_workstation::ledger::native::secret::write_secret(&other, &[9u8; 32]).unwrap();
    for args in [&["tui"][..], &["verify"], &["watch", "--max-events", "1"]] {
        let out = iss()
            .args(args)
            .arg(&n.dir)
            .arg("--mac-key")
            .arg(&other)
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("requires MAC key"), "{args:?}: {err}");
    }
    // The right key gets as far as the terminal check.
    let mac = n.mac.clone().unwrap();
    let out = iss()
        .args(["tui", "--write"])
        .arg(&n.dir)
        .arg("--mac-key")
        .arg(&mac)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs a terminal"), "{err}");
}

/// The one line `iss verify PATH` prints for a path it cannot open.
fn verify_error(path: &str) -> String {
    let out = iss()
        .args(["verify", path])
        .assert()
        .code(2)
        .get_output()
        .clone();
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn a_path_that_cannot_be_opened_is_the_one_line_error_of_verify_before_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nonexistent");
    let missing = missing.to_str().unwrap();
    let expected = verify_error(missing);
    assert_eq!(
        expected,
        format!("iss: error: {missing}: No such file or directory (os error 2)\n"),
        "one line, the OS error once"
    );
    for args in [
        &["tui", missing][..],
        &[missing],
        &["tui", "--write", missing],
    ] {
        let out = iss().args(args).assert().code(2).get_output().clone();
        assert_eq!(String::from_utf8_lossy(&out.stderr), expected, "{args:?}");
        assert!(out.stdout.is_empty());
    }
    // A folder with no ledger in it: verify's error too.
    let empty = tmp.path().to_str().unwrap();
    let expected = verify_error(empty);
    assert!(expected.contains("no ledger files found"), "{expected}");
    let out = iss()
        .args(["tui", empty])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert_eq!(String::from_utf8_lossy(&out.stderr), expected);
}

#[test]
fn a_mistyped_subcommand_gets_clap_s_suggestion_not_a_workstation() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        &["verfy", "x"][..],
        &["verfy"],
        &["verfy", "--json", "x"],
        &["--theme", "light", "verfy"],
    ] {
        let out = iss()
            .current_dir(tmp.path())
            .args(args)
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("unrecognized subcommand 'verfy'"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("tip: a similar subcommand exists: 'verify'"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("cannot be used with"), "{args:?}: {err}");
    }
    let out = iss()
        .current_dir(tmp.path())
        .args(["reprot", "time", "x"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("'report'"));
    // A word that is an existing path is a path, whatever it looks like.
    std::fs::create_dir(tmp.path().join("verfy")).unwrap();
    let out = iss()
        .current_dir(tmp.path())
        .arg("verfy")
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("verfy: no ledger files found"), "{err}");
    // A word close to no command is a path that does not exist.
    let out = iss()
        .current_dir(tmp.path())
        .arg("zzqx")
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "iss: error: zzqx: No such file or directory (os error 2)\n"
    );
}

/// Issue 15 item 7: the one-line help says what each command writes. Every
/// command that changes a ledger says `(writes!)`; `tui` does not call
/// itself read-only without naming `--write`; `append` does not say it is
/// for legacy ledgers only.
#[test]
fn the_help_lines_say_which_commands_write() {
    use clap::CommandFactory;
    let cmd = Cli::command();
    let about = |path: &[&str]| {
        let mut c = &cmd;
        for name in path {
            c = c
                .find_subcommand(name)
                .unwrap_or_else(|| panic!("no {name}"));
        }
        c.get_about().map(ToString::to_string).unwrap_or_default()
    };
    for writer in [
        &["append"][..],
        &["append", "descriptor"],
        &["append", "pulse"],
        &["repair"],
        &["protect"],
        &["init"],
        &["checkpoint"],
    ] {
        assert!(
            about(writer).contains("(writes!)"),
            "{writer:?}: {}",
            about(writer)
        );
    }
    let tui = about(&["tui"]);
    assert!(tui.contains("read-only unless --write"), "{tui}");
    for p in [&["append", "descriptor"][..], &["append", "pulse"]] {
        assert!(
            about(p).contains("legacy or a native"),
            "{p:?}: {}",
            about(p)
        );
    }
}
