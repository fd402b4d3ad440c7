//! `iss sample`: write a generated, genuinely hash-chained legacy ledger.

use super::EXIT_OK;
use super::args::SampleArgs;
use crate::ledger::legacy::write::sample::{SamplePaths, SampleSpec, write_sample_ledger};
use anyhow::{Context, bail};
use std::io::Write;

/// Run `iss sample`; return the exit status.
pub fn run(args: &SampleArgs) -> anyhow::Result<u8> {
    let paths = SamplePaths::new(&args.path);
    // Never overwrite a ledger by accident: it may be the only copy of evidence.
    if !args.force
        && let Some(existing) = paths.all().into_iter().find(|p| p.exists())
    {
        bail!(
            "{} already exists; refusing to overwrite a ledger (use --force to replace it)",
            existing.display()
        );
    }
    let spec = SampleSpec {
        seed: args.seed,
        descriptors: args.descriptors,
        restarts: args.restarts,
        ..SampleSpec::default()
    };
    let summary = write_sample_ledger(&args.path, &spec)
        .with_context(|| format!("writing the sample ledger under {}", args.path.display()))?;
    let mut out = super::output::stdout();
    if args.json {
        let doc = serde_json::json!({
            "ledger": args.path.display().to_string(),
            "descriptors": summary.descriptors,
            "manifest_lines": summary.manifest_lines,
            "constitutional_lines": summary.constitutional_lines,
            "pulses": summary.pulses,
            "audit_lines": summary.audit_lines,
            "last_descriptor_hash": summary.last_descriptor_hash,
            "chain_hash": summary.chain_hash,
        });
        writeln!(out, "{doc}")?;
    } else {
        writeln!(
            out,
            "wrote {}: {} descriptors, {} manifest lines, {} constitutional lines, {} pulses, {} audit lines",
            args.path.display(),
            summary.descriptors,
            summary.manifest_lines,
            summary.constitutional_lines,
            summary.pulses,
            summary.audit_lines
        )?;
    }
    Ok(EXIT_OK)
}
