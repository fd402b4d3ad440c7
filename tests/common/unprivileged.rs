//! Running `iss` as a user without privileges, for tests about files that
//! cannot be read: root reads a file at mode 000, so as root (CI) the test
//! drops to `nobody` with `setpriv`; as any other user it runs `iss` as is.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

/// The user and group the tests drop to.
pub const NOBODY: &str = "65534";

/// A command line that runs `iss` without privileges, or `None` (with the
/// reason printed) when privileges cannot be dropped here.
pub fn iss_command() -> Option<Vec<String>> {
    let iss = env!("CARGO_BIN_EXE_iss").to_owned();
    // /proc/self belongs to the process's effective user.
    let root = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").unwrap()) == 0;
    if !root {
        return Some(vec![iss]);
    }
    let ok = Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "skipped: running as root and setpriv (util-linux) is not installed to drop privileges"
        );
        return None;
    }
    Some(vec![
        "setpriv".into(),
        format!("--reuid={NOBODY}"),
        format!("--regid={NOBODY}"),
        "--clear-groups".into(),
        iss,
    ])
}

/// Run `iss ARGS` without privileges (`None`: skipped, reason printed).
pub fn iss(args: &[&std::ffi::OsStr]) -> Option<Output> {
    let cmd = iss_command()?;
    Some(
        Command::new(&cmd[0])
            .args(&cmd[1..])
            .args(args)
            .output()
            .unwrap(),
    )
}

/// Let the unprivileged user into `dir` and read what is in it (a
/// temporary folder is created for its owner only); key files keep their
/// mode.
pub fn open_to_all(dir: &Path) {
    for entry in walk(dir) {
        if entry.extension().is_some_and(|e| e == "key") {
            continue;
        }
        let mode = if entry.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Make `file` unreadable (mode 000) until the guard is dropped.
pub struct Unreadable<'a>(&'a Path);

impl<'a> Unreadable<'a> {
    /// Set `file` to mode 000.
    pub fn new(file: &'a Path) -> Self {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o000)).unwrap();
        Unreadable(file)
    }
}

impl Drop for Unreadable<'_> {
    fn drop(&mut self) {
        let _ = std::fs::set_permissions(self.0, std::fs::Permissions::from_mode(0o644));
    }
}
