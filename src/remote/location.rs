//! Where a published ledger is read from: an `http(s)://` prefix, an
//! `s3://bucket/prefix`, or a local directory of tiles. All three hold the
//! objects of `docs/TILES.md` under `/`-separated keys and are only read.
//!
//! HTTP(S) and S3 go through `object_store` (its HTTP store and its S3
//! client: one well-kept client with TLS, retries and connection reuse);
//! a directory is read with `std::fs`.

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
}

#[derive(Debug)]
enum Source {
    Dir(PathBuf),
    Store {
        store: Arc<dyn ObjectStore>,
        prefix: String,
        runtime: Box<tokio::runtime::Runtime>,
    },
}

/// Whether `arg` names a published location rather than a ledger: a URL
/// (`http://`, `https://`, `s3://`), or a directory that holds a published
/// layout. The one place that decides it (next to
/// [`crate::ledger::open::Format::of`], which decides legacy or native for
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
                });
            };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| LocationError::Spec(format!("{s}: cannot start the I/O runtime: {e}")))?;
        Ok(Location {
            name,
            source: Source::Store {
                store,
                prefix,
                runtime: Box::new(runtime),
            },
        })
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
        self.get_many(&[key.to_owned()]).pop().unwrap_or(Ok(None))
    }

    /// The bytes under each of `keys`, fetched concurrently from an object
    /// store (one after the other from a directory), in the order asked.
    pub fn get_many(&self, keys: &[String]) -> Vec<Result<Option<Vec<u8>>, LocationError>> {
        match &self.source {
            Source::Dir(root) => keys
                .iter()
                .map(|k| match std::fs::read(root.join(k)) {
                    Ok(b) => Ok(Some(b)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(LocationError::Read {
                        url: self.url(k),
                        detail: e.to_string(),
                    }),
                })
                .collect(),
            Source::Store {
                store,
                prefix,
                runtime,
            } => {
                let handles: Vec<_> = keys
                    .iter()
                    .map(|k| {
                        let store = Arc::clone(store);
                        let path = if prefix.is_empty() {
                            ObjectPath::from(k.as_str())
                        } else {
                            ObjectPath::from(format!("{prefix}/{k}"))
                        };
                        runtime.spawn(async move {
                            match store.get(&path).await {
                                Ok(r) => r.bytes().await.map(|b| Some(b.to_vec())),
                                Err(object_store::Error::NotFound { .. }) => Ok(None),
                                Err(e) => Err(e),
                            }
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .zip(keys)
                    .map(|(h, k)| match runtime.block_on(h) {
                        Ok(Ok(b)) => Ok(b),
                        Ok(Err(e)) => Err(LocationError::Read {
                            url: self.url(k),
                            detail: e.to_string(),
                        }),
                        Err(e) => Err(LocationError::Read {
                            url: self.url(k),
                            detail: format!("the request did not finish: {e}"),
                        }),
                    })
                    .collect()
            }
        }
    }
}
