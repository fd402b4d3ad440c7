//! `--trust`, `--state`, `--no-state`: what `iss verify`, `iss watch` and
//! the workstation check a ledger against from outside it.

use super::args::TrustArgs;
use crate::ledger::trust::TrustOptions;
use crate::ledger::trust::anchor::read_trusted;
use crate::ledger::trust::state::default_dir;
use anyhow::{Context, anyhow};

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
