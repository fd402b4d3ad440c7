//! `iss prove`: an inclusion or consistency proof for a native chain, as
//! text or as the JSON document `iss verify --proof` checks.

use super::EXIT_OK;
use super::args::ProveArgs;
use crate::ledger::native::format::meta::Chain;
use crate::ledger::open::require_native;
use anyhow::{Context, bail};
use std::io::Write;

/// Run `iss prove`.
pub fn run(args: &ProveArgs) -> anyhow::Result<u8> {
    use crate::ledger::native::prove::{Proof, prove_consistency, prove_inclusion};
    require_native(&args.path)?;
    let chain = Chain::from_name(&args.chain).with_context(|| {
        format!(
            "unknown chain {:?}: descriptors, pulses or events",
            args.chain
        )
    })?;
    let proof = match (args.record, args.from) {
        (Some(n), _) => prove_inclusion(&args.path, chain, n),
        (None, Some(s)) => prove_consistency(&args.path, chain, s),
        (None, None) => bail!("give --record N or --from SIZE"),
    };
    let proof = match proof {
        Ok(p) => p,
        Err(e) => bail!(e),
    };
    let mut out = super::output::stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&proof)?)?;
        return Ok(EXIT_OK);
    }
    match &proof {
        Proof::Inclusion {
            index,
            tree_size,
            root,
            proof,
            leaf_hash,
            ..
        } => {
            writeln!(
                out,
                "inclusion of {chain} record {index} in the signed tree of size {tree_size}"
            )?;
            writeln!(out, "root       {root}")?;
            writeln!(out, "leaf hash  {leaf_hash}")?;
            for (i, p) in proof.iter().enumerate() {
                writeln!(out, "path[{i:>2}]   {p}")?;
            }
        }
        Proof::Consistency {
            old_size,
            old_root,
            tree_size,
            root,
            proof,
            old_checkpoint,
            ..
        } => {
            let signed = if old_checkpoint.is_some() {
                " (signed)"
            } else {
                ""
            };
            writeln!(
                out,
                "consistency of {chain} size {old_size}{signed} with the signed tree of size {tree_size}"
            )?;
            writeln!(out, "old root   {old_root}")?;
            writeln!(out, "root       {root}")?;
            for (i, p) in proof.iter().enumerate() {
                writeln!(out, "proof[{i:>2}]  {p}")?;
            }
        }
    }
    writeln!(
        out,
        "(use --json for the document `iss verify --proof` checks)"
    )?;
    Ok(EXIT_OK)
}
