//! `iss find PATH [filters]`: descriptors by filter, each with its
//! verdict, exactly as stored.

use super::args::FindArgs;
use super::show::{Verification, exit};
use crate::analysis::bounds;
use crate::analysis::lookup::{Filter, Match};
use crate::time::Instant;
use anyhow::Context;
use serde::Serialize;
use std::io::Write;

/// `iss find --json`.
#[derive(Serialize)]
struct FindDoc<'a> {
    ledger: &'a str,
    verification: Verification<'a>,
    total: u64,
    shown: usize,
    matches: &'a [Match],
}

/// Run `iss find PATH [filters]`.
pub fn run(args: &FindArgs) -> anyhow::Result<u8> {
    // The bounds `:filter` accepts, parsed by the same code.
    let instant =
        |s: &Option<String>, what: &str, start: bool| -> anyhow::Result<Option<Instant>> {
            s.as_deref()
                .map(|t| {
                    bounds::time_bound(t, start).with_context(|| {
                        format!("--{what} {t:?} is not an ISO 8601 time or a date (2026-11-26)")
                    })
                })
                .transpose()
        };
    let level = match args.level.as_deref() {
        None => bounds::LevelRange::default(),
        Some(l) => bounds::parse_level(l)
            .map_err(|e| anyhow::anyhow!("--level {l:?}: {e} (e.g. --level 3, --level \">=3\")"))?,
    };
    let filter = Filter {
        id: None,
        glyph: args.glyph.clone(),
        apriori: args.apriori.clone(),
        aposteriori: args.aposteriori.clone(),
        process: args.process.clone(),
        assessor: args.assessor.clone(),
        level,
        outcome: args.outcome.clone(),
        since: instant(&args.since, "since", true)?,
        until: instant(&args.until, "until", false)?,
    };
    let limit = if args.limit == 0 {
        usize::MAX
    } else {
        args.limit
    };
    let (report, _, matches, total) = super::show::lookup(&args.path, &filter, limit)?;
    let mut out = super::output::stdout();
    if args.json {
        let doc = FindDoc {
            ledger: &report.ledger,
            verification: Verification {
                status: report.status,
                tool: &report.tool,
            },
            total,
            shown: matches.len(),
            matches: &matches,
        };
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
        return Ok(exit(&report));
    }
    for m in &matches {
        let v: serde_json::Value = serde_json::from_str(m.record.get())?;
        let s = |k: &str| {
            v.get(k).map_or(String::new(), |x| {
                x.as_str().map_or_else(|| x.to_string(), str::to_owned)
            })
        };
        let mark = if m.reason.is_some() { "✘" } else { "✔" };
        writeln!(
            out,
            "{mark} line {:>7}  {}  {:<24} level {}  {:<13}  {}",
            m.line,
            s("descriptor_id"),
            s("process_name"),
            s("capability_level"),
            s("process_outcome"),
            s("assessed_at")
        )?;
    }
    writeln!(
        out,
        "{total} match(es){}",
        if (matches.len() as u64) < total {
            format!(", {} shown (--limit)", matches.len())
        } else {
            String::new()
        }
    )?;
    Ok(exit(&report))
}
