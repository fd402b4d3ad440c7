//! `iss verify`.

use super::args::VerifyArgs;
use super::{EXIT_ERROR, EXIT_OK, EXIT_VIOLATION};
use crate::ledger::model::report::LedgerStatus;
use crate::ledger::verify::{VerifyOptions, verify_path};
use anyhow::Context;
use std::io::Write;

/// Run `iss verify`; return the exit status.
pub fn run(args: &VerifyArgs) -> anyhow::Result<u8> {
    let mac_key =
        crate::ledger::native::secret::mac_key_option(&args.path, args.mac_key.as_deref())?;
    let witness_policy = match &args.policy {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Some(
                crate::tlog::policy::WitnessPolicy::parse(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
            )
        }
        None => None,
    };
    let options = VerifyOptions {
        max_line: args.max_line_bytes,
        mac_key,
        witness_policy,
        ..VerifyOptions::default()
    };
    let mut report = verify_path(&args.path, &options)?;
    for p in &args.proof {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
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
    let mut out = anstream::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report).context("writing the JSON report")?;
        writeln!(out)?;
    } else {
        super::verify_human::render(&mut out, &report, args.max_findings)?;
    }
    out.flush()?;
    Ok(match report.status {
        LedgerStatus::Clean => EXIT_OK,
        LedgerStatus::Violated => EXIT_VIOLATION,
        LedgerStatus::Incomplete => EXIT_ERROR,
    })
}
