//! A real `iss serve` on 127.0.0.1 and a free port, and a real HTTP client.
#![allow(dead_code)] // each test binary uses a different subset

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A token for tests.
pub const TOKEN: &str = "test-token-0123456789abcdef";

/// A running server; SIGTERM and wait on drop.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub agent: ureq::Agent,
}

/// Write the token file (mode 0600) into `dir`.
pub fn token_file(dir: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join("token");
    std::fs::write(&p, format!("{TOKEN}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}

impl Server {
    /// `iss serve LEDGER --listen 127.0.0.1:0 EXTRA...`, once it listens.
    pub fn start(ledger: &Path, extra: &[&std::ffi::OsStr]) -> Server {
        let mut child = crate::common::iss_process()
            .arg("serve")
            .arg(ledger)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .env_remove("PORT")
            .env("LOG_LEVEL", "WARNING")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("expected `listening on ADDR`, found {line:?}"))
            .to_owned();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Server {
            child,
            base: format!("http://{addr}"),
            agent,
        }
    }

    /// `iss serve LEDGER --write --token-file FILE`.
    pub fn start_writing(ledger: &Path, token_dir: &Path) -> Server {
        let t = token_file(token_dir);
        Server::start(
            ledger,
            &["--write".as_ref(), "--token-file".as_ref(), t.as_os_str()],
        )
    }

    /// GET `path`: status and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let mut r = self
            .agent
            .get(format!("{}{path}", self.base))
            .call()
            .unwrap();
        let body = r.body_mut().read_to_string().unwrap();
        (r.status().as_u16(), body)
    }

    /// GET `path` as JSON.
    pub fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let (s, b) = self.get(path);
        (
            s,
            serde_json::from_str(&b).unwrap_or_else(|e| panic!("GET {path}: {e}: {b}")),
        )
    }

    /// POST `body` to `path` with `token` (when given).
    pub fn post(&self, path: &str, token: Option<&str>, body: &str) -> (u16, serde_json::Value) {
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let mut r = req.send(body).unwrap();
        let text = r.body_mut().read_to_string().unwrap();
        (
            r.status().as_u16(),
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("POST {path}: {e}: {text}")),
        )
    }

    /// SIGTERM, then the exit code.
    pub fn stop(mut self) -> i32 {
        self.terminate()
    }

    fn terminate(&mut self) -> i32 {
        let pid = rustix::process::Pid::from_child(&self.child);
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s.code().unwrap_or(-1);
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = self.child.kill();
                panic!("the server did not stop within 20 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A valid `ProcessData` body named `name`.
pub fn process_data(name: &str) -> serde_json::Value {
    serde_json::json!({
        "process_name": name,
        "process_version": "1.0",
        "capability_level": 3,
        "process_outcome": "compliant",
        "compliance_score": 0.75,
        "apriori_refs": ["apriori:x"],
        "aposteriori_refs": [],
        "glyph_range_start": "g-start",
        "glyph_range_end": "g-end",
        "glyph_count": 2,
        "evidence_required": ["log"],
        "evidence_provided": ["log"],
        "assessed_by": "tester",
        "assessment_method": "test",
        "active_constraints": [],
    })
}

/// Poll `f` until it is true or 15 s pass.
pub fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{what}: not within 15 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
