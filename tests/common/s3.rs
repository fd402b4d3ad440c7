//! A real S3-compatible server for the tests: `s3s-fs` (crates.io;
//! `.ci/run` installs it) on 127.0.0.1, a free port, with a fresh bucket in
//! a temporary folder. Tests skip, saying why, when it is not installed.

use object_store::aws::{AmazonS3, AmazonS3Builder};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The test server's credentials and bucket.
pub const ACCESS: &str = "iss-test-access";
/// The secret key of [`ACCESS`].
pub const SECRET: &str = "iss-test-secret-0123456789";
/// The one bucket.
pub const BUCKET: &str = "ledgers";

/// `s3s-fs`: `$ISS_S3S_FS`, else on `PATH`, else in `~/.cargo/bin`.
pub fn server_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ISS_S3S_FS") {
        return Some(PathBuf::from(p));
    }
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join("s3s-fs"))
        .find(|p| p.is_file())
}

/// A started server, or `None` with the reason printed.
pub fn start() -> Option<Server> {
    let Some(bin) = server_binary() else {
        eprintln!(
            "skipped: s3s-fs is not installed (cargo install --locked s3s-fs@0.14.1 --features binary; or set ISS_S3S_FS)"
        );
        return None;
    };
    Some(Server::start(&bin))
}

/// A running `s3s-fs` on 127.0.0.1, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    _root: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Start `bin` on a free port with an empty [`BUCKET`].
    pub fn start(bin: &PathBuf) -> Server {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(BUCKET)).unwrap(); // s3s-fs: a bucket is a folder
        // Port 0: the OS picks a free port, the server logs which.
        let mut child = Command::new(bin)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--access-key",
                ACCESS,
                "--secret-key",
                SECRET,
            ])
            .arg(root.path())
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3s-fs starts");
        let out = BufReader::new(child.stdout.take().unwrap());
        let mut endpoint = None;
        for line in out.lines() {
            let line = line.unwrap();
            if let Some(i) = line.find("http://127.0.0.1:") {
                let url: String = line[i..]
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .collect();
                endpoint = Some(url);
                break;
            }
        }
        let endpoint = endpoint.expect("s3s-fs says where it listens");
        Server {
            child,
            endpoint,
            _root: root,
        }
    }

    /// `cmd` with the environment that points an S3 client at this server.
    pub fn env<'a>(&'a self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env("AWS_ACCESS_KEY_ID", ACCESS)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ALLOW_HTTP", "true")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
    }

    /// A client of [`BUCKET`] on this server.
    pub fn store(&self) -> AmazonS3 {
        AmazonS3Builder::new()
            .with_bucket_name(BUCKET)
            .with_access_key_id(ACCESS)
            .with_secret_access_key(SECRET)
            .with_region("us-east-1")
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .build()
            .unwrap()
    }

    /// Replace the object `key` (a tampering publisher).
    pub fn put(&self, key: &str, bytes: Vec<u8>) {
        use object_store::ObjectStoreExt;
        let store = self.store();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(store.put(&object_store::path::Path::from(key), bytes.into()))
            .unwrap();
    }

    /// The object `key`, or `None`.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        use object_store::ObjectStoreExt;
        let store = self.store();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            match store.get(&object_store::path::Path::from(key)).await {
                Ok(r) => Some(r.bytes().await.unwrap().to_vec()),
                Err(object_store::Error::NotFound { .. }) => None,
                Err(e) => panic!("{key}: {e}"),
            }
        })
    }
}
