//! The arguments of the native ledger's commands: `init`, `migrate`,
//! `checkpoint`, `publish`, `prove`, `key`, and the key files they share.

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Where the keys of a native ledger are (both live outside the ledger).
#[derive(Debug, Args, Clone)]
pub struct KeyFiles {
    /// The signing key (mode 0600); default `<ledger>.key` beside the ledger
    /// folder when it exists. Also `ISS_SIGNING_KEY`.
    #[arg(long, env = "ISS_SIGNING_KEY")]
    pub key: Option<PathBuf>,
    /// The HMAC key of a keyed ledger (mode 0600). Also `ISS_MAC_KEY`.
    #[arg(long, env = "ISS_MAC_KEY")]
    pub mac_key: Option<PathBuf>,
}

/// `iss init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The new ledger folder (must not exist, or be empty).
    pub path: PathBuf,
    /// The log origin of the checkpoints (no spaces, no '+'); default
    /// `iss.local/<folder name>`.
    #[arg(long)]
    pub origin: Option<String>,
    /// Where to write the new signing key; default `<ledger>.key` beside the folder.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Also create an HMAC key here (a keyed ledger: every record carries a MAC).
    #[arg(long)]
    pub mac_key: Option<PathBuf>,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `iss migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The legacy ledger (any path `iss verify` accepts); only read.
    pub legacy: PathBuf,
    /// The new native ledger (as for `iss init`).
    #[command(flatten)]
    pub init: InitArgs,
}

/// `iss checkpoint`.
#[derive(Debug, Args)]
pub struct CheckpointArgs {
    /// The native ledger.
    pub path: PathBuf,
    /// The keys.
    #[command(flatten)]
    pub keys: KeyFiles,
    /// Print one JSON object per chain.
    #[arg(long)]
    pub json: bool,
    /// Sign chains whose newest checkpoint the key in use has not signed
    /// since a key rotation (`RETIRED_KEY`: earlier versions of `iss key
    /// rotate` re-signed only `events`): you vouch that their records are
    /// genuine.
    #[arg(long)]
    pub accept_retired_history: bool,
    /// RFC 3161 timestamps over the new checkpoints.
    #[command(flatten)]
    pub tsa: super::super::timestamp::TsaArgs,
    /// Ask this witness to cosign each checkpoint (repeatable): `URL=VKEY`,
    /// the witness's submission URL and its cosignature verifier key. The
    /// cosignatures are stored in the checkpoint notes.
    #[arg(long, value_name = "URL=VKEY")]
    pub witness: Vec<String>,
    /// Seconds to wait for each witness request.
    #[arg(long, default_value_t = 10)]
    pub witness_timeout: u64,
}

/// `iss publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The native ledger (verified first; never published violated).
    pub path: PathBuf,
    /// Where to publish: a directory, or `s3://BUCKET[/PREFIX]` (credentials,
    /// region and endpoint from the `AWS_*` environment variables, e.g.
    /// `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP=true`). Several may be given.
    #[arg(required = true, num_args = 1..)]
    pub dest: Vec<String>,
    /// Keep publishing as the ledger grows: on each change the file-system
    /// watcher reports (after 0.1 s of gathering), and every --interval
    /// seconds whatever it reports.
    #[arg(long)]
    pub watch: bool,
    /// With --watch: the longest a change waits to be published when the
    /// file-system watcher misses it, in seconds.
    #[arg(long, default_value_t = 2.0)]
    pub interval: f64,
    /// The HMAC key of a keyed native ledger (mode 0600): MACs are checked
    /// before publishing. Also `ISS_MAC_KEY`.
    #[arg(long, env = "ISS_MAC_KEY")]
    pub mac_key: Option<PathBuf>,
    /// Print one JSON object per destination and publish.
    #[arg(long)]
    pub json: bool,
    /// Verify the whole ledger and re-read every chain before publishing,
    /// even where the destination's checkpoint lets a publish start from it
    /// (by default only what was added since is read: docs/TILES.md).
    #[arg(long)]
    pub full: bool,
}

/// `iss prove`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["record", "from"])))]
pub struct ProveArgs {
    /// The native ledger.
    pub path: PathBuf,
    /// Prove that the record with this seq is in the newest checkpoint.
    #[arg(long)]
    pub record: Option<u64>,
    /// Prove that the tree of this size is a prefix of the newest checkpoint.
    #[arg(long)]
    pub from: Option<u64>,
    /// The chain: descriptors, pulses or events.
    #[arg(long, default_value = "descriptors")]
    pub chain: String,
    /// Print the proof document as JSON (what `iss verify --proof` reads).
    #[arg(long)]
    pub json: bool,
}

/// `iss key`.
#[derive(Debug, Args)]
pub struct KeyArgs {
    /// What to do.
    #[command(subcommand)]
    pub what: KeyWhat,
}

/// The `iss key` commands.
#[derive(Debug, Subcommand)]
pub enum KeyWhat {
    /// Print the verifier key (`<name>+<key id>+<base64>`) of a native ledger
    /// (its key in use) or of a signing key file.
    Verifier {
        /// A native ledger folder, or a signing key file.
        path: PathBuf,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// A ledger: print, per chain, `ORIGIN=VKEY` with the key named by
        /// that chain's checkpoint origin (what `iss witness serve --log`
        /// and other witnesses configured by origin take).
        #[arg(long)]
        per_chain: bool,
    },
    /// Rotate the signing key: the old key signs a record introducing a new
    /// one, written to a new file (writes!).
    Rotate {
        /// The native ledger.
        path: PathBuf,
        /// The keys in use now.
        #[command(flatten)]
        keys: KeyFiles,
        /// Where to write the new signing key (mode 0600, outside the ledger);
        /// a key file there that a stopped rotation left (a key this ledger
        /// does not know yet) is used again.
        #[arg(long)]
        new_key: PathBuf,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}
