//! `iss verify`.

use super::args::VerifyArgs;
use super::{EXIT_ERROR, EXIT_OK, EXIT_VIOLATION};
use crate::ledger::report::LedgerStatus;
use crate::ledger::verify::{VerifyOptions, verify_path};
use anyhow::Context;
use std::io::Write;

/// Run `iss verify`; return the exit status.
pub fn run(args: &VerifyArgs) -> anyhow::Result<u8> {
    let mac_key = args
        .mac_key
        .as_deref()
        .map(crate::ledger::native::secret::MacKey::read)
        .transpose()?;
    let options = VerifyOptions {
        max_line: args.max_line_bytes,
        mac_key,
        ..VerifyOptions::default()
    };
    let report = verify_path(&args.path, &options)?;
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
