//! The text of panes 3-5 (time, maturity, audit), kept apart from the
//! rest of [`crate::tui::strings`] only so that the panes' wording is one
//! file to review.

use crate::ledger::model::segments::RunSegment;
use crate::tui::strings::{SYM_BAD, SYM_OK, SYM_WARN, count};

// Shared.

/// Background work still running.
pub const COMPUTING: &str = "computing…";
/// A background analysis failed.
pub fn failed(e: &str) -> String {
    format!("{SYM_BAD} could not be computed: {e}")
}
/// An analysis panicked (it is tested not to).
pub const INTERNAL_ERROR: &str = "internal error in the analysis";
/// The ledger has no descriptor file.
pub const NO_DESCRIPTORS: &str = "no SPICE descriptor file in this ledger";
/// The ledger has no pulse chain.
pub const NO_TIME_CHAIN: &str = "no time chain (glyph_chain.jsonl) in this ledger";
/// A native ledger: pane 5 follows legacy descriptors only for now.
pub const NATIVE_AUDIT: &str = "native ledger: the audit trail follows a legacy spice_chain only for now; \
     each native record's detail (pane 1, Enter) shows its seq, prev, hash, MAC and findings";
/// The ledger has no manifest.
pub const NO_MANIFEST: &str = "no integrity manifest in this ledger";
/// A line past a file's end.
pub fn no_such_line(file: &str, line: u64) -> String {
    format!("{file} has no line {line}")
}

// Pane 3: time.

/// Title of pane 3.
pub const TIME_TITLE: &str = "Time pulses";
/// Pane 3 title once the summary is known.
pub fn time_title(pulses: u64, verified: u64, runs: usize, anomalies: usize) -> String {
    let a = if anomalies == 0 {
        format!("{SYM_OK} no anomalies")
    } else if anomalies == 1 {
        format!("{SYM_WARN} 1 anomaly")
    } else {
        format!("{SYM_WARN} {anomalies} anomalies")
    };
    format!(
        " {TIME_TITLE}: {pulses}, {verified} verified, {}, {a} ",
        count(runs, "run")
    )
}
/// The summary pass is running.
pub const COMPUTING_TIME: &str = "computing the interval summary over the whole chain…";
/// Label of the interval chart.
pub const CHART_LABEL: &str = "Δt chart";
/// How many intervals one chart column stands for.
pub fn per_column(n: u64) -> String {
    format!("max/{n}")
}
/// A line that is not a pulse.
pub const NOT_A_PULSE: &str = "(not a pulse)";
/// Title of the pulse table.
pub fn pulses_title(at: u64, total: u64) -> String {
    format!(" Pulses {at}/{total} (e/E: anomalies) ")
}
/// Title of the selected pulse's box.
pub const SELECTED_PULSE: &str = "Selected pulse (Enter: open it in the chain browser)";
/// ΔAT past the leap-second table.
pub const DELTA_AT_ASSUMED: &str = "* (assumed)";
/// A run starting at the first pulse.
pub const RUN_FIRST: &str = "from the first pulse";
/// A run starting at a logged start.
pub fn run_known(counter_reset: bool) -> String {
    let reset = if counter_reset {
        ", counter reset (reboot)"
    } else {
        ""
    };
    format!("from a start logged in forensic_audit.log{reset}")
}
/// A run starting at an unlogged counter reset.
pub const RUN_UNLOGGED: &str = "⚠ from a counter reset with no logged start (RUN_RESTART)";
/// Why a native run segment starts: the boot id changed.
pub const RUN_REBOOT: &str = "from a reboot (the pulse's boot_id changed)";
/// Why a native run segment starts: the pulses before it were migrated.
pub const RUN_AFTER_MIGRATION: &str =
    "from the first native pulse after the pulses migrated from a legacy ledger";
/// The run of the selected pulse.
pub fn run_line(n: usize, of: usize, seg: &RunSegment, start: &str) -> String {
    format!(
        "run {n}/{of} (lines {}-{}, {} pulses) {start}",
        seg.first_line, seg.last_line, seg.pulses
    )
}
/// The selected pulse has no anomaly.
pub fn no_anomaly_here(in_chain: usize) -> String {
    if in_chain == 0 {
        format!("{SYM_OK} no anomaly at this pulse, nor anywhere in the chain")
    } else {
        format!("{SYM_OK} no anomaly at this pulse ({in_chain} in the chain: e/E jump to them)")
    }
}
/// `e`/`E` found no further anomaly.
pub fn no_more_anomalies(forward: bool) -> String {
    let dir = if forward { "after" } else { "before" };
    format!("no anomaly {dir} this pulse")
}

// Pane 4: maturity.

/// Title of pane 4.
pub const MATURITY_TITLE: &str = "Maturity";
/// The report is being built.
pub const COMPUTING_MATURITY: &str = "computing the maturity report over the verified descriptors…";
/// Names of levels 0-5 (ISO/IEC 33020).
pub use crate::analysis::maturity::LEVEL_NAMES;
/// Title of the levels box.
pub fn levels_title(verified: u64, average: Option<f64>) -> String {
    let avg = average.map_or_else(String::new, |a| format!(", mean {a:.2}"));
    format!(" Levels ({verified} counted{avg}) ")
}
/// Title of the scope box.
pub const SCOPE_TITLE: &str = "Scope";
/// One excluded record.
pub fn excluded_line(line: u64, reason: &str) -> String {
    format!("{SYM_BAD} line {line} excluded: {reason}")
}
/// Excluded records not listed.
pub fn more_excluded(n: usize, kinds: &[String]) -> String {
    format!("{SYM_BAD} … {n} more excluded ({})", kinds.join(", "))
}
/// Evidence coverage overall.
pub fn evidence_line(provided: u64, required: u64, percent: Option<f64>) -> String {
    let p = percent.map_or_else(|| "—".to_owned(), |p| format!("{p:.1} %"));
    format!("evidence: {provided} of {required} required items provided ({p})")
}
/// Inconsistencies overall.
pub fn inconsistencies_line(total: u64) -> String {
    if total == 0 {
        format!("{SYM_OK} no inconsistencies")
    } else {
        format!("{SYM_WARN} {total} inconsistencies (below)")
    }
}
/// What the report rests on that the hash does not protect.
pub fn unprotected(fields: &[&str]) -> String {
    format!("{SYM_WARN} not covered by the hash: {}", fields.join(", "))
}
/// A native ledger's records are hashed whole.
pub const EVERY_BYTE_HASHED: &str = "✔ every byte of each record is covered by its hash (native)";
/// Heading of the trend column.
pub const TREND_HEADING: &str = "trend ▁=L0 █=L5 (latest last)";
/// Title of the process table.
pub fn processes_title(n: usize, untracked: u64) -> String {
    let more = if untracked > 0 {
        format!(", {untracked} records of untracked processes")
    } else {
        String::new()
    };
    format!(" Processes ({n}{more}; Enter: latest assessment) ")
}
/// No process to show.
pub const NO_PROCESS: &str = "no process assessed";
/// No inconsistency found.
pub const NO_INCONSISTENCIES: &str = "no inconsistency found by the rules";
/// The selected process has no inconsistency listed.
pub fn process_clean(p: &str) -> String {
    format!("{SYM_OK} none listed for {p}")
}
/// Title of the inconsistencies box.
pub fn issues_title(total: u64, process: Option<String>) -> String {
    match process {
        Some(p) => format!(" Inconsistencies: {total}; of {p}: "),
        None => format!(" Inconsistencies: {total} "),
    }
}

// Pane 5: audit.

/// Title of pane 5.
pub const AUDIT_TITLE: &str = "Audit trail";
/// The trail is being computed.
pub const COMPUTING_TRAIL: &str = "computing the audit trail…";
/// The selected line has no descriptor id.
pub fn no_descriptor_id(line: u64) -> String {
    format!("{SYM_BAD} line {line} holds no descriptor_id: no trail to show")
}
/// More or fewer than one record with the id.
pub fn ambiguous(n: u64, id: &str) -> String {
    format!(
        "{SYM_BAD} {n} descriptors have the id {id}: a trail needs exactly one (see DUPLICATE_ID)"
    )
}
/// Where the record is.
pub fn record_at(id: &str) -> String {
    format!("descriptor {id}")
}
/// No finding concerns the record.
pub const NO_FINDING_ON_RECORD: &str = "✔ no finding on its line, and none implicates it";
/// No finding on the manifest line.
pub const NO_FINDING_ON_LINE: &str = "✔ no finding on this line";
/// Heading of the links.
pub const LINKS_HEADING: &str = "Links (j/k select, Enter follows, Esc comes back)";
/// Link labels.
pub const PREVIOUS: &str = "previous record";
/// See [`PREVIOUS`].
pub const NEXT: &str = "next record";
/// See [`PREVIOUS`].
pub const MANIFEST: &str = "manifest";
/// See [`PREVIOUS`].
pub const PULSES: &str = "pulses";
/// See [`PREVIOUS`].
pub const CITED_BY: &str = "cited by";
/// See [`PREVIOUS`].
pub const SHARES_REFS: &str = "related";
/// See [`PREVIOUS`].
pub const NAMES_DESCRIPTOR: &str = "names descriptor";
/// Which end of the glyph range a pulse is.
pub const RANGE_START: &str = "range start";
/// See [`RANGE_START`].
pub const RANGE_END: &str = "range end";
/// The manifest link's label.
pub fn manifest_label(line: u64) -> String {
    format!("manifest line {line}")
}
/// No previous record.
pub const GENESIS: &str = "— (the first record: genesis)";
/// No next record.
pub const LAST_RECORD: &str = "— (the last record)";
/// No manifest line names the record.
pub const NOT_ATTESTED: &str = "⚠ no manifest line names it";
/// No pulse of the glyph range found.
pub const NO_RANGE_PULSES: &str = "no pulse has its glyph range's start or end hash";
/// The manifest line names no descriptor.
pub const NAMES_NONE: &str = "— (no descriptor_count and descriptor_id)";
/// What the manifest link says.
pub fn attested(count: u64, later: u64) -> String {
    format!("attests it (descriptor_count {count}); {later} later lines cover it too")
}
/// Records sharing references, pulses in range.
pub fn shares(refs: u64, pulses: u64) -> String {
    format!("{refs} records share an a-priori reference; {pulses} pulses in its glyph range")
}
/// Section headings of the four questions.
pub const WHAT: &str = "What happened";
/// See [`WHAT`].
pub const WHY: &str = "Why";
/// See [`WHAT`].
pub const HOW: &str = "How";
/// See [`WHAT`].
pub const LEARNED: &str = "What was learned";
/// See [`WHAT`].
pub const INTEGRITY: &str = "Integrity";
/// Key of the protected fields.
pub const HASH_COVERS: &str = "hash covers";
/// Key of the unprotected fields.
pub const NOT_COVERED_KEY: &str = "not covered";
/// What the legacy hash leaves open.
pub const NOT_COVERED_TEXT: &str = "every other field (level, outcome, score, evidence, assessor, method, refs, notes) can be edited without breaking the chain";
/// Enter with no link.
pub const NO_LINK: &str = "no link here to follow";
/// Header of a manifest page.
pub fn manifest_header(line: u64) -> String {
    format!("integrity_manifest line {line}")
}
/// Heading of the stored text.
pub fn as_stored(truncated: bool) -> String {
    if truncated {
        "As stored (only its beginning: the line is long)".to_owned()
    } else {
        "As stored (pretty-printed)".to_owned()
    }
}
/// Title of a trail's header box.
pub fn trail_title(line: u64) -> String {
    format!(" Audit trail of the descriptor at line {line} ")
}
/// Title of a manifest page's header box.
pub fn manifest_title(line: u64) -> String {
    format!(" Manifest line {line} ")
}
/// Title of the document box.
pub fn doc_title(depth: usize) -> String {
    if depth == 0 {
        " Trail (Enter: follow the selected link) ".to_owned()
    } else {
        format!(" Followed {depth} link(s): Esc goes back ")
    }
}
