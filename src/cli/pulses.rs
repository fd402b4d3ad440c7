//! `iss pulses` and `iss report time`: the time chain, pulse by pulse and
//! as a whole.

use super::args::PulsesArgs;
use crate::analysis::pulses::{PulseRow, PulseWalk, TimeSummary, for_each_pulse};
use crate::analysis::records::{ChainFile, Exclusions, pulse_file};
use crate::ledger::discover::FileKind;
use crate::ledger::model::report::{LedgerStatus, VerifyReport};
use crate::ledger::model::segments::RunSegment;
use crate::ledger::open::Ledger;
use crate::ledger::verify::{TIME_FILES, VerifyOptions};
use anyhow::{Context, bail};
use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The time chain of a verified ledger: where it is, its report name and
/// whether it is native.
struct TimeChain {
    path: PathBuf,
    kind: FileKind,
}

impl TimeChain {
    fn file(&self) -> ChainFile<'_> {
        ChainFile {
            kind: self.kind,
            path: &self.path,
        }
    }
}

/// Verify the ledger and find its time chain.
fn verified_chain(
    path: &Path,
    options: &VerifyOptions,
) -> anyhow::Result<(VerifyReport, TimeChain, Exclusions)> {
    let report = Ledger::review(path, None)?.verify(options)?;
    if report.status == LedgerStatus::Incomplete {
        bail!(
            "{}: a file could not be read, so no pulse can be called verified",
            path.display()
        );
    }
    let Some(file) = pulse_file(&report) else {
        bail!(
            "{}: no time chain (glyph_chain.jsonl, or a native ledger's pulses.jsonl) in this ledger",
            path.display()
        );
    };
    let chain = TimeChain {
        path: file.path.to_path_buf(),
        kind: file.kind,
    };
    let exclusions = Exclusions::from_report(&report, file.name());
    Ok((report, chain, exclusions))
}

/// The run segments: verification's for a legacy chain, the walk's for a
/// native one.
fn segments(report: &VerifyReport, chain: &TimeChain, walk: &PulseWalk) -> Vec<RunSegment> {
    if chain.kind.runs_found_by_verification() {
        report.time_segments.clone()
    } else {
        walk.segments.clone()
    }
}

fn exit(report: &VerifyReport) -> u8 {
    super::verdict_exit(report.status)
}

/// Run `iss pulses`.
pub fn run(args: &PulsesArgs) -> anyhow::Result<u8> {
    let options = VerifyOptions::only(&TIME_FILES);
    let (report, chain, exclusions) = verified_chain(&args.path, &options)?;
    // Only the last `limit` rows are kept: memory stays flat on any chain.
    let limit = if args.limit == 0 {
        usize::MAX
    } else {
        args.limit
    };
    let mut rows: VecDeque<PulseRow> = VecDeque::new();
    let walk = for_each_pulse(
        chain.file(),
        &exclusions,
        &options.time,
        options.max_line,
        |row| {
            if rows.len() == limit {
                rows.pop_front();
            }
            rows.push_back(row);
        },
    )
    .with_context(|| format!("reading {}", chain.path.display()))?;
    let total = walk.total;

    let mut out = super::output::stdout();
    if args.json {
        let doc = serde_json::json!({
            "ledger": report.ledger,
            "verification": { "status": report.status, "tool": report.tool },
            "pulses_total": total,
            "shown": rows.len(),
            "segments": segments(&report, &chain, &walk),
            "pulses": rows,
        });
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
    } else {
        // Marked as the workstation's time pane marks them (one rule).
        let marks = crate::tui::marks::of_time_chain(
            &report,
            chain.kind.name(),
            chain.kind.framed(),
            &walk.findings,
        );
        write_rows(&mut out, &chain, total, &rows, &marks)?;
    }
    out.flush()?;
    Ok(exit(&report))
}

/// Run `iss report time`.
pub fn report(path: &Path, json: bool) -> anyhow::Result<u8> {
    let options = VerifyOptions::only(&TIME_FILES);
    let (report, chain, exclusions) = verified_chain(path, &options)?;
    let mut summary = TimeSummary::default();
    let walk = for_each_pulse(
        chain.file(),
        &exclusions,
        &options.time,
        options.max_line,
        |row| summary.add(&row),
    )
    .with_context(|| format!("reading {}", chain.path.display()))?;
    // Verification's findings on the chain, then (native) the anomalies the
    // walk found in the bodies.
    let findings: Vec<_> = report
        .files
        .iter()
        .filter(|f| f.name == chain.kind.name())
        .flat_map(|f| f.findings.iter())
        .chain(&walk.findings)
        .collect();
    let segments = segments(&report, &chain, &walk);
    let mut out = super::output::stdout();
    if json {
        let doc = serde_json::json!({
            "ledger": report.ledger,
            "verification": { "status": report.status, "tool": report.tool },
            "summary": summary,
            "segments": segments,
            "tolerances": tolerances(&options),
            "findings": findings,
            "findings_not_kept": walk.findings_dropped,
        });
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
    } else {
        write_markdown(&mut out, &report, &summary, &segments, &findings, &options)?;
    }
    out.flush()?;
    Ok(exit(&report))
}

/// `iss pulses` as a table.
fn write_rows(
    out: &mut dyn Write,
    chain: &TimeChain,
    total: u64,
    rows: &VecDeque<PulseRow>,
    marks: &crate::tui::marks::Marks,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{} pulses in {}; showing the last {}",
        total,
        chain.path.display(),
        rows.len()
    )?;
    writeln!(
        out,
        "{:>8}  {:<32}  {:>9}  {:>4}  {:>18}  {:>18}  {:>10}  STATUS",
        "LINE", "UTC (stored)", "Δt s", "ΔAT", "TT past J2000", "et_s (stored)", "et−TDB s"
    )?;
    for r in rows {
        let (mut dat, tt) = r
            .computed
            .map_or((String::from("?"), String::from("?")), |c| {
                (
                    format!(
                        "{}{}",
                        c.delta_at_s,
                        if c.delta_at_known { "" } else { "*" }
                    ),
                    format!("{:.6}", c.tt_past_j2000_s),
                )
            });
        if let Some(n) = &r.native {
            // A native pulse says which ΔAT it used, and whether it knew it.
            let used = &n.stored.leap_seconds;
            let mark = if used.delta_at_known { "" } else { "*" };
            dat = format!("{}{mark}", used.delta_at_s);
        }
        let mark = marks.at(r.line);
        let status = match (&r.reason, &mark) {
            // Left out of the run for a violation on or about the line.
            (Some(reason), _) => format!("{} {reason}", crate::tui::strings::SYM_BAD),
            (None, Some(m)) => format!(
                "{} {}",
                crate::tui::marks::symbol(Some(m)),
                m.kinds.join(", ")
            ),
            (None, None) => format!("{} verified", crate::tui::marks::symbol(None)),
        };
        writeln!(
            out,
            "{:>8}  {:<32}  {:>9}  {:>4}  {:>18}  {:>18.6}  {:>10}  {status}",
            r.line,
            r.utc,
            r.interval_s
                .map_or(String::from("-"), |i| format!("{i:.6}")),
            dat,
            tt,
            r.stored.et_s,
            r.et_minus_tdb_s
                .map_or(String::from("?"), |d| format!("{d:+.6}")),
        )?;
    }
    if chain.kind.framed() {
        writeln!(
            out,
            "(native pulses: et_s (stored) is the pulse's tdb_s, et−TDB its tdb_s minus the TDB recomputed from its utc)"
        )?;
    }
    if rows.iter().any(|r| {
        r.native.as_ref().map_or_else(
            || r.computed.is_some_and(|c| !c.delta_at_known),
            |n| !n.stored.leap_seconds.delta_at_known,
        )
    }) {
        writeln!(
            out,
            "* ΔAT assumed: the instant lies past the end of the leap-second table"
        )?;
    }
    Ok(())
}

fn tolerances(options: &VerifyOptions) -> serde_json::Value {
    let t = &options.time;
    serde_json::json!({
        "gap_factor": t.gap_factor, "gap_floor_s": t.gap_floor_s, "gap_window": t.gap_window,
        "clock_step_floor_s": t.clock_step_floor_s, "clock_step_ppm": t.clock_step_ppm,
        "iso_tolerance_s": t.iso_tolerance_s, "et_tolerance_s": t.et_tolerance_s,
        "jd_tolerance_days": t.jd_tolerance_days, "leap_window_s": t.leap_window_s,
        "delta_at_known_until_unix": t.delta_at_known_until_unix,
    })
}

fn write_markdown(
    out: &mut dyn Write,
    report: &VerifyReport,
    s: &TimeSummary,
    segments: &[RunSegment],
    findings: &[&crate::ledger::model::finding::Finding],
    options: &VerifyOptions,
) -> std::io::Result<()> {
    let fmt = |x: Option<f64>| x.map_or(String::from("—"), |v| format!("{v:.6}"));
    writeln!(out, "# Time forensics report\n")?;
    let status = serde_json::to_value(report.status).ok();
    let status = status.as_ref().and_then(|v| v.as_str()).unwrap_or("?");
    writeln!(
        out,
        "Ledger `{}`, verification **{status}**.\n",
        report.ledger
    )?;
    writeln!(out, "## Pulses\n")?;
    writeln!(out, "| item | value |\n|---|---|")?;
    writeln!(out, "| pulses | {} ({} verified) |", s.pulses, s.verified)?;
    writeln!(
        out,
        "| first / last | {} / {} |",
        s.first_utc.as_deref().unwrap_or("—"),
        s.last_utc.as_deref().unwrap_or("—")
    )?;
    writeln!(
        out,
        "| interval min / mean / max (s) | {} / {} / {} |",
        fmt(s.intervals_s.min),
        fmt(s.intervals_s.mean),
        fmt(s.intervals_s.max)
    )?;
    writeln!(
        out,
        "| et_s − TDB min / max (s) | {} / {} |",
        fmt(s.et_minus_tdb_s.min),
        fmt(s.et_minus_tdb_s.max)
    )?;
    writeln!(
        out,
        "| julian_date − JD(TT) mean (d) | {} |",
        s.julian_date_minus_jd_tt_d
            .mean
            .map_or(String::from("—"), |v| format!("{v:.3e}"))
    )?;
    writeln!(out, "| pulses with ΔAT assumed | {} |", s.delta_at_assumed)?;
    if s.native_pulses > 0 {
        writeln!(
            out,
            "| native pulses | {} (tai_ns − recomputed from utc: min {} / max {} ns) |",
            s.native_pulses,
            fmt(s.tai_minus_recomputed_ns.min),
            fmt(s.tai_minus_recomputed_ns.max)
        )?;
    }
    writeln!(out)?;
    if s.native_pulses > 0 {
        writeln!(
            out,
            "A native pulse states TAI, UTC, TT, TDB and both Julian dates from one clock reading, with its \
             monotonic clock, boot id and the leap-second list it used; each is recomputed here from its `utc` \
             with the current list. Runs are delimited by `boot_id` changes; within one boot, Δmono and Δtai \
             must agree (CLOCK_STEP otherwise). For native pulses `et_s − TDB` is the stored `tdb_s` minus the \
             recomputed TDB.\n"
        )?;
    }
    writeln!(
        out,
        "The legacy `et_s` is TT with ΔAT fixed at 37 s: it differs from TDB/ET by the periodic TDB−TT term \
         (under 1.7 ms) while ΔAT is 37 s, and goes wrong by whole seconds in other eras. `julian_date` is \
         JD(UTC), not JD(TT). ΔAT comes from hifitime's built-in table, which ends in 2017; later instants \
         are marked as assumed.\n"
    )?;
    writeln!(out, "## Run segments\n")?;
    writeln!(
        out,
        "| # | starts because | first line | last line | pulses |\n|---|---|---|---|---|"
    )?;
    for (i, seg) in segments.iter().enumerate() {
        let why = serde_json::to_value(seg.start)
            .ok()
            .and_then(|v| v.get("kind").and_then(|k| k.as_str().map(str::to_owned)));
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            i + 1,
            why.unwrap_or_default(),
            seg.first_line,
            seg.last_line,
            seg.pulses
        )?;
    }
    write_anomalies(out, findings, options)
}

/// The anomalies and the tolerances they were judged by.
fn write_anomalies(
    out: &mut dyn Write,
    findings: &[&crate::ledger::model::finding::Finding],
    options: &VerifyOptions,
) -> std::io::Result<()> {
    writeln!(out, "\n## Anomalies\n")?;
    if findings.is_empty() {
        writeln!(out, "None found by the checks below.")?;
    }
    for f in findings {
        writeln!(
            out,
            "- **{}** ({}) line {}: {} — expected {}, found {}",
            f.kind,
            f.severity,
            f.line.map_or(String::from("—"), |l| l.to_string()),
            f.detail,
            f.expected.as_deref().unwrap_or("—"),
            f.found.as_deref().unwrap_or("—")
        )?;
    }
    let t = &options.time;
    writeln!(out, "\n## Tolerances\n")?;
    writeln!(
        out,
        "gap: max({} s, {} × median of the last {} intervals); clock step: max({} s, {} ppm); utc_iso vs utc_unix: \
         {} s; et_s: {} s; Julian dates: {} d; leap-second window: ±{} s.",
        t.gap_floor_s,
        t.gap_factor,
        t.gap_window,
        t.clock_step_floor_s,
        t.clock_step_ppm,
        t.iso_tolerance_s,
        t.et_tolerance_s,
        t.jd_tolerance_days,
        t.leap_window_s
    )?;
    Ok(())
}
