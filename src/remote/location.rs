//! Where a published ledger is read from: an `http(s)://` prefix, an
//! `s3://bucket/prefix`, or a local directory of tiles. All three hold the
//! objects of `docs/TILES.md` under `/`-separated keys and are only read.
//!
//! HTTP(S) and S3 go through `object_store` (its HTTP store and its S3
//! client: one well-kept client with TLS, retries and connection reuse);
//! a directory is read with `std::fs`.

use super::cache::Cache;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why a published location could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum LocationError {
    /// The argument names no location we can read.
    #[error("{0}")]
    Spec(String),
    /// A read failed (network, permissions, the store's answer): not a
    /// finding about the evidence, since nothing was read.
    #[error("{url}: {detail}")]
    Read {
        /// The object.
        url: String,
        /// What failed.
        detail: String,
    },
}

/// One published location, opened for reading.
#[derive(Debug)]
pub struct Location {
    name: String,
    source: Source,
    /// Immutable objects kept on disk ([`super::cache`]), for HTTP(S) and S3.
    cache: Option<Cache>,
}

#[derive(Debug)]
enum Source {
    Dir(PathBuf),
    Store {
        store: Arc<dyn ObjectStore>,
        prefix: String,
        runtime: Box<tokio::runtime::Runtime>,
        /// [`IN_FLIGHT`] permits: every request to the store holds one.
        permits: Arc<tokio::sync::Semaphore>,
    },
}

/// Whether `arg` names a published location rather than a ledger: a URL
/// (`http://`, `https://`, `s3://`), or a directory that holds a published
/// layout. The one place that decides it (next to
/// [`crate::ledger::open::Ledger`], which decides legacy or native for
/// everything else).
pub fn is_location(arg: &Path) -> bool {
    let s = arg.to_string_lossy();
    if ["http://", "https://", "s3://"]
        .iter()
        .any(|p| s.starts_with(p))
    {
        return true;
    }
    is_tiles_dir(arg)
}

/// A directory of tiles: it has the published metadata and a
/// `<chain>/` folder of the published layout, and no chain file of a
/// ledger (`<chain>.jsonl`). A ledger directory never holds a `<chain>/`
/// folder; a publication never holds a `.jsonl` file.
fn is_tiles_dir(dir: &Path) -> bool {
    use crate::ledger::native::format::meta::{Chain, METADATA_FILE};
    dir.join(METADATA_FILE).is_file()
        && Chain::ALL.iter().all(|c| !dir.join(c.file_name()).exists())
        && Chain::ALL.iter().any(|c| dir.join(c.name()).is_dir())
}

impl Location {
    /// Open `arg` ([`is_location`] said it is one). S3 takes its
    /// credentials, region and endpoint from the usual `AWS_*` environment
    /// variables; plain `http://` is allowed (loopback, a private network).
    pub fn open(arg: &Path) -> Result<Location, LocationError> {
        let s = arg.to_string_lossy().into_owned();
        let name = s.trim_end_matches('/').to_owned();
        let spec_error = |e: object_store::Error| LocationError::Spec(format!("{s}: {e}"));
        let (store, prefix): (Arc<dyn ObjectStore>, String) =
            if s.starts_with("http://") || s.starts_with("https://") {
                let store = object_store::http::HttpBuilder::new()
                    .with_url(format!("{name}/"))
                    .with_client_options(object_store::ClientOptions::new().with_allow_http(true))
                    .build()
                    .map_err(spec_error)?;
                (Arc::new(store), String::new())
            } else if let Some(rest) = s.strip_prefix("s3://") {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.is_empty() {
                    return Err(LocationError::Spec(format!(
                        "{s}: expected s3://BUCKET or s3://BUCKET/PREFIX, found no bucket"
                    )));
                }
                let store = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .build()
                    .map_err(spec_error)?;
                (Arc::new(store), prefix.trim_matches('/').to_owned())
            } else {
                return Ok(Location {
                    name,
                    source: Source::Dir(arg.to_path_buf()),
                    cache: None,
                });
            };
        // Worker threads: the requests run on while the caller hashes and
        // verifies what arrived (see `prefetch`).
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| LocationError::Spec(format!("{s}: cannot start the I/O runtime: {e}")))?;
        Ok(Location {
            name,
            source: Source::Store {
                store,
                prefix,
                runtime: Box::new(runtime),
                permits: Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT)),
            },
            cache: None,
        })
    }

    /// Read and keep the immutable objects (tiles, bundles) in the disk
    /// cache at `dir` ([`super::cache`]). A directory of tiles is on disk
    /// already: it is read as it is, never cached.
    #[must_use]
    pub fn with_cache(mut self, dir: PathBuf) -> Location {
        if matches!(self.source, Source::Store { .. }) {
            self.cache = Some(Cache::new(dir, &self.name));
        }
        self
    }

    /// The disk cache, when there is one.
    pub fn cache(&self) -> Option<&Cache> {
        self.cache.as_ref()
    }

    /// The location as the user named it (no trailing `/`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The full name of `key` at this location, for messages.
    pub fn url(&self, key: &str) -> String {
        format!("{}/{key}", self.name)
    }

    /// The bytes under `key`, or `None` when there is no such object.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, LocationError> {
        self.prefetch(vec![key.to_owned()])
            .next()
            .map_or(Ok(None), |(_, r)| r)
    }

    /// The bytes under each of `keys`, in the order asked (fetched as
    /// [`Location::prefetch`] does).
    pub fn get_many(&self, keys: &[String]) -> Vec<Result<Option<Vec<u8>>, LocationError>> {
        self.prefetch(keys.to_vec()).map(|(_, r)| r).collect()
    }

    /// The bytes under each of `keys`, yielded in the order asked while the
    /// next ones are already being fetched in the background: at most
    /// [`IN_FLIGHT`] requests at a time, and never more than that many
    /// objects held ahead of the reader (memory stays bounded). Dropping
    /// the iterator cancels what it had started.
    pub fn prefetch(&self, keys: Vec<String>) -> Prefetch<'_> {
        Prefetch {
            location: self,
            waiting: keys.into(),
            running: std::collections::VecDeque::new(),
        }
    }

    /// The bytes of `key` from byte `from` on (an HTTP range request) as
    /// `(offset, bytes)`, or `None` when there is no such object. A server
    /// that ignores ranges (`python3 -m http.server`) is answered by reading
    /// the whole object; an object shorter than `from` comes whole, at
    /// offset 0, for the caller to see that it shrank.
    pub fn get_from(&self, key: &str, from: u64) -> Result<Option<(u64, Vec<u8>)>, LocationError> {
        let Source::Store {
            store,
            prefix,
            runtime,
            permits,
        } = &self.source
        else {
            return self.get(key).map(|b| b.map(|b| tail(b, from)));
        };
        let path = object_path(prefix, key);
        let ranged = runtime.block_on(async {
            let _permit = permits.acquire().await;
            let opts = object_store::GetOptions {
                range: Some(object_store::GetRange::Offset(from)),
                ..Default::default()
            };
            match store.get_opts(&path, opts).await {
                Ok(r) => r.bytes().await.map(|b| Some(Vec::from(b))),
                Err(e) => Err(e),
            }
        });
        match ranged {
            Ok(b) => Ok(b.map(|b| (from, b))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            // No range support, or a range past the end (416): the whole
            // object says which.
            Err(_) => self.get(key).map(|b| b.map(|b| tail(b, from))),
        }
    }

    fn start(&self, key: &str) -> Pending {
        if let Some(b) = self.cache.as_ref().and_then(|c| c.read(key)) {
            return Pending::Ready(Ok(Some(b)));
        }
        match &self.source {
            Source::Dir(root) => Pending::Ready(match std::fs::read(root.join(key)) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(LocationError::Read {
                    url: self.url(key),
                    detail: e.to_string(),
                }),
            }),
            Source::Store {
                store,
                prefix,
                runtime,
                permits,
            } => {
                let store = Arc::clone(store);
                let permits = Arc::clone(permits);
                let path = object_path(prefix, key);
                Pending::Task(runtime.spawn(async move {
                    let _permit = permits.acquire().await;
                    match store.get(&path).await {
                        // `Vec::from` takes over the body's buffer when it
                        // is its only owner: no second copy of every
                        // fetched object, as `to_vec` made.
                        Ok(r) => r.bytes().await.map(|b| Some(Vec::from(b))),
                        Err(object_store::Error::NotFound { .. }) => Ok(None),
                        Err(e) => Err(e),
                    }
                }))
            }
        }
    }

    fn finish(&self, key: &str, p: Pending) -> Result<Option<Vec<u8>>, LocationError> {
        let Pending::Task(handle) = p else {
            let Pending::Ready(r) = p else { unreachable!() };
            return r;
        };
        let Source::Store { runtime, .. } = &self.source else {
            unreachable!("tasks run only for a store")
        };
        match runtime.block_on(handle) {
            Ok(Ok(b)) => {
                if let (Some(c), Some(bytes)) = (&self.cache, &b) {
                    c.write(key, bytes);
                }
                Ok(b)
            }
            Ok(Err(e)) => Err(LocationError::Read {
                url: self.url(key),
                detail: e.to_string(),
            }),
            Err(e) => Err(LocationError::Read {
                url: self.url(key),
                detail: format!("the request did not finish: {e}"),
            }),
        }
    }
}

/// Requests to one location at a time (prefetched or not: each holds a
/// permit of the location's semaphore). Bounded because a burst of new
/// connections overflows a small server's listen queue: `python3 -m
/// http.server` (HTTP/1.0, a new connection per request) listens with a
/// backlog of 5, and the SYNs it drops are retried by the kernel after 1 s,
/// 3 s, … — 32 requests at once made every request cost ~100 ms on
/// average (docs/SCALE.md). Six fit that queue (backlog + 1), and run
/// ahead of the reader enough to keep it busy on loopback.
pub const IN_FLIGHT: usize = 6;

type Fetch = Result<Option<Vec<u8>>, object_store::Error>;

enum Pending {
    Ready(Result<Option<Vec<u8>>, LocationError>),
    Task(tokio::task::JoinHandle<Fetch>),
}

/// The iterator of [`Location::prefetch`]: `(key, bytes or None)`.
pub struct Prefetch<'a> {
    location: &'a Location,
    waiting: std::collections::VecDeque<String>,
    running: std::collections::VecDeque<(String, Pending)>,
}

impl Iterator for Prefetch<'_> {
    type Item = (String, Result<Option<Vec<u8>>, LocationError>);

    fn next(&mut self) -> Option<Self::Item> {
        // A directory is read on demand: nothing to overlap.
        let ahead = match self.location.source {
            Source::Dir(_) => 1,
            Source::Store { .. } => IN_FLIGHT,
        };
        while self.running.len() < ahead {
            let Some(k) = self.waiting.pop_front() else {
                break;
            };
            let p = self.location.start(&k);
            self.running.push_back((k, p));
        }
        let (k, p) = self.running.pop_front()?;
        let r = self.location.finish(&k, p);
        Some((k, r))
    }
}

impl Drop for Prefetch<'_> {
    fn drop(&mut self) {
        for (_, p) in &self.running {
            if let Pending::Task(h) = p {
                h.abort();
            }
        }
    }
}

fn object_path(prefix: &str, key: &str) -> ObjectPath {
    if prefix.is_empty() {
        ObjectPath::from(key)
    } else {
        ObjectPath::from(format!("{prefix}/{key}"))
    }
}

fn tail(mut b: Vec<u8>, from: u64) -> (u64, Vec<u8>) {
    match usize::try_from(from) {
        Ok(n) if n <= b.len() => (from, b.split_off(n)),
        _ => (0, b),
    }
}
