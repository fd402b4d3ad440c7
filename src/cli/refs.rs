//! `iss refs PATH`: every reference the descriptors make, resolved to a
//! descriptor, a pulse, a name, or dangling.

use super::args::HealthArgs;
use super::show::exit;
use crate::analysis::records::descriptor_file;
use crate::ledger::discover::FileKind;
use crate::ledger::open::Ledger;
use crate::ledger::verify::VerifyOptions;
use anyhow::{Context, bail};
use std::io::Write;
use std::path::Path;

/// Run `iss refs PATH`.
pub fn run(args: &HealthArgs) -> anyhow::Result<u8> {
    use crate::analysis::refs::{Target, resolve_refs};
    let options = VerifyOptions::default();
    let report = Ledger::review(&args.path, None)?.verify(&options)?;
    let Some(chain) = descriptor_file(&report) else {
        bail!(
            "{}: no SPICE descriptor file in this ledger",
            args.path.display()
        );
    };
    let pulses = report
        .files
        .iter()
        .find(|f| f.name == FileKind::GlyphChain.name() || f.name == FileKind::NativePulses.name())
        .map(|f| Path::new(f.path.as_str()));
    let refs = resolve_refs(chain, pulses, options.max_line)
        .with_context(|| format!("reading {}", chain.path.display()))?;
    let mut out = super::output::stdout();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &refs)?;
        writeln!(out)?;
        return Ok(exit(&report));
    }
    for r in &refs.references {
        let target = match &r.target {
            Target::Descriptor { line } => format!("→ descriptor at line {line}"),
            Target::Pulse { line } => format!("→ pulse at line {line}"),
            Target::Dangling => {
                "✘ dangling: no record in the files examined has this identifier".to_owned()
            }
            Target::Named => "name (nothing to resolve)".to_owned(),
        };
        writeln!(
            out,
            "{:<40} a-priori {:>5}  a-posteriori {:>5}  {target}",
            r.reference, r.apriori, r.aposteriori
        )?;
    }
    writeln!(
        out,
        "{} references: {} to descriptors, {} to pulses, {} dangling, {} names{}",
        refs.references.len(),
        refs.resolved_to_descriptors,
        refs.resolved_to_pulses,
        refs.dangling,
        refs.named,
        if refs.complete {
            ""
        } else {
            " (more distinct references than tracked: list incomplete)"
        }
    )?;
    Ok(exit(&report))
}
