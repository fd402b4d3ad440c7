//! `iss health` and `iss export`.

use super::args::{ExportArgs, HealthArgs};
use super::{EXIT_OK, EXIT_VIOLATION};
use crate::analysis::export::bundle;
use crate::analysis::health::health;
use crate::ledger::legacy::writer::iso_from_micros;
use crate::ledger::report::{FileStatus, LedgerStatus, VerifyReport};
use crate::ledger::verify::{VerifyOptions, verify_path};
use anyhow::{Context, bail};
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

fn exit(report: &VerifyReport) -> u8 {
    if report.status == LedgerStatus::Clean {
        EXIT_OK
    } else {
        EXIT_VIOLATION
    }
}

/// Run `iss health`.
pub fn run(args: &HealthArgs) -> anyhow::Result<u8> {
    let report = verify_path(&args.path, &VerifyOptions::default())?;
    let rows = health(&report);
    let mut out = anstream::stdout().lock();
    if args.json {
        let doc = serde_json::json!({ "ledger": report.ledger, "status": report.status, "files": rows, "missing": report.missing });
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
        return Ok(exit(&report));
    }
    for r in &rows {
        let mark = match r.status {
            FileStatus::Verified if r.warnings == 0 => "✔",
            FileStatus::Verified | FileStatus::Unchained => "⚠",
            FileStatus::Violated | FileStatus::Unreadable => "✘",
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
        writeln!(out, "⚠ {:<26} not found (expected at {})", m.name, m.path)?;
    }
    Ok(exit(&report))
}

/// Run `iss export`.
pub fn export(args: &ExportArgs) -> anyhow::Result<u8> {
    let json_path = args.out.clone();
    let md_path = json_path.with_extension("md");
    if json_path == md_path {
        bail!(
            "{}: give the JSON file a name ending in .json (the Markdown goes beside it as .md)",
            json_path.display()
        );
    }
    // An earlier bundle may already be in an auditor's file: never replace it silently.
    for p in [&json_path, &md_path] {
        if p.exists() && !args.force {
            bail!(
                "{} already exists; refusing to overwrite (use --force)",
                p.display()
            );
        }
    }
    let options = VerifyOptions::default();
    let report = verify_path(&args.path, &options)?;
    let code = exit(&report);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the system clock is before 1970")?;
    let generated = iso_from_micros(i64::try_from(now.as_micros()).unwrap_or(i64::MAX));
    let b = bundle(report, &options, generated)
        .context("fingerprinting and reading the ledger's files")?;
    let mut json = serde_json::to_string_pretty(&b)?;
    json.push('\n');
    std::fs::write(&json_path, json).with_context(|| format!("writing {}", json_path.display()))?;
    std::fs::write(&md_path, b.to_markdown())
        .with_context(|| format!("writing {}", md_path.display()))?;
    let mut out = anstream::stdout().lock();
    writeln!(
        out,
        "wrote {} and {} ({} files fingerprinted)",
        json_path.display(),
        md_path.display(),
        b.files.len()
    )?;
    Ok(code)
}
