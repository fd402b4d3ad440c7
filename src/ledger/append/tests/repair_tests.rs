//! A repair removes exactly the torn bytes, keeps them in a backup, and
//! never touches a complete line.

use super::{append, write_file};
use crate::ledger::append::fsio::sha256;
use crate::ledger::append::repair::create_backup;
use crate::ledger::append::{
    AppendError, LedgerLock, Repair, Tail, TailState, TornRemoved, repair_torn_tail,
};
use std::fs;
use std::path::Path;

fn repair(path: &Path) -> Result<Repair, AppendError> {
    let dir = path.parent().unwrap();
    let mut lock = LedgerLock::acquire(dir).unwrap();
    repair_torn_tail(&mut lock, path, dir)
}

fn truncated(r: Repair) -> TornRemoved {
    match r {
        Repair::Truncated(t) => t,
        Repair::NothingToDo => panic!("expected a repair"),
    }
}

fn backups(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".torn-"))
        .collect();
    v.sort();
    v
}

#[test]
fn removes_only_the_torn_bytes_and_backs_them_up() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "chain.jsonl", b"{\"a\":1}\n{\"b\":2}\n{\"c\":");
    let t = truncated(repair(&p).unwrap());
    assert_eq!(fs::read(&p).unwrap(), b"{\"a\":1}\n{\"b\":2}\n");
    assert_eq!((t.offset, t.len, t.sha256), (16, 5, sha256(b"{\"c\":")));
    assert_eq!(fs::read(&t.backup).unwrap(), b"{\"c\":");
    assert!(
        t.backup
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("chain.jsonl.torn-")
    );
    assert_eq!(Tail::read(&p).unwrap(), TailState::Clean(t.new_tail));
    // The returned tail is good for the next append.
    append(&p, &t.new_tail, &["{\"c\":3}"]).unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
}

#[test]
fn is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "l", b"a\nb");
    truncated(repair(&p).unwrap());
    assert_eq!(repair(&p).unwrap(), Repair::NothingToDo);
    assert_eq!(fs::read(&p).unwrap(), b"a\n");
    assert_eq!(backups(dir.path()).len(), 1);
}

#[test]
fn nothing_to_do_on_clean_and_empty_files() {
    let dir = tempfile::tempdir().unwrap();
    for data in [&b""[..], b"a\n", b"a\r\n", b"\n"] {
        let p = write_file(dir.path(), "l", data);
        assert_eq!(repair(&p).unwrap(), Repair::NothingToDo);
        assert_eq!(fs::read(&p).unwrap(), data);
    }
    assert!(backups(dir.path()).is_empty());
    let e = repair(&dir.path().join("missing")).unwrap_err();
    assert!(matches!(e, AppendError::NotFound { .. }), "{e}");
}

#[test]
fn a_file_without_any_newline_is_cut_to_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "l", b"{\"half");
    let t = truncated(repair(&p).unwrap());
    assert_eq!((t.offset, t.len, t.new_tail), (0, 6, Tail::EMPTY));
    assert_eq!(fs::read(&p).unwrap(), b"");
    assert_eq!(fs::read(&t.backup).unwrap(), b"{\"half");
}

#[test]
fn a_large_torn_tail_is_copied_whole() {
    let dir = tempfile::tempdir().unwrap();
    let torn: Vec<u8> = (0..3_000_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let mut data = b"first\n".to_vec();
    data.extend_from_slice(&torn);
    let p = write_file(dir.path(), "l", &data);
    let t = truncated(repair(&p).unwrap());
    assert_eq!(
        (t.offset, t.len, t.sha256),
        (6, torn.len() as u64, sha256(&torn))
    );
    assert_eq!(fs::read(&t.backup).unwrap(), torn);
    assert_eq!(fs::read(&p).unwrap(), b"first\n");
}

#[test]
fn backups_go_to_the_given_directory() {
    let ledgers = tempfile::tempdir().unwrap();
    let saved = tempfile::tempdir().unwrap();
    let p = write_file(ledgers.path(), "l", b"a\nb");
    let mut lock = LedgerLock::acquire(ledgers.path()).unwrap();
    let t = truncated(repair_torn_tail(&mut lock, &p, saved.path()).unwrap());
    assert_eq!(t.backup.parent().unwrap(), saved.path());
    assert_eq!(backups(saved.path()).len(), 1);
}

#[test]
fn a_backup_never_overwrites_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "l.torn-7", b"older evidence");
    let (p, _f) = create_backup(&crate::ledger::append::OsStorage, dir.path(), "l", 7).unwrap();
    assert_eq!(p.file_name().unwrap(), "l.torn-7-1");
    assert_eq!(
        fs::read(dir.path().join("l.torn-7")).unwrap(),
        b"older evidence"
    );
}

/// Where `chattr` works (ext4 as root), an append-only ledger refuses the
/// cut before any backup is made, with a permission error a user can read.
#[test]
fn an_append_only_ledger_refuses_repair_before_backing_up() {
    struct Unchattr<'a>(&'a Path);
    impl Drop for Unchattr<'_> {
        fn drop(&mut self) {
            let _ = std::process::Command::new("chattr")
                .arg("-a")
                .arg(self.0)
                .status();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let p = write_file(dir.path(), "l", b"a\nb");
    let ok = std::process::Command::new("chattr")
        .arg("+a")
        .arg(&p)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: chattr +a not available here");
        return;
    }
    let _guard = Unchattr(&p);
    let e = repair(&p).unwrap_err();
    assert!(matches!(e, AppendError::PermissionDenied { .. }), "{e}");
    assert!(backups(dir.path()).is_empty());
    assert_eq!(fs::read(&p).unwrap(), b"a\nb");
}
