//! `iss verify`.

use super::args::VerifyArgs;
use crate::ledger::model::report::LedgerStatus;
use crate::ledger::verify::{VerifyOptions, verify_path};
use anyhow::Context;
use std::io::Write;

/// Run `iss verify`; return the exit status.
pub fn run(args: &VerifyArgs) -> anyhow::Result<u8> {
    let mac_key =
        crate::ledger::native::secret::mac_key_option(&args.path, args.mac_key.as_deref())?;
    let options = VerifyOptions {
        max_line: args.max_line_bytes,
        mac_key,
        ..VerifyOptions::default()
    };
    let mut report = verify_path(&args.path, &options)?;
    for p in &args.proof {
        let text = crate::ledger::input::read_once_to_string(p, crate::ledger::input::STREAM_LIMIT)
            .with_context(|| format!("reading {}", p.display()))?;
        let proof: crate::ledger::native::prove::Proof =
            serde_json::from_str(&text).with_context(|| {
                format!(
                    "{}: not a proof document from `iss prove --json`",
                    p.display()
                )
            })?;
        let check = crate::ledger::native::prove::check_proof(&args.path, &proof);
        report
            .proofs
            .push(crate::ledger::model::report::ProofResult {
                file: p.display().to_string(),
                valid: check.valid,
                detail: check.detail,
            });
    }
    if report.proofs.iter().any(|p| !p.valid) {
        report.status = LedgerStatus::Violated;
    }
    let mut out = super::output::stdout();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report).context("writing the JSON report")?;
        writeln!(out)?;
    } else {
        super::verify_human::render(&mut out, &report, args.max_findings)?;
    }
    out.flush()?;
    Ok(super::verdict_exit(report.status))
}
