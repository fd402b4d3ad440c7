//! `iss serve`: the legacy ISS Module v2.0 HTTP API (`../shared/docs/LEGACY_API.md`),
//! drop-in, over a verified ledger.
//!
//! Reads answer from memory ([`state`]): the records a full verification
//! passed, extended with each line appended since once it is judged, with
//! its verdict ([`judged`]), and
//! the live verdict the watcher ([`crate::ledger::watch`]) keeps current,
//! so `/health` costs the same on a ledger of any size. Writes (only with
//! `--write` and a bearer token) go through one writer thread that commits
//! the requests waiting as one batch through the one append module
//! ([`commit`]), answering each only once its record is durable.
//!
//! May import: `time`, `tlog`, `ledger`, `analysis`. It is not a second
//! writer or verifier: it writes through the `Ledger`'s group writer and
//! judges through the ledger's watcher.

pub mod commit;
pub mod judged;
pub mod live;
pub mod openapi;
pub mod process_data;
pub mod pulses;
pub mod routes;
pub mod shapes;
pub mod state;

use crate::ledger::model::report::VerifyReport;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

/// How to serve.
#[derive(Debug, Clone)]
pub struct Options {
    /// The ledger.
    pub path: PathBuf,
    /// Where to listen.
    pub listen: SocketAddr,
    /// The bearer token writes need; `None`: read-only.
    pub token: Option<String>,
    /// Request bodies larger than this are refused (413).
    pub body_limit: usize,
    /// A request that takes longer is answered 503 (writes excepted: a
    /// write is answered with its outcome, however long the lock takes).
    pub timeout: std::time::Duration,
    /// A native ledger's signing key (`--key`, as `iss append` takes it):
    /// each batch is signed in a checkpoint.
    pub signer: Option<crate::tlog::note::Signer>,
    /// A keyed native ledger's HMAC key (`--mac-key`).
    pub mac_key: Option<crate::ledger::native::secret::MacKey>,
}

impl Options {
    /// `--body-limit`'s default: 1 MiB.
    pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;
}

/// Everything the handlers share.
pub struct AppState {
    /// The descriptors, indexed.
    pub descriptors: RwLock<state::Descriptors>,
    /// The pulses.
    pub pulses: RwLock<pulses::Pulses>,
    /// The live verdict and the time chain's violations.
    pub live: RwLock<live::Live>,
    /// The writer thread's queue, with `--write`.
    pub writer: Mutex<Option<std::sync::mpsc::Sender<commit::Job>>>,
    /// The token writes need.
    pub token: Option<String>,
    /// The writer's counters.
    pub stats: Arc<commit::CommitStats>,
    /// The descriptor file's name, for the audit trail's pointers.
    pub chain_name: String,
    /// The largest request body taken, in bytes (for the 413 answer).
    pub body_limit: usize,
}

impl AppState {
    /// Build the read state from a full verification.
    pub fn from_report(report: &VerifyReport, token: Option<String>) -> std::io::Result<Self> {
        let descriptors = state::Descriptors::load(report)?;
        let chain_name = crate::analysis::records::descriptor_file(report)
            .map_or_else(|| "spice_chain".to_owned(), |f| f.name().to_owned());
        Ok(AppState {
            descriptors: RwLock::new(descriptors),
            pulses: RwLock::new(pulses::Pulses::load(report)?),
            live: RwLock::new(live::Live::from_report(report)),
            writer: Mutex::new(None),
            token,
            stats: Arc::new(commit::CommitStats::default()),
            chain_name,
            body_limit: Options::DEFAULT_BODY_LIMIT,
        })
    }

    /// Take in the appended lines `judged` covers, with their verdicts.
    pub fn take_in(&self, judged: &judged::Judged) {
        if !judged.descriptors.is_empty()
            && let Ok(mut d) = self.descriptors.write()
            && let Err(e) = d.take_in(&judged.descriptors)
        {
            log::warn(&format!("reading the appended descriptors: {e}"));
        }
        if !judged.pulses.is_empty()
            && let Ok(mut p) = self.pulses.write()
            && let Err(e) = p.take_in(&judged.pulses)
        {
            log::warn(&format!("reading the appended pulses: {e}"));
        }
    }

    /// Replace the read state by a new full verification's.
    pub fn reload(&self, report: &VerifyReport) {
        match (
            state::Descriptors::load(report),
            pulses::Pulses::load(report),
        ) {
            (Ok(d), Ok(p)) => {
                if let Ok(mut slot) = self.descriptors.write() {
                    *slot = d;
                }
                if let Ok(mut slot) = self.pulses.write() {
                    *slot = p;
                }
            }
            (Err(e), _) | (_, Err(e)) => log::warn(&format!("reloading the ledger: {e}")),
        }
        if let Ok(mut l) = self.live.write() {
            *l = live::Live::from_report(report);
        }
    }
}

pub mod log;
pub mod run;

pub use run::serve;
