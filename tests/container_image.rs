//! The container image, built and run for real: the Dockerfile's runtime
//! stage (`FROM scratch`), verbatim, built offline by podman from the
//! filesystem `docker/rootfs.sh` makes of this build's `iss`, then run with
//! a ledger volume and a published loopback port. Checked: the server
//! answers `/health` through the port, runs as the unprivileged user, the
//! image's HEALTHCHECK follows the verdict, and `podman stop` (SIGTERM)
//! exits 0.
//!
//! Only the Dockerfile's build stage (`FROM rust:…`, which needs a
//! registry) is not run here: its one step beyond `cargo build` is the same
//! `docker/rootfs.sh`. Rootful podman needs root (CI runs as root and
//! `.ci/run` installs podman and runc); the test says why it skips without.
//! runc with lowered rlimits: on these VMs crun refuses the hybrid cgroup
//! layout and raising `RLIMIT_NPROC`/`RLIMIT_NOFILE` is not permitted.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn podman(args: &[&str]) -> Output {
    Command::new("podman")
        .args(["--runtime", "runc"])
        .args(args)
        .output()
        .expect("podman runs")
}

fn podman_ok(args: &[&str]) -> String {
    let out = podman(args);
    assert!(
        out.status.success(),
        "podman {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Whether rootful podman can run here; says why the test is skipped.
fn podman_available() -> bool {
    if Command::new("podman").arg("--version").output().is_err() {
        eprintln!("skipped: podman is not installed (.ci/run installs podman and runc)");
        return false;
    }
    if !rustix::process::geteuid().is_root() {
        eprintln!(
            "skipped: building and running an image needs root (rootful podman; CI runs as root)"
        );
        return false;
    }
    true
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The label every image the test builds carries (`iss-image-test=NAME`):
/// how its cleanup finds them, and only them.
const LABEL: &str = "iss-image-test";

/// The images labelled by the test named `name` (every stage's, tagged or not).
/// Full ids without the `sha256:` prefix; none when podman fails (this
/// runs in a `Drop` too, where a panic would abort).
fn labelled_images(name: &str) -> Vec<String> {
    let out = podman(&[
        "images",
        "-a",
        "-q",
        "--no-trunc",
        "--filter",
        &format!("label={LABEL}={name}"),
    ]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().trim_start_matches("sha256:").to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Removes the container and the images the test built however it ends:
/// the tagged one, and any untagged stage image a build left behind
/// (found by the test's own label, so nobody else's image goes).
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = podman(&["rm", "-f", &self.0]);
        let _ = podman(&["rmi", "-f", &self.0]);
        for id in labelled_images(&self.0) {
            let _ = podman(&["rmi", "-f", &id]);
        }
    }
}

/// The Dockerfile's runtime stage, from its `FROM scratch` line on.
fn runtime_stage() -> String {
    let dockerfile =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile")).unwrap();
    let at = dockerfile
        .find("\nFROM scratch")
        .expect("the Dockerfile's runtime stage is FROM scratch");
    dockerfile[at + 1..].to_owned()
}

fn get_health(port: u16) -> Option<serde_json::Value> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    let mut r = agent
        .get(format!("http://127.0.0.1:{port}/health"))
        .call()
        .ok()?;
    serde_json::from_str(&r.body_mut().read_to_string().ok()?).ok()
}

/// Build the image `name` from the context `ctx`, labelled as the test's.
fn build_image(name: &str, ctx: &Path) {
    // --format docker: the OCI format has no HEALTHCHECK. --layers=false:
    // podman otherwise keeps the build stage as an untagged image (some
    // 80 MB per run).
    podman_ok(&[
        "build",
        "--format",
        "docker",
        "--layers=false",
        "--label",
        &format!("{LABEL}={name}"),
        "-t",
        name,
        "-f",
        ctx.join("Dockerfile").to_str().unwrap(),
        ctx.to_str().unwrap(),
    ]);
}

#[test]
fn the_image_serves_the_volume_as_an_unprivileged_user_and_its_healthcheck_follows_the_verdict() {
    if !podman_available() {
        return;
    }
    let name = format!("iss-image-test-{}", std::process::id());
    let _cleanup = Cleanup(name.clone());
    // The build context: the rootfs of this build's iss, and a Dockerfile
    // whose build stage only provides it.
    let ctx = tempfile::tempdir().unwrap();
    let rootfs = ctx.path().join("rootfs");
    let made = Command::new("sh")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("docker/rootfs.sh"))
        .arg(common::iss_binary())
        .arg(&rootfs)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    std::fs::write(
        ctx.path().join("Dockerfile"),
        format!(
            "FROM scratch AS build\nCOPY rootfs/ /rootfs/\n\n{}",
            runtime_stage()
        ),
    )
    .unwrap();
    build_image(&name, ctx.path());
    let tagged = podman_ok(&["image", "inspect", &name, "--format", "{{.Id}}"]);
    assert_eq!(
        labelled_images(&name),
        [tagged],
        "the build leaves only the tagged image, no untagged build stage"
    );
    let user = podman_ok(&["image", "inspect", &name, "--format", "{{.Config.User}}"]);
    assert_eq!(user, "10001:10001");

    let ledger = common::generated_ledger(53);
    let chown = Command::new("chown")
        .args(["-R", "10001:10001"])
        .arg(ledger.path())
        .status()
        .unwrap();
    assert!(chown.success());
    let port = free_port();
    podman_ok(&[
        "run",
        "-d",
        "--name",
        &name,
        "-v",
        &format!("{}:/ledger", ledger.path().display()),
        "-p",
        &format!("127.0.0.1:{port}:8000"),
        "--ulimit",
        "nofile=1024:1024",
        "--ulimit",
        "nproc=1000:1000",
        &name,
    ]);
    let start = Instant::now();
    let health = loop {
        if let Some(h) = get_health(port) {
            break h;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no answer on the published port within 60 s: {}",
            String::from_utf8_lossy(&podman(&["logs", &name]).stderr)
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(health["status"], "healthy", "{health}");
    assert_eq!(health["spice_layer_integrity"], "VERIFIED", "{health}");
    // The server is PID 1 (the entrypoint exec'd it) and not root.
    let top = podman_ok(&["top", &name, "user", "pid", "args"]);
    assert!(
        top.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()[..3] == ["iss", "1", "iss"]),
        "{top}"
    );
    assert!(podman(&["healthcheck", "run", &name]).status.success());

    // A forged record: the server's verdict fails, and so does the
    // image's health check.
    common::edit_lines(
        &common::find_file(ledger.path(), "spice_chain.jsonl"),
        |l| common::forge_process_name(&mut l[1], "Forged"),
    );
    let start = Instant::now();
    while podman(&["healthcheck", "run", &name]).status.success() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "unhealthy within 30 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(get_health(port).unwrap()["spice_layer_integrity"], "FAILED");

    // `podman stop`: SIGTERM (the image's STOPSIGNAL) to iss, exit 0.
    podman_ok(&["stop", "-t", "20", &name]);
    assert_eq!(
        podman_ok(&["inspect", &name, "--format", "{{.State.ExitCode}}"]),
        "0"
    );
}
