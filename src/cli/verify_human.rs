//! Human-readable `iss verify` output.
//!
//! Meaning is carried by symbols and words (✔ verified, ⚠ warning, ✘
//! violation); colour only repeats it, and the output stream drops colour
//! when it is not a terminal or `NO_COLOR` is set.

use crate::ledger::model::finding::{Finding, Severity};
use crate::ledger::model::report::{FileReport, FileStatus, LedgerStatus, VerifyReport};
use crate::ledger::protect::OsAttribute;
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

const OK: Style = AnsiColor::Green.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const BAD: Style = AnsiColor::Red.on_default().bold();
const DIM: Style = Style::new().dimmed();
const HEAD: Style = Style::new().bold();

/// Write the report: summary per file, then findings, then what was not covered.
pub fn render(out: &mut dyn Write, report: &VerifyReport, max_findings: usize) -> io::Result<()> {
    writeln!(
        out,
        "{HEAD}Ledger{HEAD:#}  {}  ({})",
        report.ledger, report.format
    )?;
    render_status(out, report)?;
    writeln!(out)?;

    let width = report
        .files
        .iter()
        .map(|f| f.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    writeln!(
        out,
        "{HEAD}{:<width$}  {:>9}  {:<12}  COVERAGE{HEAD:#}",
        "FILE", "RECORDS", "STATUS"
    )?;
    for f in &report.files {
        let (style, status) = file_status(f);
        writeln!(
            out,
            "{:<width$}  {:>9}  {style}{status:<12}{style:#}  {}",
            f.name, f.records, f.coverage.summary
        )?;
    }
    render_missing(out, report, width)?;

    render_native(out, report)?;
    for p in &report.proofs {
        let (style, mark) = if p.valid { (OK, "✔") } else { (BAD, "✘") };
        writeln!(
            out,
            "  proof {}: {style}{mark}{style:#} {}",
            p.file, p.detail
        )?;
    }
    render_trust(out, report)?;
    render_timestamps(out, report)?;
    render_os_protection(out, report, width)?;

    for f in report
        .files
        .iter()
        .filter(|f| f.error.is_some() || !f.findings.is_empty())
    {
        writeln!(out)?;
        writeln!(out, "{HEAD}{}{HEAD:#}  {DIM}{}{DIM:#}", f.name, f.path)?;
        for finding in f.findings.iter().take(max_findings) {
            render_finding(out, finding)?;
        }
        if f.findings.len() > max_findings {
            writeln!(
                out,
                "  {DIM}… {} more finding(s) not shown (--max-findings, or --json for all){DIM:#}",
                f.findings.len() - max_findings
            )?;
        }
    }

    writeln!(out)?;
    writeln!(out, "{HEAD}Not covered by these checks{HEAD:#}")?;
    for f in &report.files {
        for gap in &f.coverage.not_checked {
            writeln!(out, "  {}: {gap}", f.name)?;
        }
    }
    Ok(())
}

/// The verdict line: status, counts, and what was not read or checked.
fn render_status(out: &mut dyn Write, report: &VerifyReport) -> io::Result<()> {
    let (violations, warnings) = report
        .files
        .iter()
        .fold((0, 0), |(v, w), f| (v + f.violations(), w + f.warnings()));
    let (style, verdict) = match report.status {
        LedgerStatus::Clean => (OK, "✔ CLEAN"),
        LedgerStatus::Violated => (BAD, "✘ VIOLATED"),
        LedgerStatus::Incomplete => (WARN, "⚠ INCOMPLETE"),
    };
    let unchecked_macs: u64 = report
        .files
        .iter()
        .filter_map(|f| f.native.as_ref())
        .map(|n| n.macs_unchecked)
        .sum();
    let caveat = if unchecked_macs > 0 {
        format!(
            " {WARN}(but {unchecked_macs} MAC(s) NOT checked: the HMAC key was not supplied){WARN:#}"
        )
    } else {
        String::new()
    };
    let unreadable = report
        .files
        .iter()
        .filter(|f| f.status == FileStatus::Unreadable || f.incomplete() > 0)
        .count();
    let unread = if unreadable > 0 {
        format!(", {unreadable} file(s) not read to the end")
    } else {
        String::new()
    };
    writeln!(
        out,
        "{HEAD}Status{HEAD:#}  {style}{verdict}{style:#}{caveat}: {violations} violation(s), {warnings} warning(s){unread} in {} file(s)",
        report.files.len()
    )?;
    Ok(())
}

/// The files the layout implies that are not there: a violation when the
/// other files prove they existed (`MISSING_FILE`), else only noted.
fn render_missing(out: &mut dyn Write, report: &VerifyReport, width: usize) -> io::Result<()> {
    for m in &report.missing {
        if m.required {
            // The other files prove it existed: see its MISSING_FILE finding.
            writeln!(
                out,
                "{:<width$}  {:>9}  {BAD}{:<12}{BAD:#}  expected at {} (MISSING_FILE)",
                m.name, "-", "✘ missing", m.path
            )?;
        } else {
            writeln!(
                out,
                "{:<width$}  {:>9}  {WARN}{:<12}{WARN:#}  expected at {}",
                m.name, "-", "⚠ not found", m.path
            )?;
        }
    }

    Ok(())
}

/// Per native chain: tree, signed checkpoints, records not yet signed, MACs.
fn render_native(out: &mut dyn Write, report: &VerifyReport) -> io::Result<()> {
    let chains: Vec<_> = report
        .files
        .iter()
        .filter_map(|f| f.native.as_ref().map(|n| (f.name, n)))
        .collect();
    if chains.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{HEAD}Merkle trees, checkpoints, MACs{HEAD:#}")?;
    for (name, n) in chains {
        let root = n.merkle_root.as_deref().map_or("unknown", |r| &r[..16]);
        let signed = match n.signed_size {
            Some(s) => format!(
                "signed up to {s} by key {} ({} checkpoint(s) verified)",
                n.signed_by.join(","),
                n.checkpoints_verified
            ),
            None => "no verified signed checkpoint".to_owned(),
        };
        let unsigned = if n.unsigned_records > 0 {
            format!(
                "; {WARN}⚠ {} record(s) after the newest checkpoint are protected by hashes only{WARN:#}",
                n.unsigned_records
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "  {name}: tree {} root {root}…, {signed}{unsigned}; tamper evidence: {}",
            n.tree_size, n.tamper_evidence
        )?;
        if let Some(id) = &n.mac_required {
            if n.macs_unchecked > 0 {
                writeln!(
                    out,
                    "    {WARN}⚠ MACs NOT checked{WARN:#}: {} record(s) carry a MAC under key {id}, which was not supplied (--mac-key FILE)",
                    n.macs_unchecked
                )?;
            } else {
                writeln!(
                    out,
                    "    {OK}✔{OK:#} {} MAC(s) checked with key {id}",
                    n.macs_checked
                )?;
            }
        }
    }
    Ok(())
}

/// One line per file: the OS attribute, and why it is unknown when it is.
fn render_os_protection(
    out: &mut dyn Write,
    report: &VerifyReport,
    width: usize,
) -> io::Result<()> {
    if report.files.iter().all(|f| f.os_attribute.is_none()) {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "{HEAD}OS protection{HEAD:#} {DIM}(`iss protect` sets append-only){DIM:#}"
    )?;
    for f in &report.files {
        let Some(attr) = &f.os_attribute else {
            continue;
        };
        let (style, mark) = match attr {
            OsAttribute::AppendOnly => (OK, "✔"),
            OsAttribute::Immutable => (WARN, "⚠"),
            OsAttribute::None | OsAttribute::Unknown { .. } => (DIM, "·"),
        };
        let note = match attr {
            OsAttribute::Unknown { reason } => format!(": {reason}"),
            OsAttribute::Immutable => ": appends will fail until `chattr -i`".to_owned(),
            OsAttribute::None => {
                ": any writer can rewrite it; only the checks above would notice".to_owned()
            }
            OsAttribute::AppendOnly => String::new(),
        };
        writeln!(
            out,
            "  {:<width$}  {style}{mark} {}{style:#}{note}",
            f.name,
            attr.label()
        )?;
    }
    Ok(())
}

/// What the ledger was checked against from outside it.
fn render_trust(out: &mut dyn Write, report: &VerifyReport) -> io::Result<()> {
    use crate::ledger::model::trust::{TrustOutcome, TrustSource};
    let Some(t) = &report.trust else {
        return Ok(());
    };
    let whence = match (t.source, &t.state_dir) {
        (TrustSource::File, _) => "trusted checkpoints (--trust)".to_owned(),
        (TrustSource::State, Some(d)) => format!("remembered checkpoints ({d})"),
        (TrustSource::State, None) => "remembered checkpoints".to_owned(),
    };
    writeln!(out)?;
    writeln!(out, "{HEAD}Against {whence}{HEAD:#}")?;
    for c in &t.checks {
        let (style, mark, word) = match c.outcome {
            TrustOutcome::Consistent => (OK, "✔", "contains"),
            TrustOutcome::Rollback => (BAD, "✘", "ROLLBACK: smaller than"),
            TrustOutcome::Fork => (BAD, "✘", "FORK: does not contain"),
            TrustOutcome::Unknown => (WARN, "⚠", "could not be compared with"),
        };
        writeln!(
            out,
            "  {style}{mark}{style:#} {} (size {}) {word} the trusted tree of size {} from {}",
            c.chain, c.ledger_size, c.trusted_size, c.source
        )?;
    }
    for e in &t.errors {
        writeln!(out, "  {WARN}⚠ not checked{WARN:#}: {e}")?;
    }
    for n in &t.notes {
        writeln!(out, "  {DIM}{n}{DIM:#}")?;
    }
    for o in &t.saved {
        writeln!(out, "  remembered the newest verified checkpoint of {o}")?;
    }
    Ok(())
}

/// Per stored timestamp token: the time it proves its checkpoint existed.
fn render_timestamps(out: &mut dyn Write, report: &VerifyReport) -> io::Result<()> {
    if report.timestamps.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{HEAD}Timestamps (RFC 3161){HEAD:#}")?;
    for t in &report.timestamps {
        if t.proven {
            writeln!(
                out,
                "  {OK}✔{OK:#} {} size {} existed by {} ({})",
                t.origin,
                t.size,
                t.gen_time.as_deref().unwrap_or("?"),
                t.tsa.as_deref().unwrap_or("?")
            )?;
        } else {
            writeln!(
                out,
                "  {WARN}⚠{WARN:#} {} size {}: not proven: {}",
                t.origin, t.size, t.detail
            )?;
        }
    }
    Ok(())
}

fn file_status(f: &FileReport) -> (Style, &'static str) {
    match f.status {
        FileStatus::Verified if f.warnings() > 0 => (WARN, "⚠ warnings"),
        FileStatus::Verified => (OK, "✔ verified"),
        FileStatus::Violated => (BAD, "✘ violated"),
        FileStatus::Unchained => (WARN, "⚠ unchained"),
        // Not read is not tampered: the verdict is incomplete, not violated.
        FileStatus::Unreadable => (WARN, "⚠ unreadable"),
    }
}

fn render_finding(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    let (style, mark) = match f.severity {
        Severity::Violation => (BAD, "✘"),
        Severity::Incomplete | Severity::Warning => (WARN, "⚠"),
    };
    let at = f
        .line
        .map_or_else(|| "file".to_owned(), |l| format!("line {l}"));
    let record = f
        .record_id
        .as_deref()
        .map_or_else(String::new, |r| format!("  record {r}"));
    writeln!(out, "  {style}{mark} {}{style:#}  {at}{record}", f.kind)?;
    writeln!(out, "      {}", f.detail)?;
    if let Some(e) = &f.expected {
        writeln!(out, "      {DIM}expected{DIM:#} {e}")?;
    }
    if let Some(x) = &f.found {
        writeln!(out, "      {DIM}found{DIM:#}    {x}")?;
    }
    Ok(())
}
