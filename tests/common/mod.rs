//! Shared helpers for the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

pub mod append_lines;
pub mod append_worker;
pub mod faults;
pub mod forge;
pub mod http;
pub mod s3;
pub mod tmux;
pub mod unprivileged;
pub mod watch;

use iss_workstation::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use iss_workstation::ledger::verify::{VerifyOptions, verify_path};
use std::fs;
use std::path::{Path, PathBuf};

/// The shared legacy fixtures, or `None` (with the reason printed) when this
/// repository was cloned alone.
pub fn shared_fixture(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/legacy")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "skipped: {} is absent (the shared fixtures are not beside this clone)",
            p.display()
        );
        None
    }
}

/// Fill `dir` with a genuine legacy ledger: the project's own generated
/// sample (always), or a copy of a shared fixture.
#[derive(Debug, Clone)]
pub enum Genuine {
    /// `iss sample` output with this seed (40 descriptors, 3 restarts).
    Generated(u64),
    /// A folder copied as it is.
    Copy(PathBuf),
}

impl Genuine {
    /// Write the ledger into `dir`.
    pub fn materialise(&self, dir: &Path) {
        match self {
            Genuine::Generated(seed) => {
                let spec = SampleSpec {
                    seed: *seed,
                    ..SampleSpec::default()
                };
                write_sample_ledger(dir, &spec).unwrap();
            }
            Genuine::Copy(src) => copy_tree(src, dir),
        }
    }
}

/// A generated legacy ledger (40 descriptors) in a fresh temporary folder.
pub fn generated_ledger(seed: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    Genuine::Generated(seed).materialise(dir.path());
    dir
}

/// The environment variable that gives `iss` a fixed clock instead of the
/// machine's (`src/cli/clock.rs`): tests never depend on this machine's
/// clocks, uptime or boot.
pub const CLOCK_ENV: &str = "ISS_FIXED_CLOCK";

/// A fixed clock for one `iss` run: `at` (RFC 3339) on the system clock,
/// `mono_ns` on the monotonic clock, in the fixed clock's boot.
pub fn clock_at(at: &str, mono_ns: u64) -> String {
    format!("{at},mono_ns={mono_ns}")
}

/// A fixed clock for each `iss` run a test starts without naming one:
/// 2026-12-01T09:00:00Z (a month after the generated ledgers' pulses) and
/// one hour of uptime, one minute later at each call in this test binary,
/// so that two descriptors appended by name never get the same time (and
/// id). Never the machine's clocks.
pub fn next_clock() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let n = CALLS.fetch_add(1, Ordering::Relaxed);
    // Minutes since 2026-12-01T00:00Z; December has room for 44,000 calls.
    let m = 9 * 60 + n;
    let (day, hour, minute) = (1 + m / 1440, m % 1440 / 60, m % 60);
    let at = format!("2026-12-{day:02}T{hour:02}:{minute:02}:00Z");
    clock_at(&at, 3_600_000_000_000 + n * 60_000_000_000)
}

/// The environment every `iss` a test starts gets (a test may set a
/// variable again afterwards): a fixed clock ([`next_clock`]); no
/// remembered checkpoints (`ISS_NO_STATE`, as `.cargo/config.toml` sets for
/// `cargo test`, so that a test run another way behaves the same); and this
/// test process's own state and cache directories ([`state_home`],
/// [`cache_home`]), so that a test that turns the state on again still
/// never reads or writes the machine's `~/.local/state/iss` or
/// `~/.cache/iss`. Only `tests/common` names the binary
/// (`tests/isolation.rs` checks): every `iss` goes through [`iss_cmd`],
/// [`iss_process`], [`iss_under`] or [`iss_shell`], which set these.
pub fn iss_env() -> [(&'static str, std::ffi::OsString); 4] {
    iss_env_at(next_clock())
}

/// [`iss_env`] with the clock `clock` (see [`clock_at`]).
pub fn iss_env_at(clock: String) -> [(&'static str, std::ffi::OsString); 4] {
    [
        (CLOCK_ENV, clock.into()),
        (NO_STATE_ENV, "1".into()),
        (STATE_ENV, state_home().into_os_string()),
        (CACHE_ENV, cache_home().into_os_string()),
    ]
}

/// `iss` with [`iss_env`], as an `assert_cmd` command.
pub fn iss_cmd() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::new(iss_binary());
    c.envs(iss_env());
    c
}

/// `iss` with [`iss_env`], as a `std::process::Command` (to spawn it, or
/// give it pipes).
pub fn iss_process() -> std::process::Command {
    let mut c = std::process::Command::new(iss_binary());
    c.envs(iss_env());
    c
}

/// `PROGRAM ARGS... iss` with [`iss_env`]: `iss` started by another
/// program (`setpriv`, `sh`), which passes the environment on.
pub fn iss_under(program: &str, args: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(program);
    c.args(args).arg(iss_binary()).envs(iss_env());
    c
}

/// `iss` as the start of a shell command (a tmux session's): the
/// variables of [`iss_env`], then `vars` (which win), then the binary. A
/// tmux session does not get the test's environment but the tmux
/// server's, which may be any process's.
pub fn iss_shell(vars: &[(&str, &Path)]) -> String {
    let mut words: Vec<String> = iss_env()
        .iter()
        .map(|(k, v)| format!("{k}='{}'", v.to_string_lossy()))
        .collect();
    words.extend(vars.iter().map(|(k, v)| format!("{k}='{}'", v.display())));
    words.push(format!("'{}'", iss_binary().display()));
    words.join(" ")
}

/// The `iss` binary under test. To run it, use [`iss_cmd`],
/// [`iss_process`], [`iss_under`] or [`iss_shell`]; the path itself only
/// for what does not run it on this machine (an image's build context) or
/// what is given [`iss_env`] (a script that starts it).
pub fn iss_binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_iss"))
}

/// Where `iss` keeps remembered checkpoints unless told otherwise.
pub const STATE_ENV: &str = "XDG_STATE_HOME";

/// Set (to `1`): `iss` neither reads nor writes remembered checkpoints
/// unless `--state DIR` says where.
pub const NO_STATE_ENV: &str = "ISS_NO_STATE";

/// Where `iss` caches published locations' objects unless told otherwise.
pub const CACHE_ENV: &str = "XDG_CACHE_HOME";

/// A state directory of this test process's own (under Cargo's
/// `CARGO_TARGET_TMPDIR`), for every `iss` a test starts without choosing
/// one: never the machine's `~/.local/state/iss`, where a checkpoint
/// remembered by an earlier run of the suite (the test ledgers' origins and
/// keys are fixed; their contents are not) is a fork to the next run.
pub fn state_home() -> std::path::PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| fresh_dir("state")).clone()
}

/// A cache directory of this test process's own, beside [`state_home`]:
/// never the machine's `~/.cache/iss`.
pub fn cache_home() -> std::path::PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| fresh_dir("cache")).clone()
}

/// `<CARGO_TARGET_TMPDIR>/<kind>-<process id>`, emptied: a folder of that
/// name left by an earlier run of the suite (whose test process had the
/// same id) is another run's state, not this one's.
fn fresh_dir(kind: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{kind}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

/// Run `iss ARGS PATH AFTER...` with the clock `clock` (see [`clock_at`]),
/// expect exit `code`, return stdout.
pub fn iss_stdout_at(clock: &str, args: &[&str], path: &Path, after: &[&str], code: i32) -> String {
    let out = assert_cmd::Command::new(iss_binary())
        .envs(iss_env_at(clock.to_owned()))
        .args(args)
        .arg(path)
        .args(after)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("UTF-8 output")
}

/// Run `iss ARGS PATH AFTER...` (with a fixed clock, [`next_clock`]),
/// expect exit `code`, return stdout.
pub fn iss_stdout(args: &[&str], path: &Path, after: &[&str], code: i32) -> String {
    iss_stdout_at(&next_clock(), args, path, after, code)
}

/// Run `iss ARGS PATH`, expect exit `code`, and parse stdout as one JSON document.
pub fn iss_json(args: &[&str], path: &Path, code: i32) -> serde_json::Value {
    serde_json::from_str(&iss_stdout(args, path, &[], code)).expect("stdout is one JSON document")
}

/// The genuine ledgers tamper tests run on: a generated one always, and the
/// legacy service's reference run when the shared fixtures are present.
pub fn genuine_ledgers() -> Vec<Genuine> {
    let mut v = vec![Genuine::Generated(7)];
    v.extend(shared_fixture("reference-run").map(Genuine::Copy));
    v
}

/// Copy a directory tree (files and folders only).
pub fn copy_tree(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to);
        } else {
            fs::copy(entry.path(), &to).unwrap();
            let mut perm = fs::metadata(&to).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            fs::set_permissions(&to, perm).unwrap();
        }
    }
}

/// `dir`, then every folder and file below it (a folder before what it
/// holds).
pub fn paths_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(paths_below(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Every file below `dir` (not the folders).
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    paths_below(dir)
        .into_iter()
        .filter(|p| !p.is_dir())
        .collect()
}

/// A finding reduced to what tamper tests assert: file, kind, line.
pub type Spot = (String, String, Option<u64>);

/// Verify `path` and list every finding as (file name, kind, line), sorted.
pub fn spots(path: &Path) -> Vec<Spot> {
    let report = verify_path(path, &VerifyOptions::default()).expect("ledger opens");
    let mut v: Vec<Spot> = report
        .findings()
        .map(|(file, f)| (file.name.to_owned(), f.kind.name().to_owned(), f.line))
        .collect();
    v.sort();
    v
}

/// Shorthand for an expected spot.
pub fn spot(file: &str, kind: &str, line: u64) -> Spot {
    (file.to_owned(), kind.to_owned(), Some(line))
}

/// The lines of a file, each without its `\n` (the file must end in one).
pub fn read_lines(path: &Path) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    assert_eq!(lines.pop().as_deref(), Some(""), "file ends in a newline");
    lines
}

/// Write lines back, each followed by `\n`.
pub fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    fs::write(path, text).unwrap();
}

/// Apply `edit` to the lines of `path`.
pub fn edit_lines(path: &Path, edit: impl FnOnce(&mut Vec<String>)) {
    let mut lines = read_lines(path);
    edit(&mut lines);
    write_lines(path, &lines);
}

/// Value of a string field of a JSON line.
pub fn field(line: &str, name: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} is a string"))
        .to_owned()
}

/// Rewrite a descriptor line's `process_name` (a field the legacy hash
/// covers) to `to`.
pub fn forge_process_name(line: &mut String, to: &str) {
    let name = field(line, "process_name");
    *line = line.replace(
        &format!("\"process_name\":\"{name}\""),
        &format!("\"process_name\":\"{to}\""),
    );
}

/// Whether a ledger verifies with no finding at all.
pub fn assert_pristine(path: &Path) {
    assert_eq!(
        spots(path),
        Vec::<Spot>::new(),
        "the untouched ledger has no findings"
    );
}

/// The first file named `name` under `dir` (any depth).
pub fn find_file(dir: &Path, name: &str) -> PathBuf {
    fn walk(dir: &Path, name: &str) -> Option<PathBuf> {
        for e in fs::read_dir(dir).ok()? {
            let p = e.ok()?.path();
            if p.is_dir() {
                if let Some(f) = walk(&p, name) {
                    return Some(f);
                }
            } else if p.file_name().is_some_and(|n| n == name) {
                return Some(p);
            }
        }
        None
    }
    walk(dir, name).unwrap_or_else(|| panic!("no {name} under {}", dir.display()))
}

/// A new native ledger made with the project's own `init`: the folder
/// `<tmp>/ledger`, its signing key `<tmp>/ledger.key` and, when keyed, its
/// HMAC key `<tmp>/ledger.mac` (both outside the ledger, as `iss init` wants).
pub struct NewNative {
    /// Keeps the folder alive.
    pub tmp: tempfile::TempDir,
    /// The ledger.
    pub dir: PathBuf,
    /// The signing key file.
    pub key: PathBuf,
    /// The HMAC key file, for a keyed ledger.
    pub mac: Option<PathBuf>,
}

/// See [`NewNative`].
pub fn new_native(origin: &str, keyed: bool) -> NewNative {
    use iss_workstation::ledger::native::write::init::{InitOptions, init};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ledger");
    let key = tmp.path().join("ledger.key");
    let mac = keyed.then(|| tmp.path().join("ledger.mac"));
    init(
        &dir,
        &InitOptions {
            origin: origin.into(),
            key_path: key.clone(),
            mac_key_path: mac.clone(),
            created: "2026-11-27T00:00:00.000000Z".into(),
            genesis_extra: None,
        },
    )
    .unwrap();
    NewNative { tmp, dir, key, mac }
}

/// `iss append descriptor LEDGER EXTRA...` from outside, as another process
/// would: one descriptor named `name` on standard input; asserts success.
pub fn append_descriptor_cli(ledger: &Path, name: &str, extra: &[&std::ffi::OsStr]) {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = iss_process()
        .args(["append", "descriptor"])
        .arg(ledger)
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let d = serde_json::json!({
        "process_name": name,
        "process_version": "1",
        "capability_level": 3,
        "process_outcome": "compliant",
        "compliance_score": 0.9,
        "assessed_by": "outside",
        "assessment_method": "test",
    });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(d.to_string().as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "iss append descriptor");
}

/// Every file directly in `dir`, by name, with its bytes (sorted): equal
/// before and after means nothing in the folder changed.
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Descriptor `n` of a test ledger (process ENG.0-2, level 0-5), assessed
/// by `who`.
pub fn descriptor_input(
    n: u64,
    who: &str,
) -> iss_workstation::ledger::legacy::write::append::NewDescriptor {
    serde_json::from_value(serde_json::json!({
        "process_name": format!("ENG.{}", n % 3),
        "process_version": "1.0",
        "capability_level": n % 6,
        "process_outcome": "compliant",
        "compliance_score": 0.5,
        "assessed_by": who,
        "assessment_method": "interview",
        "evidence_required": ["plan"],
        "evidence_provided": ["plan"],
    }))
    .unwrap()
}

/// [`tmux::new_session`], under the name tests used before
/// [`tmux::Session`].
pub fn tmux_new_session(name: &str, command: &str) {
    tmux::new_session(name, command);
}
