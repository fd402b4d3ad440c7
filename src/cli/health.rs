//! `iss health`: one row per ledger file, with its verdict and counts.

use super::args::HealthArgs;
use crate::analysis::health::health;
use crate::ledger::model::report::{FileStatus, VerifyReport};
use crate::ledger::open::Ledger;
use crate::ledger::verify::VerifyOptions;
use std::io::Write;

fn exit(report: &VerifyReport) -> u8 {
    super::verdict_exit(report.status)
}

/// Run `iss health`.
pub fn run(args: &HealthArgs) -> anyhow::Result<u8> {
    let report = Ledger::review(&args.path, None)?.verify(&VerifyOptions::default())?;
    let rows = health(&report);
    let mut out = super::output::stdout();
    if args.json {
        let doc = serde_json::json!({ "ledger": report.ledger, "status": report.status, "files": rows, "missing": report.missing });
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
        return Ok(exit(&report));
    }
    for r in &rows {
        let mark = match r.status {
            FileStatus::Verified if r.warnings == 0 => "✔",
            // Not read is not tampered: unreadable is a caveat, not a violation.
            FileStatus::Verified | FileStatus::Unchained | FileStatus::Unreadable => "⚠",
            FileStatus::Violated => "✘",
        };
        let status = serde_json::to_value(r.status)?
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let writable = match r.mode_allows_writes {
            Some(true) => "writable",
            Some(false) => "read-only",
            None => "?",
        };
        writeln!(
            out,
            "{mark} {:<26} {:<10} {:>9} records  {:>3} violation(s) {:>3} warning(s)  last {}  {writable}",
            r.name,
            status,
            r.records,
            r.violations,
            r.warnings,
            r.last_record_time.as_deref().unwrap_or("—")
        )?;
    }
    for m in &report.missing {
        if m.required {
            writeln!(
                out,
                "✘ {:<26} missing (expected at {}): MISSING_FILE, the other files prove it existed",
                m.name, m.path
            )?;
        } else {
            writeln!(out, "⚠ {:<26} not found (expected at {})", m.name, m.path)?;
        }
    }
    Ok(exit(&report))
}
