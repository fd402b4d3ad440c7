//! `iss audit`: the audit trail of one descriptor.

use super::EXIT_ERROR;
use super::args::ShowArgs;
use super::show::exit;
use crate::analysis::audit::{AuditTrail, RecordRef, TrailFiles, audit_trail};
use crate::analysis::records::{Exclusions, descriptor_file};
use crate::ledger::discover::FileKind;
use crate::ledger::model::report::LedgerStatus;
use crate::ledger::open::Ledger;
use crate::ledger::verify::VerifyOptions;
use anyhow::bail;
use std::io::{self, Write};
use std::path::Path;

/// Run `iss audit PATH ID`.
pub fn run(args: &ShowArgs) -> anyhow::Result<u8> {
    let options = VerifyOptions::default();
    let report = Ledger::review(&args.path, None)?.verify(&options)?;
    if report.status == LedgerStatus::Incomplete {
        bail!(
            "{}: a file could not be read, so no record can be called verified",
            args.path.display()
        );
    }
    let Some(chain) = descriptor_file(&report) else {
        bail!(
            "{}: no SPICE descriptor file in this ledger",
            args.path.display()
        );
    };
    let path_of = |kind: FileKind| {
        report
            .files
            .iter()
            .find(|f| f.name == kind.name())
            .map(|f| Path::new(f.path.as_str()))
    };
    let files = TrailFiles {
        chain,
        manifest: path_of(FileKind::IntegrityManifest),
        pulses: path_of(FileKind::GlyphChain).or_else(|| path_of(FileKind::NativePulses)),
    };
    let exclusions = Exclusions::from_report(&report, chain.name());
    let trail = match audit_trail(files, &report, &exclusions, &args.id, options.max_line)? {
        Ok(t) => t,
        Err(n) => {
            let mut err = anstream::stderr().lock();
            writeln!(
                err,
                "iss: {n} descriptors match {:?}; give one id (or a unique prefix)",
                args.id
            )?;
            return Ok(EXIT_ERROR);
        }
    };
    let mut out = super::output::stdout();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &trail)?;
        writeln!(out)?;
    } else {
        write_trail(&mut out, &trail)?;
    }
    Ok(exit(&report))
}

/// The trail as text.
fn write_trail(out: &mut dyn Write, trail: &AuditTrail) -> io::Result<()> {
    let verdict = trail
        .record
        .reason
        .as_deref()
        .map_or_else(|| "✔ verified".to_owned(), |r| format!("✘ excluded: {r}"));
    writeln!(
        out,
        "Audit trail of the descriptor at line {}: {verdict}",
        trail.record.line
    )?;
    for (title, v) in [
        ("What happened", &trail.what),
        ("Why", &trail.why),
        ("How", &trail.how),
        ("What was learned", &trail.learned),
    ] {
        writeln!(out, "\n{title}")?;
        if let Some(map) = v.as_object() {
            for (k, x) in map {
                writeln!(out, "  {k:<22} {x}")?;
            }
        }
    }
    writeln!(out, "\nIntegrity")?;
    writeln!(out, "  hash covers            {}", trail.hash_covers)?;
    writeln!(
        out,
        "  fields covered         {}",
        trail.protected_fields.join(", ")
    )?;
    for f in &trail.findings {
        writeln!(
            out,
            "  ✘ {} line {}: {}",
            f.kind,
            f.line.unwrap_or(0),
            f.detail
        )?;
    }
    let r = |x: &Option<RecordRef>| {
        x.as_ref()
            .map_or("—".to_owned(), |x| format!("line {} {}", x.line, x.id))
    };
    writeln!(out, "  previous record        {}", r(&trail.previous))?;
    writeln!(out, "  next record            {}", r(&trail.next))?;
    match (&trail.attested_by, trail.no_manifest) {
        (Some(a), _) => writeln!(
            out,
            "  attested by            manifest line {} (count {}), and {} later line(s)",
            a.line, a.descriptor_count, trail.later_manifest_lines
        )?,
        (None, Some(why)) => writeln!(out, "  attested by            {why}")?,
        (None, None) => writeln!(out, "  attested by            no manifest line names it")?,
    }
    if let Some(crate::ledger::native::prove::Proof::Inclusion {
        index,
        tree_size,
        root,
        proof,
        ..
    }) = &trail.inclusion_proof
    {
        let checked = trail.inclusion_check.as_ref().map_or_else(
            || "not checked".to_owned(),
            |c| {
                if c.valid {
                    format!("✔ {}", c.detail)
                } else {
                    format!("✘ {}", c.detail)
                }
            },
        );
        writeln!(
            out,
            "  inclusion proof        leaf {index} of the signed tree of size {tree_size}, root {root}, {} hash(es): {checked}",
            proof.len()
        )?;
    }
    if let Some(why) = &trail.inclusion_unavailable {
        writeln!(out, "  inclusion proof        none: {why}")?;
    }
    writeln!(
        out,
        "\nTime pulses of its glyph range: {} in range",
        trail.pulses_in_range
    )?;
    for p in &trail.range_pulses {
        writeln!(out, "  line {} {} {}", p.line, p.time, p.id)?;
    }
    writeln!(
        out,
        "\nCited by {} record(s); shares a-priori references with {}",
        trail.cited_by.len(),
        trail.shares_refs_with
    )?;
    Ok(())
}
