//! Command-line arguments.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

mod native;
pub use native::{
    CheckpointArgs, InitArgs, KeyArgs, KeyFiles, KeyWhat, MigrateArgs, ProveArgs, PublishArgs,
};

/// ISS Workstation: investigate, monitor and extend tamper-evident ledgers.
///
/// With no command, `iss [PATH]` opens the terminal workstation on PATH
/// (default: ./data/sample-ledger when present, else ./data).
#[derive(Debug, Parser)]
#[command(
    name = "iss",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("ISS_GIT_COMMIT"), ")"),
    about,
    propagate_version = true,
    args_conflicts_with_subcommands = true,
    after_help = super::reference::ROOT,
    mut_subcommands = super::reference::link,
    // `iss [PATH]` opens one ledger: a second word is a mistake (`iss x
    // verify`), not a fleet; `iss tui A B…` opens many.
    mut_arg("more", |a| a.hide(true).value_parser(one_ledger_at_the_root))
)]
pub struct Cli {
    /// What to do; none opens the workstation.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The workstation's options when no command is given.
    #[command(flatten)]
    pub tui: TuiArgs,
}

/// The value parser of `MORE` without a command: always refused.
fn one_ledger_at_the_root(word: &str) -> Result<PathBuf, String> {
    Err(format!(
        "`iss [PATH]` opens one ledger, found a second word `{word}`: for several, `iss tui A B…`"
    ))
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the terminal workstation: chain browser, integrity, time, maturity,
    /// audit (read-only unless --write).
    Tui(TuiArgs),
    /// Verify every file of a ledger (read-only). Exit 0 clean, 1 violated, 2 error.
    Verify(VerifyArgs),
    /// Reports over the verified records of a ledger (Markdown, or --json).
    Report(ReportArgs),
    /// The time pulse history: stored times beside recomputed TAI, TT, TDB.
    Pulses(PulsesArgs),
    /// One descriptor by id (or unique id prefix), as stored, with its verdict.
    Show(ShowArgs),
    /// Descriptors matching filters (glyph, a-priori ref, process, ...).
    Find(FindArgs),
    /// The audit trail of one descriptor: what, why, how, learned, and its
    /// integrity, neighbours, manifest line, pulses and citations.
    Audit(ShowArgs),
    /// One line per file: verdict, counts, last record time, writability.
    Health(HealthArgs),
    /// Every a-priori and a-posteriori reference: what it resolves to, or
    /// that it dangles.
    Refs(HealthArgs),
    /// Write an evidence bundle (JSON and Markdown): file fingerprints,
    /// verification result, reports.
    Export(ExportArgs),
    /// Watch a ledger (read-only): print each appended record as it is
    /// verified and each alert (rewrite, truncation, replacement, deletion)
    /// as it happens.
    Watch(WatchArgs),
    /// Append a record through the verified append module (writes!).
    Append(AppendArgs),
    /// Cut a torn last line left by a crash (a copy of the bytes is kept) (writes!).
    Repair(RepairArgs),
    /// Create a native ledger (iss-native-v1) and its signing key (writes!).
    Init(InitArgs),
    /// Publish a native ledger as static C2SP tlog-tiles logs (one per chain)
    /// to directories or S3-compatible buckets (writes DEST only).
    Publish(PublishArgs),
    /// Sign the current Merkle tree head of each chain of a native ledger (writes!).
    Checkpoint(CheckpointArgs),
    /// A transparency-log witness (c2sp.org/tlog-witness): serve one, or
    /// make its key.
    Witness(super::witness::WitnessArgs),
    /// Keys of a native ledger: print the verifier key, rotate the signing key.
    Key(KeyArgs),
    /// Copy a verified legacy ledger into a new native ledger whose genesis
    /// records the legacy files' hashes and heads (the legacy files are only read).
    Migrate(MigrateArgs),
    /// An inclusion proof of a record, or a consistency proof between two
    /// tree sizes, against a native chain's newest signed checkpoint.
    Prove(ProveArgs),
    /// Set the OS append-only attribute (`chattr +a`) on every ledger file (writes!).
    Protect(ProtectArgs),
    /// Print a shell completion script (bash, zsh or fish) to standard output.
    Completions(CompletionsArgs),
    /// Write the manual pages (iss.1 and one per command) into a folder.
    Man(ManArgs),
    /// Serve the legacy HTTP API over a ledger (read-only unless --write).
    Serve(ServeArgs),
    /// Write a generated legacy ledger (byte-compatible with the legacy service) for tests and demos.
    Sample(SampleArgs),
}

/// `iss tui`, and `iss [PATH]` with no command.
#[derive(Debug, Args)]
pub struct TuiArgs {
    /// The ledger to open (any path `iss verify` accepts).
    #[arg(conflicts_with = "fleet")]
    pub path: Option<PathBuf>,
    /// More ledgers: with two or more, the fleet view (one row per ledger,
    /// watched live; `Enter` opens one in the five panes, `Esc` comes back).
    #[arg(value_name = "MORE")]
    pub more: Vec<PathBuf>,
    /// A fleet file: one location per line, an optional name after it,
    /// `#` comments (docs/WORKSTATION.md, "Many ledgers at once").
    #[arg(long, value_name = "FILE")]
    pub fleet: Option<PathBuf>,
    /// Palette: dark or light terminal background (`NO_COLOR` turns colour off).
    #[arg(long, value_enum, default_value_t)]
    pub theme: crate::tui::ThemeName,
    /// Allow writes: the descriptor entry form (`i`) and `P` (a time pulse)
    /// append through the same code as `iss append`. Off by default: review
    /// is read-only.
    #[arg(long)]
    pub write: bool,
    /// With `--write` on a native ledger: the signing key (mode 0600);
    /// default `<ledger>.key` beside the ledger folder when it exists.
    /// Not read without `--write`. Also `ISS_SIGNING_KEY`.
    #[arg(long, env = "ISS_SIGNING_KEY")]
    pub key: Option<PathBuf>,
    /// The HMAC key of a keyed native ledger (mode 0600): verification
    /// checks the MACs with it (without it they show as not checked), and
    /// appends carry one. Also `ISS_MAC_KEY`.
    #[arg(long, env = "ISS_MAC_KEY")]
    pub mac_key: Option<PathBuf>,
    /// Trusted checkpoints and the remembered state.
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// What a verifier trusts from outside the ledger (`iss verify`, `iss
/// watch`, the workstation).
#[derive(Debug, Args, Clone, Default)]
pub struct TrustArgs {
    /// A checkpoint saved earlier (a `.checkpoint` note, or the lines `iss
    /// checkpoint --json` prints), repeatable: the ledger must contain its
    /// tree, else ROLLBACK or FORK. The state is then neither read nor written.
    #[arg(long, value_name = "FILE", conflicts_with = "state")]
    pub trust: Vec<PathBuf>,
    /// Where the newest verified checkpoint of each origin is remembered
    /// (default `$XDG_STATE_HOME/iss`, else `~/.local/state/iss`); the next
    /// run reports a rollback or fork against it.
    #[arg(long, value_name = "DIR", conflicts_with = "no_state")]
    pub state: Option<PathBuf>,
    /// Neither read nor write the state: a pure read (also `ISS_NO_STATE=1`,
    /// which --state overrides).
    #[arg(long)]
    pub no_state: bool,
    /// A verifier key (`<name>+<key id>+<base64>`, as `iss key verifier`
    /// prints it) or a file of them, one per line; repeatable. Only these
    /// keys are trusted: a checkpoint signed only by keys the ledger alone
    /// names is `SIGNATURE_UNTRUSTED`.
    #[arg(long, value_name = "VKEY")]
    pub vkey: Vec<String>,
}

/// `iss verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A ledger folder (either legacy layout, a v1 layer folder, or a folder of
    /// chain files) or a single chain file.
    pub path: PathBuf,
    /// Print one JSON document (schema in docs/JSON.md) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Show at most this many findings per file in text output (JSON has all).
    #[arg(long, default_value_t = 20)]
    pub max_findings: usize,
    /// Lines longer than this many bytes are reported, not parsed.
    #[arg(long, default_value_t = crate::ledger::io::reader::DEFAULT_MAX_LINE)]
    pub max_line_bytes: usize,
    /// The HMAC key of a keyed native ledger (mode 0600); without it the
    /// MACs are reported as not checked. Also `ISS_MAC_KEY`.
    #[arg(long, env = "ISS_MAC_KEY")]
    pub mac_key: Option<PathBuf>,
    /// A proof document from `iss prove --json` to check against the
    /// ledger's signed checkpoints (repeatable); a failing proof exits 1.
    #[arg(long)]
    pub proof: Vec<PathBuf>,
    /// Trusted checkpoints and the remembered state.
    #[command(flatten)]
    pub trust: TrustArgs,
    /// A TSA certificate (PEM or DER), repeatable: stored timestamp tokens
    /// signed by it prove when their checkpoints existed; without it they
    /// are `TIMESTAMP_UNTRUSTED` (docs/TIMESTAMPS.md).
    #[arg(long, value_name = "FILE")]
    pub tsa_cert: Vec<PathBuf>,
    /// A witness policy file (`witness <vkey>` lines, `quorum <k>`): each
    /// chain's newest verified checkpoint of a native ledger must carry
    /// valid cosignatures from k of the witnesses, else `WITNESS_POLICY`.
    #[arg(long)]
    pub policy: Option<PathBuf>,
}

/// `iss completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// The shells `iss completions` writes for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CompletionShell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
}

/// `iss man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The folder to write the pages into (created when missing).
    pub dir: PathBuf,
}

/// `iss serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The ledger (legacy or native).
    pub path: PathBuf,
    /// Address to listen on. Default 127.0.0.1 and the port of `PORT`
    /// (8000 when unset); all interfaces only when asked, e.g.
    /// `--listen 0.0.0.0:8000`.
    #[arg(long)]
    pub listen: Option<String>,
    /// Accept writes (`POST /spice/descriptor`, `/time/pulse`); needs `--token-file`.
    #[arg(long, requires = "token_file")]
    pub write: bool,
    /// The bearer token writes must carry (a file of mode 0600, one line).
    #[arg(long, requires = "write")]
    pub token_file: Option<PathBuf>,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = 1 << 20)]
    pub body_limit: usize,
    /// Reads taking longer are answered 503, in seconds.
    #[arg(long, default_value_t = 30.0)]
    pub timeout: f64,
    /// With `--write` on a native ledger: its keys, as `iss append` takes
    /// them (the MAC key of a keyed ledger is needed to write to it; with
    /// the signing key each batch is signed in a checkpoint).
    #[command(flatten)]
    pub keys: KeyFiles,
}

/// `iss watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The ledger (any path `iss verify` accepts).
    #[arg(required_unless_present = "fleet", conflicts_with = "fleet")]
    pub path: Option<PathBuf>,
    /// Watch every ledger of a fleet file instead (one location per line,
    /// an optional name after it); each event names its ledger.
    #[arg(long, value_name = "FILE")]
    pub fleet: Option<PathBuf>,
    /// Print one JSON object per line (schema in docs/JSON.md) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Stop after this many events (the first is `ready`).
    #[arg(long)]
    pub max_events: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long)]
    pub timeout: Option<f64>,
    /// An incomplete last line unchanged for this long is reported as a
    /// torn tail, not a write in progress.
    #[arg(long, default_value_t = 2000)]
    pub torn_grace_ms: u64,
    /// The HMAC key of a keyed native ledger (mode 0600); without it the
    /// MACs are reported as not checked. Also `ISS_MAC_KEY`.
    #[arg(long, env = "ISS_MAC_KEY")]
    pub mac_key: Option<PathBuf>,
    /// Trusted checkpoints and the remembered state.
    #[command(flatten)]
    pub trust: TrustArgs,
    /// For a published location (`https://…`, `s3://…`, a directory of
    /// tiles): how often its checkpoints are fetched, in seconds.
    #[arg(long, default_value_t = 2.0)]
    pub poll: f64,
}

/// `iss sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Folder to write the ledger into, in the legacy service's layout.
    pub path: PathBuf,
    /// Number of SPICE descriptors.
    #[arg(long, default_value_t = 40)]
    pub descriptors: u64,
    /// Seed: the same seed and options always give the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Service starts the descriptors are spread over.
    #[arg(long, default_value_t = 3)]
    pub restarts: u32,
    /// Replace the files if a ledger already exists there.
    #[arg(long)]
    pub force: bool,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `iss report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Which report.
    #[arg(value_enum)]
    pub kind: ReportKind,
    /// The ledger.
    pub path: PathBuf,
    /// Print one JSON document instead of Markdown.
    #[arg(long)]
    pub json: bool,
    /// Print Markdown (the default; for scripts that want to say so).
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
}

/// The reports `iss report` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportKind {
    /// Capability levels, per-process trends, evidence coverage and
    /// inconsistencies (ISO/IEC 33020).
    Maturity,
    /// The time chain: run segments, intervals, time scales, anomalies.
    Time,
}

/// `iss pulses`.
#[derive(Debug, Args)]
pub struct PulsesArgs {
    /// The ledger (or its `glyph_chain.jsonl`).
    pub path: PathBuf,
    /// Show the last N pulses (0: all).
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Print one JSON document instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `iss append`.
#[derive(Debug, Args)]
pub struct AppendArgs {
    /// What to append.
    #[command(subcommand)]
    pub what: AppendWhat,
}

/// The records `iss append` writes.
#[derive(Debug, Subcommand)]
pub enum AppendWhat {
    /// A SPICE descriptor (JSON with the legacy fields) to a legacy or a native
    /// ledger (writes!).
    Descriptor {
        /// The ledger.
        path: PathBuf,
        /// The descriptor as JSON; `-` or absent: standard input.
        #[arg(long)]
        file: Option<PathBuf>,
        /// The input is JSON lines, one descriptor each, committed together:
        /// one write and one fsync for the batch, all or nothing.
        #[arg(long)]
        batch: bool,
        /// Print each acknowledgement as one JSON object (one per line).
        #[arg(long)]
        json: bool,
        /// Keys of a native ledger (ignored for legacy ledgers).
        #[command(flatten)]
        keys: KeyFiles,
    },
    /// A forensic time pulse to a legacy or a native ledger's time chain (writes!), read from
    /// this machine's clocks (wall clock and `CLOCK_MONOTONIC`).
    Pulse {
        /// The ledger (or its `glyph_chain.jsonl`).
        path: PathBuf,
        /// Use this wall-clock time instead of the system clock (RFC 3339,
        /// e.g. `2026-11-27T10:00:00.250000Z`; microseconds are kept).
        #[arg(long)]
        at: Option<String>,
        /// Use this monotonic reading (ns) instead of `CLOCK_MONOTONIC`.
        #[arg(long, allow_negative_numbers = true)]
        mono_ns: Option<i64>,
        /// `source_node` of the pulse (default: the last pulse's).
        #[arg(long)]
        source_node: Option<String>,
        /// Print the acknowledgement as one JSON object.
        #[arg(long)]
        json: bool,
        /// Keys of a native ledger (ignored for legacy ledgers).
        #[command(flatten)]
        keys: KeyFiles,
    },
}

/// `iss repair`.
#[derive(Debug, Args)]
pub struct RepairArgs {
    /// The ledger.
    pub path: PathBuf,
    /// Also print what was removed as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Keys of a native ledger (the repair is recorded and re-signed).
    #[command(flatten)]
    pub keys: KeyFiles,
}

/// `iss protect`.
#[derive(Debug, Args)]
pub struct ProtectArgs {
    /// The ledger.
    pub path: PathBuf,
    /// Clear the append-only attribute instead (to move or rotate a ledger).
    #[arg(long)]
    pub clear: bool,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// `iss show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The ledger.
    pub path: PathBuf,
    /// A descriptor id, or a unique prefix of one.
    pub id: String,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// `iss find`.
#[derive(Debug, Args)]
pub struct FindArgs {
    /// The ledger.
    pub path: PathBuf,
    /// A glyph hash (or prefix) in the descriptor's glyph range.
    #[arg(long)]
    pub glyph: Option<String>,
    /// An a-priori reference the descriptor lists.
    #[arg(long)]
    pub apriori: Option<String>,
    /// An a-posteriori reference the descriptor lists.
    #[arg(long)]
    pub aposteriori: Option<String>,
    /// Process name.
    #[arg(long)]
    pub process: Option<String>,
    /// Assessor.
    #[arg(long)]
    pub assessor: Option<String>,
    /// Capability level, or a bound as `:filter level` takes it: `3`,
    /// `>=3`, `<=2`, `>1`, `<4`.
    #[arg(long, allow_hyphen_values = true)]
    pub level: Option<String>,
    /// Outcome (compliant, `non_compliant`, partial, `not_assessed`).
    #[arg(long)]
    pub outcome: Option<String>,
    /// Assessed at or after: a date (2026-11-26, from its first instant) or
    /// an ISO 8601 time (without offset: UTC), as `:filter since=` takes it.
    #[arg(long)]
    pub since: Option<String>,
    /// Assessed at or before: a date (2026-11-26, to its last instant) or
    /// an ISO 8601 time (without offset: UTC), as `:filter until=` takes it.
    #[arg(long)]
    pub until: Option<String>,
    /// Show at most N matches (0: all); the total is always given.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// `iss health`.
#[derive(Debug, Args)]
pub struct HealthArgs {
    /// The ledger.
    pub path: PathBuf,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// `iss export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The ledger.
    pub path: PathBuf,
    /// The JSON file to write; the Markdown goes beside it with `.md`.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
}
