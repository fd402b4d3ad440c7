//! Where a ledger is published: a local directory, or a prefix in an
//! S3-compatible bucket (through `object_store`). Both hold objects named by
//! `/`-separated keys relative to the destination, read whole and written
//! whole.

use crate::ledger::append::{Op, Storage, SyncKind, default_storage};
use object_store::ObjectStoreExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use std::fs::OpenOptions;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why a destination could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum DestError {
    /// A local file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the OS said.
        source: io::Error,
    },
    /// The object store refused or failed.
    #[error("{url}: {source}")]
    Object {
        /// The object.
        url: String,
        /// What the store said.
        source: Box<object_store::Error>,
    },
    /// A destination that is neither a directory path nor `s3://bucket[/prefix]`.
    #[error("{0}")]
    Spec(String),
}

/// One destination.
#[derive(Debug)]
pub enum Destination {
    /// A local directory (created when missing).
    Dir {
        /// The directory.
        root: PathBuf,
        /// The file calls (the OS; a fault plan in test builds).
        storage: Arc<dyn Storage>,
    },
    /// `s3://bucket/prefix`.
    S3 {
        /// The bucket as the user named it, for messages.
        url: String,
        /// The client.
        store: Box<AmazonS3>,
        /// The key prefix (may be empty).
        prefix: String,
        /// The runtime the client's requests run on.
        runtime: Box<tokio::runtime::Runtime>,
    },
}

impl Destination {
    /// Open `spec`: `s3://bucket[/prefix]` (credentials, region and endpoint
    /// from the usual `AWS_*` environment variables), else a directory path.
    pub fn open(spec: &str) -> Result<Destination, DestError> {
        let Some(rest) = spec.strip_prefix("s3://") else {
            return Ok(Destination::Dir {
                root: PathBuf::from(spec),
                storage: default_storage(),
            });
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(DestError::Spec(format!(
                "{spec}: expected s3://BUCKET or s3://BUCKET/PREFIX, found no bucket"
            )));
        }
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|e| DestError::Object {
                url: spec.to_owned(),
                source: Box::new(e),
            })?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| DestError::Io {
                path: spec.to_owned(),
                source: e,
            })?;
        Ok(Destination::S3 {
            url: spec.trim_end_matches('/').to_owned(),
            store: Box::new(store),
            prefix: prefix.trim_matches('/').to_owned(),
            runtime: Box::new(runtime),
        })
    }

    /// The destination as the user named it.
    pub fn name(&self) -> String {
        match self {
            Destination::Dir { root, .. } => root.display().to_string(),
            Destination::S3 { url, .. } => url.clone(),
        }
    }

    /// What is stored under `key`, or `None` when nothing is.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, DestError> {
        match self {
            Destination::Dir { root, .. } => {
                let path = root.join(key);
                match std::fs::read(&path) {
                    Ok(b) => Ok(Some(b)),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(io_error(&path, e)),
                }
            }
            Destination::S3 { store, runtime, .. } => {
                let path = self.object_path(key);
                let got = runtime.block_on(async {
                    match store.get(&path).await {
                        Ok(r) => r.bytes().await.map(Some),
                        Err(object_store::Error::NotFound { .. }) => Ok(None),
                        Err(e) => Err(e),
                    }
                });
                got.map(|b| b.map(|b| b.to_vec()))
                    .map_err(|e| self.object_error(key, e))
            }
        }
    }

    /// Store `bytes` under `key`, replacing what was there. In a directory
    /// the file is replaced atomically (a reader sees the old bytes or the
    /// new ones) but not flushed: [`Destination::flush`] does that for
    /// every file written so far, before a checkpoint names them.
    pub fn put(&self, key: &str, bytes: &[u8]) -> Result<(), DestError> {
        self.write(key, bytes, false)
    }

    /// [`Destination::put`], durable when it returns (in a directory: the
    /// file and its directory entry flushed).
    pub fn put_durable(&self, key: &str, bytes: &[u8]) -> Result<(), DestError> {
        self.write(key, bytes, true)
    }

    /// Make every [`Destination::put`] so far durable. An object store
    /// acknowledges a write only once it is stored: nothing to do there.
    pub fn flush(&self) -> Result<(), DestError> {
        match self {
            Destination::Dir { root, .. } => {
                let dir = std::fs::File::open(root).map_err(|e| io_error(root, e))?;
                rustix::fs::syncfs(&dir).map_err(|e| io_error(root, e.into()))
            }
            Destination::S3 { .. } => Ok(()),
        }
    }

    fn write(&self, key: &str, bytes: &[u8], durable: bool) -> Result<(), DestError> {
        match self {
            Destination::Dir { root, storage } => {
                let path = root.join(key);
                let parent = path.parent().unwrap_or(root);
                std::fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
                let name = path
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
                let file = storage
                    .open(
                        &tmp,
                        OpenOptions::new().write(true).create(true).truncate(true),
                        Op::TempFile,
                    )
                    .map_err(|e| io_error(&tmp, e))?;
                storage
                    .write_all(&file, &tmp, bytes)
                    .map_err(|e| io_error(&tmp, e))?;
                if durable {
                    storage
                        .sync(&file, &tmp, SyncKind::All)
                        .map_err(|e| io_error(&tmp, e))?;
                }
                drop(file);
                storage
                    .rename(&tmp, &path)
                    .map_err(|e| io_error(&path, e))?;
                if durable {
                    storage.sync_dir(parent).map_err(|e| io_error(parent, e))?;
                }
                Ok(())
            }
            Destination::S3 { store, runtime, .. } => {
                let path = self.object_path(key);
                runtime
                    .block_on(store.put(&path, bytes.to_vec().into()))
                    .map(|_| ())
                    .map_err(|e| self.object_error(key, e))
            }
        }
    }

    fn object_path(&self, key: &str) -> ObjectPath {
        match self {
            Destination::S3 { prefix, .. } if !prefix.is_empty() => {
                ObjectPath::from(format!("{prefix}/{key}"))
            }
            _ => ObjectPath::from(key),
        }
    }

    fn object_error(&self, key: &str, e: object_store::Error) -> DestError {
        DestError::Object {
            url: format!("{}/{key}", self.name()),
            source: Box::new(e),
        }
    }
}

fn io_error(path: &Path, source: io::Error) -> DestError {
    DestError::Io {
        path: path.display().to_string(),
        source,
    }
}
