//! `iss show`: a descriptor by id, with its verdict, exactly as stored;
//! and the verified lookup `iss find` shares.

use super::EXIT_ERROR;
use super::args::ShowArgs;
use crate::analysis::lookup::{Filter, Match, find, hash_covers, protected_fields};
use crate::analysis::records::{Exclusions, descriptor_file};
use crate::ledger::model::descriptor::{PROTECTED_FIELDS, field_order};
use crate::ledger::model::finding::Finding;
use crate::ledger::model::report::{LedgerStatus, ToolInfo, VerifyReport};
use crate::ledger::open::Ledger;
use crate::ledger::verify::{DESCRIPTOR_FILES, VerifyOptions};
use anyhow::{Context, bail};
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// `iss show --json`.
#[derive(Serialize)]
struct ShowDoc<'a> {
    ledger: &'a str,
    r#match: &'a Match,
    findings: Vec<FileFinding<'a>>,
    protected_fields: Vec<String>,
    hash_covers: &'static str,
}

/// A finding with the file it is in.
#[derive(Serialize)]
struct FileFinding<'a> {
    file: &'a str,
    finding: &'a Finding,
}

/// The verification verdict a lookup ran on.
#[derive(Serialize)]
pub(super) struct Verification<'a> {
    pub(super) status: LedgerStatus,
    pub(super) tool: &'a ToolInfo,
}

/// Verify, then look up; returns the report, the descriptor file's name and
/// the matches.
pub(super) fn lookup(
    path: &Path,
    filter: &Filter,
    limit: usize,
) -> anyhow::Result<(VerifyReport, &'static str, Vec<Match>, u64)> {
    let options = VerifyOptions::only(&DESCRIPTOR_FILES);
    let report = Ledger::review(path, None)?.verify(&options)?;
    if report.status == LedgerStatus::Incomplete {
        bail!(
            "{}: a file could not be read, so no record can be called verified",
            path.display()
        );
    }
    let Some(file) = descriptor_file(&report) else {
        bail!(
            "{}: no SPICE descriptor file in this ledger",
            path.display()
        );
    };
    let exclusions = Exclusions::from_report(&report, file.name());
    let (matches, total) = find(file, &exclusions, filter, limit, options.max_line)
        .with_context(|| format!("reading {}", file.path.display()))?;
    let name = file.name();
    Ok((report, name, matches, total))
}

pub(super) fn exit(report: &VerifyReport) -> u8 {
    super::verdict_exit(report.status)
}

/// Run `iss show PATH ID`.
pub fn run(args: &ShowArgs) -> anyhow::Result<u8> {
    let filter = Filter {
        id: Some(args.id.clone()),
        ..Filter::default()
    };
    let (report, chain, matches, total) = lookup(&args.path, &filter, 10)?;
    let mut out = super::output::stdout();
    let mut err = anstream::stderr().lock();
    if total == 0 {
        writeln!(err, "iss: no descriptor id starts with {:?}", args.id)?;
        return Ok(EXIT_ERROR);
    }
    if total > 1 {
        writeln!(
            err,
            "iss: {total} descriptors match {:?}; give more of the id:",
            args.id
        )?;
        for m in &matches {
            writeln!(
                err,
                "  line {}: {}",
                m.line,
                m.record.get().get(..60).unwrap_or(m.record.get())
            )?;
        }
        return Ok(EXIT_ERROR);
    }
    let m = &matches[0];
    let findings: Vec<_> = report
        .files
        .iter()
        .flat_map(|f| f.findings.iter().map(move |x| (f.name, x)))
        .filter(|(name, f)| {
            (*name == chain && f.line == Some(m.line))
                || f.related.as_ref().is_some_and(|r| {
                    r.file == chain && (r.first_line..=r.last_line).contains(&m.line)
                })
        })
        .collect();
    if args.json {
        // A struct, not `json!`: a `Value` would re-order the stored record's
        // keys, and the record must come out exactly as stored.
        let doc = ShowDoc {
            ledger: &report.ledger,
            r#match: m,
            findings: findings
                .iter()
                .map(|(file, finding)| FileFinding { file, finding })
                .collect(),
            protected_fields: protected_fields(m),
            hash_covers: hash_covers(m),
        };
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
        return Ok(exit(&report));
    }
    write_show(&mut out, m, &findings)?;
    Ok(exit(&report))
}

/// `iss show` as text: each field, marked when its hash covers it.
fn write_show(out: &mut dyn Write, m: &Match, findings: &[(&str, &Finding)]) -> anyhow::Result<()> {
    let value: serde_json::Value = serde_json::from_str(m.record.get())?;
    let verdict = m
        .reason
        .as_deref()
        .map_or_else(|| "✔ verified".to_owned(), |r| format!("✘ excluded: {r}"));
    writeln!(out, "descriptor at line {} of the chain: {verdict}", m.line)?;
    let every_byte = m.native.is_some();
    for name in field_order() {
        if let Some(v) = value.get(name) {
            let mark =
                if every_byte || PROTECTED_FIELDS.contains(&name) || name == "descriptor_hash" {
                    "#"
                } else {
                    " "
                };
            writeln!(out, " {mark} {name:<22} {v}")?;
        }
    }
    if let Some(n) = &m.native {
        if let Some(v) = value.get("attribute_ratings") {
            writeln!(out, " # {:<22} {v}", "attribute_ratings")?;
        }
        writeln!(out, " # {:<22} {}", "seq", n.seq)?;
        writeln!(out, " # {:<22} {}", "prev", n.prev)?;
        writeln!(out, " # {:<22} {}", "hash", n.hash)?;
        if let Some(mac) = &n.mac {
            writeln!(out, " # {:<22} {mac}", "mac")?;
        }
        if let Some(l) = n.legacy_line {
            writeln!(
                out,
                "   migrated from legacy line {l} (descriptor_hash {})",
                n.legacy_descriptor_hash.as_deref().unwrap_or("—")
            )?;
        }
        writeln!(
            out,
            "   (# = covered by the record hash: in the native format, every byte of the record)"
        )?;
    } else {
        writeln!(
            out,
            "   (# = covered by the legacy hash, or the hash itself; the rest can be changed without trace)"
        )?;
    }
    for (file, f) in findings {
        writeln!(
            out,
            "{} {file} line {}: {}",
            f.kind,
            f.line.unwrap_or(0),
            f.detail
        )?;
    }
    Ok(())
}
