//! The container's entrypoint and health check, run as the image runs them
//! (`docker/entrypoint.sh` with the image's environment, `iss` on `PATH`,
//! `docker/healthcheck.sh` against it), on 127.0.0.1 and a free port. No
//! container engine is needed: building the image itself is not tested here.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn script(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docker")
        .join(name)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn path_with_iss() -> String {
    let bin = common::iss_binary().parent().unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn healthcheck(port: u16) -> i32 {
    Command::new(script("healthcheck.sh"))
        .env("PORT", port.to_string())
        .status()
        .unwrap()
        .code()
        .unwrap_or(-1)
}

#[test]
fn the_entrypoint_serves_the_volume_and_the_health_check_follows_the_verdict() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("skipped: bash is not installed (the health check is a bash script)");
        return;
    }
    let ledger = common::generated_ledger(51);
    let port = free_port();
    let mut child = Command::new(script("entrypoint.sh"))
        .envs(common::iss_env())
        .env("PATH", path_with_iss())
        .env("ISS_LEDGER", ledger.path())
        .env("PORT", port.to_string())
        .env("LOG_LEVEL", "INFO")
        .env("ISS_LISTEN_HOST", "127.0.0.1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), format!("listening on 127.0.0.1:{port}"));
    assert_eq!(healthcheck(port), 0, "healthy on a clean ledger");
    // A forged record: the health check turns unhealthy.
    common::edit_lines(
        &common::find_file(ledger.path(), "spice_chain.jsonl"),
        |l| common::forge_process_name(&mut l[1], "Forged"),
    );
    let start = Instant::now();
    while healthcheck(port) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "unhealthy within 15 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // `docker stop` sends SIGTERM to the entrypoint, which exec'd iss.
    let pid = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert_ne!(healthcheck(port), 0, "nothing answers after the stop");
}

#[test]
fn the_entrypoint_refuses_a_token_file_others_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let ledger = common::generated_ledger(52);
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "a-token-of-enough-length-0123\n").unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = Command::new(script("entrypoint.sh"))
        .env("PATH", path_with_iss())
        .env("ISS_LEDGER", ledger.path())
        .env("PORT", free_port().to_string())
        .env("ISS_LISTEN_HOST", "127.0.0.1")
        .env("ISS_TOKEN_FILE", &token)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mode 0600"));
}
