//! The forensic time layer: the time keeper's start log, whose start times
//! delimit run segments, then the pulse chain.

use crate::ledger::discover::FileKind;
use crate::ledger::io::par_lines::LineCheck;
use crate::ledger::io::scan::{scan_file, scan_file_parallel};
use crate::ledger::legacy::verify::glyph_chain::{
    GlyphChainVerifier, PulseOutcome, check_pulse_line,
};
use crate::ledger::legacy::verify::plain_log::{AUDIT_FIELDS, PlainLogVerifier};
use crate::ledger::legacy::verify::time_checks::{TimeCheckConfig, TimeChecker};
use crate::ledger::model::report::FileReport;
use crate::ledger::model::segments::RunSegment;
use std::path::Path;
use std::sync::Arc;

/// Verify `glyph_chain.jsonl` and `forensic_audit.log` (either may be
/// absent); return their reports in that order, and the time chain's run
/// segments.
pub fn verify_time_layer(
    glyph: Option<&Path>,
    audit: Option<&Path>,
    config: &TimeCheckConfig,
    max_line: usize,
) -> (Vec<FileReport>, Vec<RunSegment>) {
    let (reports, segments, _) = verify_time_layer_live(glyph, audit, config, max_line);
    (reports, segments)
}

/// [`verify_time_layer`], also returning the pulse chain's verifier as it
/// stands after the last pulse, so that pulses appended later can be
/// verified from there.
pub fn verify_time_layer_live(
    glyph: Option<&Path>,
    audit: Option<&Path>,
    config: &TimeCheckConfig,
    max_line: usize,
) -> (Vec<FileReport>, Vec<RunSegment>, Option<GlyphChainVerifier>) {
    let mut verifier = None;
    let mut starts = Vec::new();
    let mut segments = Vec::new();
    let mut audit_unread = false;
    let audit_report = audit.map(|p| {
        let mut report = FileReport::new(
            FileKind::ForensicAudit.name(),
            p.display().to_string(),
            FileKind::ForensicAudit.coverage(false),
        );
        let mut v = PlainLogVerifier::new(&AUDIT_FIELDS);
        scan_file(p, max_line, &mut report, |line, out| v.feed(line, out));
        v.finish(&mut report.findings);
        report.records = v.records();
        audit_unread = report.error.is_some();
        starts = v
            .timestamps()
            .iter()
            .filter_map(|(ts, _)| crate::ledger::legacy::verify::time_checks::iso_to_unix(ts))
            .collect();
        report
    });
    let mut reports = Vec::new();
    if let Some(p) = glyph {
        let mut report = FileReport::new(
            FileKind::GlyphChain.name(),
            p.display().to_string(),
            FileKind::GlyphChain.coverage(false),
        );
        let mut v = GlyphChainVerifier::new(
            TimeChecker::new(config.clone())
                .with_run_starts(starts)
                // Legacy pulse lines are about 250 bytes.
                .expect_pulses(std::fs::metadata(p).map_or(0, |m| (m.len() / 250) as usize)),
        );
        let checks = v.line_checks().clone();
        let check: LineCheck<PulseOutcome> = Arc::new(move |line| check_pulse_line(line, &checks));
        scan_file_parallel(p, max_line, &mut report, &check, |outcome, out| {
            v.accept(outcome, out);
        });
        v.finish(&mut report.findings);
        report.records = v.records();
        if audit_unread {
            report.coverage.not_checked.push(
                "forensic_audit could not be read (see UNREADABLE): runs are delimited by the start times read \
                 and the monotonic counter only",
            );
        }
        segments = v.time().segments().to_vec();
        reports.push(report);
        verifier = Some(v);
    }
    reports.extend(audit_report);
    (reports, segments, verifier)
}
