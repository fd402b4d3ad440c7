//! The situations `tests/exit_codes.rs` runs, per command and code.

use super::{
    Case, DESCRIPTOR, Fixtures, Outcome, common, iss_with, native, native_forged, os, unprivileged,
    workstation_quit,
};
use std::ffi::OsStr;
use std::path::Path;

fn d(p: &Path) -> &OsStr {
    p.as_os_str()
}

/// A fresh copy of a generated legacy ledger (situations that write).
fn fresh() -> tempfile::TempDir {
    common::generated_ledger(34)
}

/// [`fresh`] with its first record forged.
fn fresh_forged() -> tempfile::TempDir {
    let dir = fresh();
    common::edit_lines(
        &dir.path().join("data/spice_layer/spice_chain.jsonl"),
        |l| common::forge_process_name(&mut l[0], "Forged_Process"),
    );
    dir
}

/// `iss protect --clear` on a fresh ledger (nothing is set, so nothing is
/// left append-only for the clean-up to trip on); skipped where the file
/// system cannot tell its attributes.
fn protect_clear() -> Outcome {
    let dir = fresh();
    let out = crate::common::iss_process()
        .args(["protect", "--clear", "--json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let refused = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["outcome"] == "unsupported" || f["outcome"] == "not_permitted");
    match refused {
        Some(f) => Outcome::Skipped(format!("attributes not available here: {}", f["reason"])),
        None => Outcome::Code(out.status.code().unwrap()),
    }
}

#[allow(clippy::too_many_lines)] // one table of situations
pub fn all() -> Vec<Case> {
    let c = |command, situation, expect, run: fn(&Fixtures) -> Outcome| Case {
        command,
        situation,
        expect,
        run,
    };
    vec![
        c("verify", "clean", 0, |f| iss!("verify", d(f.clean.path()))),
        c("verify", "forged record", 1, |f| {
            iss!("verify", d(f.forged.path()))
        }),
        c("verify", "unreadable start log", 2, |f| {
            unprivileged(&[os("verify").as_ref(), d(f.unreadable_log.path())])
        }),
        c("verify", "no such path", 2, |f| iss!("verify", &f.missing)),
        c("watch", "clean, timeout", 0, |f| {
            iss!("watch", "--timeout", "1", d(f.clean.path()))
        }),
        c("watch", "forged record, timeout", 1, |f| {
            iss!("watch", "--timeout", "1", d(f.forged.path()))
        }),
        c("watch", "no such path", 2, |f| {
            iss!("watch", "--timeout", "1", &f.missing)
        }),
        c("watch", "unreadable start log", 2, |f| {
            unprivileged(&[
                os("watch").as_ref(),
                os("--timeout").as_ref(),
                os("1").as_ref(),
                d(f.unreadable_log.path()),
            ])
        }),
        c("report maturity", "clean", 0, |f| {
            iss!("report", "maturity", d(f.clean.path()))
        }),
        c("report maturity", "forged record", 1, |f| {
            iss!("report", "maturity", d(f.forged.path()))
        }),
        c("report maturity", "unreadable chain", 2, |f| {
            unprivileged(&[
                os("report").as_ref(),
                os("maturity").as_ref(),
                d(f.unreadable_chain.path()),
            ])
        }),
        c("report time", "clean", 0, |f| {
            iss!("report", "time", d(f.clean.path()))
        }),
        c("report time", "forged pulse", 1, |f| {
            iss!("report", "time", d(f.forged_time.path()))
        }),
        c("report time", "unreadable start log", 2, |f| {
            unprivileged(&[
                os("report").as_ref(),
                os("time").as_ref(),
                d(f.unreadable_log.path()),
            ])
        }),
        c("pulses", "clean", 0, |f| iss!("pulses", d(f.clean.path()))),
        c("pulses", "forged pulse", 1, |f| {
            iss!("pulses", d(f.forged_time.path()))
        }),
        c("pulses", "unreadable start log", 2, |f| {
            unprivileged(&[os("pulses").as_ref(), d(f.unreadable_log.path())])
        }),
        c("show", "clean", 0, |f| {
            iss!("show", d(f.clean.path()), &f.id)
        }),
        c("show", "the forged record", 1, |f| {
            iss!("show", d(f.forged.path()), &f.id)
        }),
        c("show", "no such id", 2, |f| {
            iss!("show", d(f.clean.path()), "no-such-id")
        }),
        c("show", "unreadable chain", 2, |f| {
            unprivileged(&[
                os("show").as_ref(),
                d(f.unreadable_chain.path()),
                os("abcd").as_ref(),
            ])
        }),
        c("find", "clean", 0, |f| {
            iss!("find", d(f.clean.path()), "--level", "5")
        }),
        c("find", "forged record", 1, |f| {
            iss!("find", d(f.forged.path()))
        }),
        c("find", "bad --since", 2, |f| {
            iss!("find", d(f.clean.path()), "--since", "yesterday")
        }),
        c("find", "unreadable chain", 2, |f| {
            unprivileged(&[os("find").as_ref(), d(f.unreadable_chain.path())])
        }),
        c("audit", "clean", 0, |f| {
            iss!("audit", d(f.clean.path()), &f.id)
        }),
        c("audit", "the forged record", 1, |f| {
            iss!("audit", d(f.forged.path()), &f.id)
        }),
        c("audit", "no such id", 2, |f| {
            iss!("audit", d(f.clean.path()), "no-such-id")
        }),
        c("audit", "unreadable start log", 2, |f| {
            unprivileged(&[
                os("audit").as_ref(),
                d(f.unreadable_log.path()),
                os("abcd").as_ref(),
            ])
        }),
        c("refs", "clean", 0, |f| iss!("refs", d(f.clean.path()))),
        c("refs", "forged record", 1, |f| {
            iss!("refs", d(f.forged.path()))
        }),
        c("refs", "unreadable start log", 2, |f| {
            unprivileged(&[os("refs").as_ref(), d(f.unreadable_log.path())])
        }),
        c("health", "clean", 0, |f| iss!("health", d(f.clean.path()))),
        c("health", "forged record", 1, |f| {
            iss!("health", d(f.forged.path()))
        }),
        c("health", "unreadable start log", 2, |f| {
            unprivileged(&[os("health").as_ref(), d(f.unreadable_log.path())])
        }),
        c("export", "clean", 0, |f| {
            let out = tempfile::tempdir().unwrap();
            iss!(
                "export",
                d(f.clean.path()),
                "--out",
                out.path().join("b.json")
            )
        }),
        c("export", "forged record", 1, |f| {
            let out = tempfile::tempdir().unwrap();
            iss!(
                "export",
                d(f.forged.path()),
                "--out",
                out.path().join("b.json")
            )
        }),
        c("export", "bundle exists", 2, |f| {
            let out = tempfile::tempdir().unwrap();
            let b = out.path().join("b.json");
            std::fs::write(&b, "{}").unwrap();
            iss!("export", d(f.clean.path()), "--out", b)
        }),
        c("append descriptor", "clean", 0, |_| {
            let dir = fresh();
            iss_with(
                &[os("append"), os("descriptor"), os(dir.path())],
                DESCRIPTOR,
            )
        }),
        c("append descriptor", "forged ledger", 1, |_| {
            let dir = fresh_forged();
            iss_with(
                &[os("append"), os("descriptor"), os(dir.path())],
                DESCRIPTOR,
            )
        }),
        c("append descriptor", "input is an array", 2, |_| {
            let dir = fresh();
            iss_with(
                &[os("append"), os("descriptor"), os(dir.path())],
                &format!("[{DESCRIPTOR}]"),
            )
        }),
        c("append pulse", "clean", 0, |_| {
            let dir = fresh();
            iss!(
                "append",
                "pulse",
                dir.path(),
                "--at",
                "2099-01-01T00:00:00.000000Z",
                "--mono-ns",
                "4000000000000000000"
            )
        }),
        c("append pulse", "forged pulse", 1, |f| {
            let dir = tempfile::tempdir().unwrap();
            common::copy_tree(f.forged_time.path(), dir.path());
            iss!(
                "append",
                "pulse",
                dir.path(),
                "--at",
                "2099-01-01T00:00:00Z"
            )
        }),
        c("append pulse", "bad --at", 2, |_| {
            let dir = fresh();
            iss!("append", "pulse", dir.path(), "--at", "tomorrow")
        }),
        c("repair", "nothing to repair", 0, |_| {
            iss!("repair", fresh().path())
        }),
        c("repair", "no such path", 2, |f| iss!("repair", &f.missing)),
        c("init", "new folder", 0, |_| {
            let tmp = tempfile::tempdir().unwrap();
            iss!("init", tmp.path().join("ledger"))
        }),
        c("init", "folder not empty", 2, |_| {
            let tmp = tempfile::tempdir().unwrap();
            std::fs::write(tmp.path().join("x"), "x").unwrap();
            iss!("init", tmp.path(), "--key", tmp.path().with_extension("k"))
        }),
        c("migrate", "clean legacy", 0, |f| {
            let tmp = tempfile::tempdir().unwrap();
            iss!("migrate", d(f.clean.path()), tmp.path().join("n"))
        }),
        c("migrate", "forged legacy", 1, |f| {
            let tmp = tempfile::tempdir().unwrap();
            iss!("migrate", d(f.forged.path()), tmp.path().join("n"))
        }),
        c("migrate", "no such path", 2, |f| {
            let tmp = tempfile::tempdir().unwrap();
            iss!("migrate", &f.missing, tmp.path().join("n"))
        }),
        c("checkpoint", "native", 0, |_| {
            iss!("checkpoint", native().dir)
        }),
        c("checkpoint", "forged native", 1, |_| {
            iss!("checkpoint", native_forged().dir)
        }),
        c("checkpoint", "legacy ledger", 2, |f| {
            iss!("checkpoint", d(f.clean.path()))
        }),
        c("publish", "native", 0, |_| {
            let n = native();
            iss!("publish", &n.dir, n.tmp.path().join("published"))
        }),
        c("publish", "forged native", 1, |_| {
            let n = native_forged();
            iss!("publish", &n.dir, n.tmp.path().join("published"))
        }),
        c("publish", "legacy ledger", 2, |f| {
            let tmp = tempfile::tempdir().unwrap();
            iss!("publish", d(f.clean.path()), tmp.path().join("published"))
        }),
        c("key verifier", "native", 0, |_| {
            iss!("key", "verifier", native().dir)
        }),
        c("key verifier", "legacy ledger", 2, |f| {
            iss!("key", "verifier", d(f.clean.path()))
        }),
        c("key rotate", "native", 0, |_| {
            let n = native();
            let new = n.tmp.path().join("new.key");
            iss!("key", "rotate", &n.dir, "--key", &n.key, "--new-key", new)
        }),
        c("key rotate", "forged native", 1, |_| {
            let n = native_forged();
            let new = n.tmp.path().join("new.key");
            iss!("key", "rotate", &n.dir, "--key", &n.key, "--new-key", new)
        }),
        c("key rotate", "legacy ledger", 2, |f| {
            iss!(
                "key",
                "rotate",
                d(f.clean.path()),
                "--key",
                "k",
                "--new-key",
                "n"
            )
        }),
        c("prove", "native", 0, |_| {
            iss!("prove", native().dir, "--record", "0")
        }),
        c("prove", "legacy ledger", 2, |f| {
            iss!("prove", d(f.clean.path()), "--record", "0")
        }),
        c("protect", "clear, nothing set", 0, |_| protect_clear()),
        c("protect", "no such path", 2, |f| {
            iss!("protect", &f.missing)
        }),
        c("serve", "no such path", 2, |f| {
            iss!("serve", &f.missing, "--listen", "127.0.0.1:0")
        }),
        c("witness key", "created", 0, |_| {
            let t = tempfile::tempdir().unwrap();
            iss!("witness", "key", t.path().join("w.key"), "--name", "w.test")
        }),
        c("witness key", "no such file and no --name", 2, |f| {
            iss!("witness", "key", &f.missing)
        }),
        c("witness serve", "a bad --log value", 2, |_| {
            let t = tempfile::tempdir().unwrap();
            let key = t.path().join("w.key");
            if let Outcome::Code(c) = iss!("witness", "key", &key, "--name", "w.test") {
                assert_eq!(c, 0);
            }
            iss!(
                "witness",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--key",
                key,
                "--state",
                t.path().join("state"),
                "--log",
                "iss.test/x=not-a-verifier-key"
            )
        }),
        c("completions bash", "printed", 0, |_| {
            iss!("completions", "bash")
        }),
        c("completions zsh", "printed", 0, |_| {
            iss!("completions", "zsh")
        }),
        c("completions fish", "printed", 0, |_| {
            iss!("completions", "fish")
        }),
        c("man", "a new folder", 0, |_| {
            let tmp = tempfile::tempdir().unwrap();
            iss!("man", tmp.path().join("man1"))
        }),
        c("man", "a file where the folder should be", 2, |f| {
            iss!(
                "man",
                common::find_file(f.clean.path(), "spice_chain.jsonl")
            )
        }),
        c("sample", "new folder", 0, |_| {
            let tmp = tempfile::tempdir().unwrap();
            iss!("sample", tmp.path().join("s"), "--descriptors", "3")
        }),
        c("sample", "a ledger exists there", 2, |f| {
            iss!("sample", d(f.clean.path()))
        }),
        c("tui", "quit in a terminal", 0, |f| {
            workstation_quit(f.clean.path())
        }),
        c("tui", "no such path", 2, |f| iss!("tui", &f.missing)),
        c("tui", "no terminal", 2, |f| iss!("tui", d(f.clean.path()))),
    ]
}
