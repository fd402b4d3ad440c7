//! Static web servers for the remote-review tests: `python3 -m
//! http.server` serving a published directory on 127.0.0.1 (a free port),
//! and the same server with counters (connections, requests, connections
//! open at once) for tests of how a client treats a server.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A static web server serving a directory on 127.0.0.1; killed on drop.
pub struct Http {
    child: Child,
    /// `http://127.0.0.1:PORT` (no trailing `/`).
    pub url: String,
}

impl Drop for Http {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `python3 -m http.server` serving `dir` (HTTP/1.0: a new connection per
/// request), or `None` (with the reason printed) when python3 cannot be
/// started.
pub fn serve(dir: &Path) -> Option<Http> {
    let child = Command::new("python3")
        .args(["-u", "-m", "http.server", "--bind", "127.0.0.1", "0"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    // "Serving HTTP on 127.0.0.1 port 41235 (http://127.0.0.1:41235/) ..."
    started(child, |line| {
        Some(line.split(" port ").nth(1)?.split(' ').next()?.to_owned())
    })
}

/// Python's own static file handler, counting what it sees: served at
/// `/__stats` as JSON `{"connections", "requests", "max_open"}`. Each GET
/// is held 5 ms (or the seconds given), so requests a client sends at once
/// overlap here. The
/// listen backlog is large (128): the counts are the client's doing.
const COUNTING: &str = r#"
import http.server, json, sys, threading, time
lock = threading.Lock()
state = {"connections": 0, "requests": 0, "open": 0, "max_open": 0}
class H(http.server.SimpleHTTPRequestHandler):
    protocol_version = sys.argv[1]
    def setup(self):
        super().setup()
        with lock:
            state["connections"] += 1
            state["open"] += 1
            state["max_open"] = max(state["max_open"], state["open"])
    def finish(self):
        try:
            super().finish()
        finally:
            with lock:
                state["open"] -= 1
    def do_GET(self):
        if self.path == "/__stats":
            with lock:
                body = json.dumps(state).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True
            return
        with lock:
            state["requests"] += 1
        time.sleep(float(sys.argv[2]))
        super().do_GET()
    def log_message(self, *args):
        pass
class S(http.server.ThreadingHTTPServer):
    request_queue_size = 128
s = S(("127.0.0.1", 0), H)
print("port", s.server_address[1], flush=True)
s.serve_forever()
"#;

/// Python's static file handler with counters (see [`Http::stats`]),
/// speaking `protocol` (`"HTTP/1.0"`: one connection per request;
/// `"HTTP/1.1"`: connections kept alive).
pub fn serve_counting(dir: &Path, protocol: &str) -> Option<Http> {
    serve_counting_slowly(dir, protocol, 0.005)
}

/// [`serve_counting`], each GET held `seconds`: a slow server, for tests
/// of what a client shows before everything arrived.
pub fn serve_counting_slowly(dir: &Path, protocol: &str, seconds: f64) -> Option<Http> {
    let child = Command::new("python3")
        .args(["-u", "-c", COUNTING, protocol, &seconds.to_string()])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    started(child, |line| line.strip_prefix("port ").map(str::to_owned))
}

fn started(child: std::io::Result<Child>, port: impl Fn(&str) -> Option<String>) -> Option<Http> {
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!("skipped: python3 could not be started: {e}");
            return None;
        }
    };
    let mut line = String::new();
    let _ = BufReader::new(child.stdout.take()?).read_line(&mut line);
    let Some(port) = port(line.trim_end()) else {
        eprintln!("skipped: the web server did not say its port: {line:?}");
        let _ = child.kill();
        let _ = child.wait();
        return None;
    };
    Some(Http {
        child,
        url: format!("http://127.0.0.1:{port}"),
    })
}

/// What a counting server saw (see [`serve_counting`]).
#[derive(Debug)]
pub struct Stats {
    /// TCP connections accepted (the `/__stats` one not counted).
    pub connections: u64,
    /// GET requests for files.
    pub requests: u64,
    /// The most connections open at once.
    pub max_open: u64,
}

impl Http {
    /// The counters of a server from [`serve_counting`].
    pub fn stats(&self) -> Stats {
        let addr = self.url.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(s, "GET /__stats HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        let n = |k: &str| v[k].as_u64().unwrap();
        Stats {
            connections: n("connections") - 1,
            requests: n("requests"),
            max_open: n("max_open"),
        }
    }
}
