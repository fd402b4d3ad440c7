//! What every write command prints when the ledger it would write to does
//! not verify (`iss append`, the native writers' commands, `iss repair`):
//! the violations that refused the write.

use super::EXIT_VIOLATION;
use crate::ledger::model::finding::Finding;
use std::io::Write;

/// A write refused because the ledger does not verify: `iss: {headline}`,
/// then the violations ([`print_violations`]) on standard error; exit 1.
pub(super) fn violated(
    headline: &str,
    findings: &[(String, Finding)],
    count_more: bool,
) -> anyhow::Result<u8> {
    let mut err = anstream::stderr().lock();
    writeln!(err, "iss: {headline}")?;
    print_violations(&mut err, findings, count_more)?;
    Ok(EXIT_VIOLATION)
}

/// The violations that refused a write, one line each, at most 20; with
/// `count_more`, then how many more there are and where to see them.
pub(super) fn print_violations(
    err: &mut impl Write,
    findings: &[(String, Finding)],
    count_more: bool,
) -> std::io::Result<()> {
    for (file, f) in findings.iter().take(20) {
        let line = f.line.map_or_else(String::new, |l| format!(":{l}"));
        writeln!(err, "  ✘ {file}{line} {}: {}", f.kind, f.detail)?;
    }
    if count_more && findings.len() > 20 {
        writeln!(err, "  … {} more; run `iss verify`", findings.len() - 20)?;
    }
    Ok(())
}
