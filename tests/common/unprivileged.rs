//! Running `iss` as a user without privileges, for tests about files that
//! cannot be read: root reads a file at mode 000, so as root (CI) the test
//! drops to `nobody` with `setpriv`; as any other user it runs `iss` as is.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

/// The user and group the tests drop to.
pub const NOBODY: &str = "65534";

/// Runs `iss` without privileges. The binary is run where cargo built it
/// when the unprivileged user can reach it there, else from a copy in a
/// temporary folder it can reach (removed with the runner).
pub struct Runner {
    command: Vec<String>,
    _copy: Option<tempfile::TempDir>,
}

impl Runner {
    /// A runner, or `None` (with the reason printed) when privileges
    /// cannot be dropped here.
    pub fn new() -> Option<Runner> {
        let iss = super::iss_binary().to_str().unwrap().to_owned();
        // /proc/self belongs to the process's effective user.
        let root =
            std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").unwrap()) == 0;
        if !root {
            return Some(Runner {
                command: with_env(vec![iss]),
                _copy: None,
            });
        }
        let setpriv = |bin: &str| {
            let mut v: Vec<String> = vec![
                "setpriv".into(),
                format!("--reuid={NOBODY}"),
                format!("--regid={NOBODY}"),
                "--clear-groups".into(),
            ];
            v.push(bin.to_owned());
            v
        };
        let runs = |cmd: &[String]| {
            Command::new(&cmd[0])
                .args(&cmd[1..])
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        };
        let has_setpriv = Command::new("setpriv")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !has_setpriv {
            eprintln!(
                "skipped: running as root and setpriv (util-linux) is not installed to drop privileges"
            );
            return None;
        }
        let direct = setpriv(&iss);
        if runs(&direct) {
            return Some(Runner {
                command: with_env(direct),
                _copy: None,
            });
        }
        // The build folder is not reachable by the unprivileged user (a
        // checkout under /root): run a copy.
        let copy = tempfile::tempdir().unwrap();
        std::fs::set_permissions(copy.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let bin = copy.path().join("iss");
        std::fs::copy(&iss, &bin).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        let command = setpriv(bin.to_str().unwrap());
        assert!(
            runs(&command),
            "the unprivileged user cannot run {}",
            bin.display()
        );
        Some(Runner {
            command: with_env(command),
            _copy: Some(copy),
        })
    }

    /// The command line (program first) that runs `iss` without privileges
    /// (with [`super::iss_env`], through `env`).
    pub fn command(&self) -> &[String] {
        &self.command
    }

    /// Run `iss ARGS` without privileges.
    pub fn iss(&self, args: &[&std::ffi::OsStr]) -> Output {
        Command::new(&self.command[0])
            .args(&self.command[1..])
            .args(args)
            .output()
            .unwrap()
    }
}

/// `env K=V... COMMAND`: `command` with [`super::iss_env`] (the
/// unprivileged user cannot write the state directory; `ISS_NO_STATE`
/// keeps `iss` from trying).
fn with_env(command: Vec<String>) -> Vec<String> {
    let mut v = vec!["env".to_owned()];
    v.extend(
        super::iss_env()
            .iter()
            .map(|(k, val)| format!("{k}={}", val.to_string_lossy())),
    );
    v.extend(command);
    v
}

/// Let the unprivileged user into `dir` and read what is in it (a
/// temporary folder is created for its owner only); key files keep their
/// mode.
pub fn open_to_all(dir: &Path) {
    for entry in super::paths_below(dir) {
        if entry.extension().is_some_and(|e| e == "key") {
            continue;
        }
        let mode = if entry.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(mode)).unwrap();
    }
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
