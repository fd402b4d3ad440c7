//! `iss report maturity`: the capability report over the verified descriptors.

use super::args::{ReportArgs, ReportKind};
use super::{EXIT_OK, EXIT_VIOLATION};
use crate::analysis::records::{Exclusions, descriptor_file, maturity_report};
use crate::ledger::report::LedgerStatus;
use crate::ledger::verify::{DESCRIPTOR_FILES, VerifyOptions, verify_path};
use anyhow::{Context, bail};
use std::io::Write;

/// Run `iss report ...`; return the exit status: 0 when the ledger verified,
/// 1 when it did not (the report is still printed, without the excluded
/// records), 2 on error.
pub fn run(args: &ReportArgs) -> anyhow::Result<u8> {
    match args.kind {
        ReportKind::Maturity => maturity(args),
        ReportKind::Time => super::pulses::report(&args.path, args.json),
    }
}

fn maturity(args: &ReportArgs) -> anyhow::Result<u8> {
    let options = VerifyOptions::only(&DESCRIPTOR_FILES);
    let verification = verify_path(&args.path, &options)?;
    if verification.status == LedgerStatus::Incomplete {
        bail!(
            "{}: a file could not be read, so no record can be called verified",
            args.path.display()
        );
    }
    let Some(file) = descriptor_file(&verification) else {
        bail!(
            "{}: no SPICE descriptor file in this ledger",
            args.path.display()
        );
    };
    let exclusions = Exclusions::from_report(&verification, file.name());
    let report = maturity_report(file, &exclusions, options.max_line)
        .with_context(|| format!("reading {}", file.path.display()))?;

    let mut out = anstream::stdout().lock();
    if args.json {
        let doc = serde_json::json!({
            "ledger": verification.ledger,
            "verification": { "status": verification.status, "format": verification.format, "tool": verification.tool },
            "maturity": report,
        });
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", report.to_markdown())?;
    }
    out.flush()?;
    Ok(if verification.status == LedgerStatus::Clean {
        EXIT_OK
    } else {
        EXIT_VIOLATION
    })
}
