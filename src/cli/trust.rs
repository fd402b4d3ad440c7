//! `--trust`, `--state`, `--no-state`: what `iss verify`, `iss watch` and
//! the workstation check a ledger against from outside it.

use super::args::TrustArgs;
use crate::ledger::trust::TrustOptions;
use crate::ledger::trust::anchor::read_trusted;
use crate::ledger::trust::state::default_dir;
use crate::tlog::note::Verifier;
use anyhow::{Context, anyhow, bail};
use std::path::Path;

/// Whether `ISS_NO_STATE` asks for a pure read (set, non-empty, not `0`).
fn no_state_env() -> bool {
    std::env::var("ISS_NO_STATE").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The trust options the arguments ask for. `save`: remember the newest
/// checkpoints when the verification is clean (the caller that checks
/// more afterwards, `iss verify --proof`, saves itself).
pub fn resolve(args: &TrustArgs, save: bool) -> anyhow::Result<TrustOptions> {
    if !args.trust.is_empty() {
        let mut anchors = Vec::new();
        for f in &args.trust {
            anchors.extend(read_trusted(f).map_err(|e| anyhow!(e)).context("--trust")?);
        }
        return Ok(TrustOptions::Anchors(anchors));
    }
    if args.no_state || (args.state.is_none() && no_state_env()) {
        return Ok(TrustOptions::Off);
    }
    let dir = match &args.state {
        Some(d) => d.clone(),
        None => default_dir(
            std::env::var("XDG_STATE_HOME").ok().as_deref(),
            std::env::var("HOME").ok().as_deref(),
        )
        .context(
            "no state directory: neither $XDG_STATE_HOME nor $HOME is set; pass --state DIR, or --no-state for a pure read",
        )?,
    };
    Ok(TrustOptions::State { dir, save })
}

/// The keys pinned with `--vkey` (`None`: none given, the ledger's own keys
/// are used). Each value is a verifier key, or a file of them (one per
/// line; blank lines and `#` comments skipped). Refused for a ledger that
/// has no signatures to check (legacy, a lone chain file).
pub fn pinned(args: &TrustArgs, ledger: &Path) -> anyhow::Result<Option<Vec<Verifier>>> {
    if args.vkey.is_empty() {
        return Ok(None);
    }
    // A published location is a native ledger's publication (its
    // checkpoints are signed); its copy is checked when it is fetched.
    if !crate::remote::is_location(ledger)
        && !crate::ledger::open::Ledger::at(ledger).signs_checkpoints()
    {
        bail!(
            "--vkey: {} is not a native ledger folder; only a native ledger's checkpoints are signed (a legacy ledger or a lone chain file has no signature to check)",
            ledger.display()
        );
    }
    let mut keys = Vec::new();
    for v in &args.vkey {
        let file = Path::new(v);
        if file.is_file() {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("--vkey: reading {}", file.display()))?;
            for (i, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                keys.push(Verifier::from_vkey(line).map_err(|e| {
                    anyhow!(
                        "--vkey: {} line {}: not a verifier key ({e}); expected `<name>+<key id>+<base64>` as `iss key verifier` prints it",
                        file.display(),
                        i + 1
                    )
                })?);
            }
        } else {
            keys.push(Verifier::from_vkey(v).map_err(|e| {
                anyhow!(
                    "--vkey {v:?}: neither a file nor a verifier key ({e}); expected `<name>+<key id>+<base64>` as `iss key verifier` prints it"
                )
            })?);
        }
    }
    if keys.is_empty() {
        bail!("--vkey: no verifier key in {:?}", args.vkey);
    }
    Ok(Some(keys))
}
