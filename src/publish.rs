//! `iss publish`: a native ledger published as static C2SP tlog-tiles logs
//! (one per chain) to a directory or an S3-compatible bucket, so that it
//! can be reviewed and monitored from anywhere with plain HTTP or object
//! storage reads (layout and guarantees: `docs/TILES.md`).
//!
//! The ledger is verified first and never published violated. Publishing
//! is incremental and idempotent: the destination's own checkpoint says
//! what it holds, only the tiles it does not have are written, and each
//! chain's checkpoint is written last, once the tiles it names are durable.
//!
//! May import: `time`, `tlog`, `ledger` (it is a reader of ledgers and a
//! writer of destinations, below the command line).

mod chain;
pub mod dest;
mod incremental;
pub mod watch;

pub use chain::{checkpoint_key, history_key};
pub use dest::{DestError, Destination};
pub use incremental::publish_incremental;

use crate::ledger::model::report::LedgerStatus;
use crate::ledger::native::format::meta::{Chain, METADATA_FILE};
use crate::ledger::native::secret::MacKey;
use crate::ledger::open::Ledger;
use crate::ledger::verify::{VerifyOptions, verify_native_report_live};
use serde::Serialize;
use std::path::Path;

/// Why nothing (more) was published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The ledger has violations: it is not published.
    #[error(
        "the ledger is violated ({0} violations; run `iss verify` to see them): nothing was published"
    )]
    Violated(usize),
    /// A violation in what was added since the destination's checkpoint
    /// (an incremental publish): the finding, located.
    #[error("{0}")]
    ViolatedAt(String),
    /// The ledger could not be read completely: no verdict, so no publishing.
    #[error(
        "the ledger could not be verified completely (run `iss verify`): nothing was published"
    )]
    Incomplete,
    /// A legacy ledger: published only once migrated.
    #[error(
        "{0}: a legacy ledger; publish the native ledger `iss migrate {0} NEW` makes of it (see docs/TILES.md)"
    )]
    Legacy(String),
    /// The ledger's files could not be read, or changed since verification.
    #[error("{0}")]
    Ledger(String),
    /// The destination holds a log this ledger does not extend.
    #[error("{dest}: chain {chain}: {detail}; nothing was published to this chain")]
    Diverged {
        /// The destination.
        dest: String,
        /// The chain.
        chain: &'static str,
        /// Expected vs found.
        detail: String,
    },
    /// The destination holds something that is not a checkpoint of this ledger.
    #[error("{dest}: {key}: {detail}; nothing was published over it")]
    Foreign {
        /// The destination.
        dest: String,
        /// The object.
        key: String,
        /// What was found.
        detail: String,
    },
    /// The destination could not be read or written.
    #[error(transparent)]
    Dest(DestError),
}

impl PublishError {
    /// Whether this is a finding about the evidence (a violated ledger, a
    /// destination this ledger does not extend) rather than a failure to
    /// read or write.
    pub fn is_violation(&self) -> bool {
        matches!(
            self,
            PublishError::Violated(_) | PublishError::ViolatedAt(_) | PublishError::Diverged { .. }
        )
    }
}

/// Knobs of a publish.
#[derive(Debug, Clone, Default)]
pub struct PublishOptions {
    /// The HMAC key, when the publisher holds it (MACs are checked).
    pub mac_key: Option<MacKey>,
}

/// What was published of one chain.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ChainPublished {
    /// The chain.
    pub chain: &'static str,
    /// The size of the checkpoint published now.
    pub size: u64,
    /// The size the destination's checkpoint had before.
    pub previous: u64,
    /// Hash tiles written.
    pub tiles_written: u64,
    /// Entry bundles written.
    pub bundles_written: u64,
    /// Tiles and bundles found already written with the right bytes (by an
    /// interrupted publish).
    pub tiles_present: u64,
    /// Bytes written (tiles, bundles, history, checkpoint).
    pub bytes_written: u64,
    /// Whether the checkpoint was written (false: it was already there).
    pub checkpoint_written: bool,
    /// The keys of the tiles and bundles written, in order.
    #[serde(skip)]
    pub written: Vec<String>,
}

/// What one publish did at one destination.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    /// The destination.
    pub dest: String,
    /// Per chain, in [`Chain::ALL`] order.
    pub chains: Vec<ChainPublished>,
}

/// The verified state a publish works from.
#[derive(Debug)]
pub struct Verified {
    /// The ledger's origin.
    pub origin: String,
    /// The metadata file's exact bytes.
    pub metadata: Vec<u8>,
    /// Each chain's newest verified checkpoint.
    pub checkpoints: Vec<(Chain, crate::ledger::native::verify::LatestCheckpoint)>,
}

/// Verify the ledger at `dir` for publishing: refused when it is legacy,
/// violated or not completely readable.
pub fn verify_for_publish(dir: &Path, options: &PublishOptions) -> Result<Verified, PublishError> {
    if !Ledger::at(dir).signs_checkpoints() {
        if crate::ledger::discover::discover(dir).is_ok() {
            return Err(PublishError::Legacy(dir.display().to_string()));
        }
        return Err(PublishError::Ledger(format!(
            "{}: expected a native ledger directory (with {METADATA_FILE}), found none",
            dir.display()
        )));
    }
    let verify = VerifyOptions {
        mac_key: options.mac_key.clone(),
        ..VerifyOptions::default()
    };
    let (report, heads) = verify_native_report_live(dir, &verify);
    match report.status {
        LedgerStatus::Clean => {}
        LedgerStatus::Violated => {
            let n = report
                .files
                .iter()
                .map(crate::ledger::model::report::FileReport::violations)
                .sum();
            return Err(PublishError::Violated(n));
        }
        LedgerStatus::Incomplete => return Err(PublishError::Incomplete),
    }
    let meta = heads.meta.ok_or(PublishError::Incomplete)?;
    let metadata = crate::ledger::input::read_regular(&dir.join(METADATA_FILE))
        .map_err(|e| PublishError::Ledger(format!("{}: {e}", dir.join(METADATA_FILE).display())))?;
    let checkpoints = heads
        .chains
        .into_iter()
        .filter_map(|c| c.latest_verified.map(|l| (c.chain, l)))
        .collect();
    Ok(Verified {
        origin: meta.origin,
        metadata,
        checkpoints,
    })
}

/// Publish the verified ledger at `dir` to `dest`: the metadata, then per
/// chain its new tiles, its history and (last) its checkpoint.
pub fn publish_verified(
    dir: &Path,
    verified: &Verified,
    dest: &Destination,
) -> Result<Published, PublishError> {
    // The metadata never changes in a ledger's life (its genesis event
    // binds it): other metadata there is another ledger's.
    match dest.get(METADATA_FILE).map_err(PublishError::Dest)? {
        Some(m) if m == verified.metadata => {}
        Some(_) => {
            return Err(PublishError::Foreign {
                dest: dest.name(),
                key: METADATA_FILE.to_owned(),
                detail: "expected this ledger's metadata, found another ledger's".into(),
            });
        }
        None => dest
            .put_durable(METADATA_FILE, &verified.metadata)
            .map_err(PublishError::Dest)?,
    }
    let mut chains = Vec::new();
    for (chain, cp) in &verified.checkpoints {
        let origin = format!("{}/{}", verified.origin, chain.name());
        chains.push(chain::publish_chain(
            dir,
            *chain,
            &origin,
            cp,
            crate::ledger::io::reader::DEFAULT_MAX_LINE,
            dest,
        )?);
    }
    Ok(Published {
        dest: dest.name(),
        chains,
    })
}
