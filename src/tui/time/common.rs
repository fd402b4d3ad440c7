//! What pane 3's table and its selected-pulse box both read: the time
//! chain's findings and its run segments. Both views import this; neither
//! imports the other's helpers.

use super::TimeView;
use crate::ledger::model::finding::Finding;
use crate::ledger::model::report::VerifyReport;
use crate::ledger::model::segments::RunSegment;
use crate::tui::app::Loading;
use crate::tui::chain::ChainKind;
use crate::tui::context::Ctx;

/// The time chain's findings: verification's, then the anomalies the
/// background walk found in a native chain's bodies.
pub(super) fn glyph_findings<'a>(
    v: &'a TimeView,
    report: &'a VerifyReport,
) -> impl Iterator<Item = &'a Finding> {
    let walked = match &v.overview {
        Loading::Ready(o) => o.findings.as_slice(),
        _ => &[],
    };
    report
        .files
        .iter()
        .filter(|f| f.name == ChainKind::Pulses.name() || f.name == ChainKind::NativePulses.name())
        .flat_map(|f| f.findings.iter())
        .chain(walked)
}

/// The run segments, once the background walk has them (a native chain's
/// come from it; a legacy chain's from verification, known sooner).
pub(super) fn segments<'a>(ctx: &Ctx<'a>, v: &'a TimeView) -> &'a [RunSegment] {
    match (&v.overview, ctx.report.ready()) {
        (Loading::Ready(o), _) => &o.segments,
        (_, Some(r)) => &r.time_segments,
        _ => &[],
    }
}

/// The run segment (and its 0-based number) that holds 1-based `line`.
pub(super) fn segment_of<'a>(
    ctx: &Ctx<'a>,
    v: &'a TimeView,
    line: u64,
) -> Option<(usize, &'a RunSegment)> {
    segments(ctx, v)
        .iter()
        .enumerate()
        .find(|(_, s)| (s.first_line..=s.last_line).contains(&line))
}
