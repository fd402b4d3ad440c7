//! `iss witness serve` and `iss witness key`, and the witness part of
//! `iss checkpoint --witness`.

use super::EXIT_OK;
use crate::ledger::native::secret::{read_signer, write_signer};
use crate::tlog::note::{Cosigner, Signer, Verifier};
use crate::tlog::witness::WitnessedLog;
use crate::witness::client::{HttpWitnesses, WitnessEndpoint};
use crate::witness::server::{Witness, serve};
use crate::witness::state::StateDir;
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// `iss witness`.
#[derive(Debug, Args)]
pub struct WitnessArgs {
    /// What to do.
    #[command(subcommand)]
    pub what: WitnessWhat,
}

/// The witness commands.
#[derive(Debug, Subcommand)]
pub enum WitnessWhat {
    /// Serve the tlog-witness API (`POST /add-checkpoint`,
    /// `GET /<origin hash>/checkpoint`) until killed. Prints
    /// `listening on ADDR` once it accepts requests.
    Serve(ServeArgs),
    /// Create a witness key (mode 0600) unless FILE exists, and print its
    /// cosignature verifier key (what logs and verifiers configure).
    Key(WitnessKeyArgs),
}

/// `iss witness serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:7380")]
    pub listen: String,
    /// The witness key (from `iss witness key`).
    #[arg(long)]
    pub key: PathBuf,
    /// Where the witness remembers the latest checkpoint of each log.
    #[arg(long)]
    pub state: PathBuf,
    /// A log to cosign: `ORIGIN=VKEY` (its checkpoint origin and a verifier
    /// key of its signer); repeat for more logs or more keys.
    #[arg(long, value_name = "ORIGIN=VKEY", required = true)]
    pub log: Vec<String>,
}

/// `iss witness key`.
#[derive(Debug, Args)]
pub struct WitnessKeyArgs {
    /// The key file.
    pub file: PathBuf,
    /// The witness's name (a new key only), e.g. `witness.example.org/w1`.
    #[arg(long)]
    pub name: Option<String>,
}

/// Run `iss witness ...`.
pub fn run(args: &WitnessArgs) -> anyhow::Result<u8> {
    match &args.what {
        WitnessWhat::Serve(a) => serve_cmd(a),
        WitnessWhat::Key(a) => key_cmd(a),
    }
}

fn key_cmd(args: &WitnessKeyArgs) -> anyhow::Result<u8> {
    let signer = if args.file.exists() {
        read_signer(&args.file)?
    } else {
        let Some(name) = &args.name else {
            bail!(
                "{} does not exist: pass --name NAME to create a witness key",
                args.file.display()
            );
        };
        let s = Signer::generate(name)?;
        write_signer(&args.file, &s)?;
        s
    };
    writeln!(
        anstream::stdout(),
        "{}",
        Cosigner::from_signer(&signer).vkey()
    )?;
    Ok(EXIT_OK)
}

/// Parses `--log ORIGIN=VKEY` values into one entry per origin.
fn logs(specs: &[String]) -> anyhow::Result<Vec<WitnessedLog>> {
    let mut out: Vec<WitnessedLog> = Vec::new();
    for spec in specs {
        // An origin has no '=' in practice and a vkey never has: split at the last.
        let (origin, vkey) = spec
            .rsplit_once('=')
            .with_context(|| format!("--log {spec:?}: expected ORIGIN=VKEY"))?;
        let key = Verifier::from_vkey(vkey).with_context(|| format!("--log {spec:?}"))?;
        match out.iter_mut().find(|l| l.origin == origin) {
            Some(l) => l.keys.push(key),
            None => out.push(WitnessedLog {
                origin: origin.to_owned(),
                keys: vec![key],
            }),
        }
    }
    Ok(out)
}

fn serve_cmd(args: &ServeArgs) -> anyhow::Result<u8> {
    let cosigner = Cosigner::from_signer(&read_signer(&args.key)?);
    let logs = logs(&args.log)?;
    let state = StateDir::open(&args.state).map_err(anyhow::Error::msg)?;
    // Refuse to start on a state file we cannot read: answering without it
    // could cosign a rollback.
    for l in &logs {
        state.head(&l.origin).map_err(anyhow::Error::msg)?;
    }
    let listener = std::net::TcpListener::bind(&args.listen)
        .with_context(|| format!("listening on {}", args.listen))?;
    let witness = Witness::new(cosigner, logs, state);
    serve(listener, witness, |addr| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {addr}");
        let _ = out.flush();
    })?;
    Ok(EXIT_OK)
}

/// The witnesses of `iss checkpoint --witness`.
pub fn endpoints(specs: &[String], timeout: u64) -> anyhow::Result<Option<HttpWitnesses>> {
    if specs.is_empty() {
        return Ok(None);
    }
    let endpoints = specs
        .iter()
        .map(|s| WitnessEndpoint::parse(s).map_err(|e| anyhow::anyhow!("--witness: {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Some(HttpWitnesses::new(
        endpoints,
        Duration::from_secs(timeout.max(1)),
    )))
}
