//! Every piece of text the workstation shows, in one place (as gitui's
//! `strings.rs`): wording stays consistent across panes, and a later
//! translation or a wording review touches one file.

/// The mode shown at all times in the status bar: nothing is ever written.
pub const READ_ONLY: &str = "READ-ONLY";
/// Name of the issue that tracks the panes not built yet.
pub const WORKSTATION_ISSUE: &str = "the TUI workstation issue";

/// Symbol: verified, nothing found.
pub const SYM_OK: &str = "✔";
/// Symbol: a warning.
pub const SYM_WARN: &str = "⚠";
/// Symbol: a violation.
pub const SYM_BAD: &str = "✘";
/// Symbol: not known yet (verification still running).
pub const SYM_PENDING: &str = "…";
/// Symbol: cannot be known (verification failed to run).
pub const SYM_UNKNOWN: &str = "?";

/// Titles of the panes, in tab order (1-5).
pub const PANE_TITLES: [&str; 5] = ["Chains", "Integrity", "Time", "Maturity", "Audit"];

/// One-line placeholder for a pane that is not built yet.
pub fn not_built(title: &str) -> String {
    format!("{title}: not built yet (tracked in {WORKSTATION_ISSUE}).")
}

/// Too-small message.
pub fn too_small(w: u16, h: u16, min_w: u16, min_h: u16) -> String {
    format!("Terminal too small: {w}x{h}. ISS Workstation needs at least {min_w}x{min_h}.")
}

/// Spinner frames for work in progress (ASCII-safe, one cell wide).
pub const SPINNER: [&str; 4] = ["|", "/", "-", "\\"];

/// Status bar: verification running.
pub const VERIFYING: &str = "verifying…";
/// A size for people: bytes, kB, MB or GB (powers of ten, as `ls -h --si`).
pub fn size(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)] // a display to three digits
    let b = bytes as f64;
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{:.1} kB", b / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", b / 1e6),
        _ => format!("{:.2} GB", b / 1e9),
    }
}
/// Whole percent of `done` in `total` (100 for an empty total).
pub fn percent(done: u64, total: u64) -> u64 {
    done.min(total)
        .saturating_mul(100)
        .checked_div(total)
        .unwrap_or(100)
}
/// Status bar and integrity pane: verification under way, this far.
pub fn verifying_at(done: u64, total: u64) -> String {
    format!("verifying… {}%", percent(done, total))
}
/// Status bar: a published location's records fetched so far (the
/// records shown are part of the log; the verdict comes after all).
pub fn fetching_at(done: u64, total: u64) -> String {
    format!(
        "partial, fetching… {}% ({done} of {total} records); verifying next",
        percent(done, total)
    )
}
/// Message line: the disk cache of a location disagreed with its checkpoint.
pub const CACHE_DISCARDED: &str = "this location did not verify with tiles from the disk cache: cache thrown away, fetching everything again to judge it on fetched bytes";
/// Integrity pane: the files read so far by the verification under way.
pub fn verifying_read(done: u64, total: u64) -> String {
    format!(
        "verifying… {}% ({} of {} read; the verdict comes when every file is read)",
        percent(done, total),
        size(done),
        size(total)
    )
}
/// Status bar: discovery running.
pub const OPENING: &str = "opening…";

/// The verdict words of a ledger.
pub const CLEAN: &str = "CLEAN";
/// See [`CLEAN`].
pub const VIOLATED: &str = "VIOLATED";
/// See [`CLEAN`].
pub const INCOMPLETE: &str = "INCOMPLETE";

/// `n` things, in the singular or the plural (`1 violation`, `2 warnings`).
pub fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// Browser: a chain file the ledger does not have.
pub fn chain_absent(file: &str) -> String {
    format!("{file}: not in this ledger.")
}
/// Message: a key bound to nothing where it was pressed.
pub fn key_unbound(key: &str) -> String {
    format!("{key}: not a key here (? lists the keys)")
}
/// Browser: a chain file not opened because one other file was given alone.
pub fn chain_not_given(file: &str, given: &str) -> String {
    format!("{file}: not opened: only {given} was given (open its folder for the whole ledger).")
}
/// Browser title: one file opened on its own (`iss tui FILE`), browsed
/// and verified alone as `iss verify FILE` does.
pub const ONE_FILE_ONLY: &str = "(this file only; open its folder for the whole ledger) ";
/// Browser: a chain file being indexed.
pub fn indexing(file: &str) -> String {
    format!("indexing {file}…")
}
/// Browser: a chain file that could not be opened.
pub fn chain_unreadable(file: &str, err: &str) -> String {
    format!("{SYM_BAD} {file}: cannot be read: {err}")
}
/// Browser and integrity: the ledger could not be opened at all.
pub fn ledger_unopenable(err: &str) -> String {
    format!("{SYM_BAD} cannot open the ledger: {err}")
}

/// Row status words.
pub const ROW_VERIFIED: &str = "verified";
/// Row status of a line appended after verification and not judged yet.
pub const ROW_PENDING: &str = "pending";
/// Row status of a line another file's finding implicates.
pub fn row_implicated(kind: &str) -> String {
    format!("implicated ({kind})")
}
/// Row cell for a line that is not a JSON object.
pub const ROW_UNPARSEABLE: &str = "(not an object)";
/// Row cell for a line too long to decode for the table.
pub const ROW_TOO_LONG: &str = "(line too long)";
/// Row cell for a line that could not be read (the detail says why).
pub const ROW_READ_ERROR: &str = "(read error)";

/// Detail view: a line shown only in part.
pub fn detail_truncated(shown: usize, total: u64) -> String {
    format!("(showing the first {shown} of {total} bytes of this line)")
}
/// Heading of a native record's body in the record detail.
pub const DETAIL_BODY: &str = "Body";
/// Detail: a `HASH_MISMATCH` whose stored hash the next record's link and
/// the manifest both confirm.
pub const HASH_CONFIRMED_BY_BOTH: &str = "the next record's prev_descriptor_hash and the manifest both confirm the stored descriptor_hash: the protected fields were edited after the record was written";
/// Detail: confirmed by the next record's link only.
pub const HASH_CONFIRMED_BY_NEXT: &str = "the next record's prev_descriptor_hash confirms the stored descriptor_hash: the protected fields were edited after the record was written";
/// Detail: confirmed by the manifest only (the last record has no next).
pub const HASH_CONFIRMED_BY_MANIFEST: &str = "the manifest confirms the stored descriptor_hash: the protected fields were edited after the record was written";
/// Detail: the next record's link disagrees with the stored hash too.
pub const HASH_NOT_CONFIRMED: &str = "the next record's prev_descriptor_hash does not match the stored descriptor_hash either: the hash itself was changed, or the record replaced";
/// Detail: what `#` means on a legacy descriptor.
pub const DETAIL_LEGACY_LEGEND: &str =
    "(# = covered by the legacy hash, or the hash itself; the rest can be changed without trace)";
/// Detail: what `#` means on a native record.
pub const DETAIL_NATIVE_LEGEND: &str =
    "(# = covered by the record hash: in the native format, every byte of the record)";
/// Heading of keys a native line should not have.
pub const DETAIL_OTHER_KEYS: &str = "Other keys (not in the record format)";
/// Detail view: heading of the findings section.
pub const DETAIL_FINDINGS: &str = "Findings on this line";
/// Detail view: no findings on this line.
pub const DETAIL_NO_FINDINGS: &str = "none";
/// Detail view: the line is not valid JSON.
pub fn detail_not_json(err: &str) -> String {
    format!("{SYM_BAD} not a JSON object ({err}); the raw line follows:")
}

/// Integrity pane: a file the layout implies but that is not there.
pub const FILE_MISSING: &str = "not found";
/// Integrity pane: status of a missing file whose absence is evidence
/// (`MISSING_FILE`).
pub const FILE_REQUIRED_MISSING: &str = "missing";
/// Integrity pane: heading of the findings list.
pub fn findings_title(violations: usize, warnings: usize) -> String {
    format!(
        "Findings: {}, {}",
        count(violations, "violation"),
        count(warnings, "warning")
    )
}
/// Integrity pane: title of the selected finding's box.
pub const SELECTED_FINDING: &str = "Selected finding (Enter: show its line)";
/// Integrity pane: title of the same box when nothing was found.
pub const NOT_COVERED: &str = "Not covered by these checks";
/// Integrity pane: nothing found.
pub const NO_FINDINGS: &str = "No findings: every check listed in the coverage passed.";

/// Messages after a search.
pub fn search_not_found(q: &str) -> String {
    format!("{SYM_WARN} not found: {q}")
}
/// Message: a search wrapped around the file's end.
pub const SEARCH_WRAPPED: &str = "search wrapped around";
/// The status line while a search runs.
pub fn searching(what: &str) -> String {
    format!("searching: {what}… (Esc stops)")
}
/// Message: `Esc` stopped a search.
pub const SEARCH_STOPPED: &str = "search stopped";
/// Message: `n` without a previous search.
pub const NO_SEARCH: &str = "no search yet: press / to search";
/// Message: `e`/`E` found nothing further.
pub fn no_more_findings(file: &str, forward: bool) -> String {
    let dir = if forward { "below" } else { "above" };
    format!("no finding {dir} this line in {file}")
}
/// Message: a finding in a file the browser cannot show yet.
pub fn not_browsable(file: &str) -> String {
    format!("{file} cannot be browsed yet; its findings are listed here")
}
/// Message: an unknown `:` command.
pub fn unknown_command(c: &str) -> String {
    format!("{SYM_WARN} unknown command: {c} (try :goto N, :N, :filter ..., :marks, :export FILE)")
}
/// Message: the first violation, named when the ledger opens.
pub fn first_finding(
    kind: &str,
    file: &str,
    line: Option<u64>,
    id: Option<&str>,
    violations: usize,
) -> String {
    let at = line.map_or_else(|| file.to_owned(), |l| format!("{file} line {l}"));
    let id = id.map_or_else(String::new, |i| format!(" ({i})"));
    let which = match violations {
        1 => "violation".to_owned(),
        n => format!("1st of {n} violations (e: next)"),
    };
    format!("{SYM_BAD} {which}: {kind} at {at}{id}")
}
/// Message: `:goto` with something that is neither a number nor an id prefix.
pub fn goto_no_match(arg: &str) -> String {
    format!(
        "{SYM_WARN} no record matches {arg:?}: :goto takes a line number or an id prefix (4+ hex digits)"
    )
}
/// Message: `:N` past the last line.
pub fn goto_out_of_range(n: u64, chain: &str, lines: u64) -> String {
    format!("{SYM_WARN} line {n} is out of range: {chain} has {lines} lines (showing the last)")
}
/// Message: an all-digit `:goto` past the end that no id starts with either.
pub fn goto_neither(typed: &str, chain: &str, lines: u64) -> String {
    format!(
        "{SYM_WARN} no line {typed} ({chain} has {lines} lines) and no record whose id starts with {typed}"
    )
}
/// Message: how `:export` is typed.
pub const EXPORT_USAGE: &str = "usage: :export FILE.json (evidence bundle) | FILE.jsonl | FILE.csv (marked records, else the records shown) [--force]";
/// The ledger's verdict in words (`None`: verification not finished).
pub fn verdict_in_words(
    status: Option<crate::ledger::model::report::LedgerStatus>,
) -> &'static str {
    use crate::ledger::model::report::LedgerStatus as S;
    match status {
        Some(S::Clean) => "the ledger verifies: no violation found",
        Some(S::Violated) => "the ledger does NOT verify: it has violations (see Integrity)",
        Some(S::Incomplete) => {
            "the ledger was not verified in full: a file could not be read (see Integrity)"
        }
        None => "the ledger's verification had not finished",
    }
}
/// Message: an export would replace a file.
pub fn export_exists(path: &std::path::Path) -> String {
    format!(
        "{} already exists; refusing to overwrite (:export FILE --force)",
        path.display()
    )
}
fn records_phrase(job: &crate::tui::export_records::RecordsJob) -> String {
    use crate::tui::export_records::{Selection, Shape};
    let n = job.lines.len();
    let s = if n == 1 { "" } else { "s" };
    let which = match job.selection {
        Selection::Marked => "marked ",
        Selection::Filtered => "filtered ",
        Selection::All => "",
    };
    let shape = match job.shape {
        Shape::Jsonl => "JSONL, lines as stored",
        Shape::Csv => "CSV",
    };
    format!("{n} {which}record{s} of {} ({shape})", job.chain)
}
/// Message: a records export was queued.
pub fn records_exporting(job: &crate::tui::export_records::RecordsJob) -> String {
    format!(
        "exporting {} to {}…",
        records_phrase(job),
        job.out.display()
    )
}
/// Message: a records export was written.
pub fn records_exported(job: &crate::tui::export_records::RecordsJob) -> String {
    let findings = match job.with_findings {
        0 => String::new(),
        k => format!(", {k} of them with findings"),
    };
    format!(
        "{SYM_OK} wrote {} to {}{findings}; {}",
        records_phrase(job),
        job.out.display(),
        verdict_in_words(job.verdict)
    )
}
/// Message: an I/O error while reading a line.
pub fn read_error(err: &str) -> String {
    format!("{SYM_BAD} read error: {err}")
}
/// Message: the chain being browsed has nothing to show.
pub const NOTHING_TO_SHOW: &str = "nothing to show in this chain";
/// Badge: the browser follows the end of the chain.
pub const FOLLOW: &str = "▼ FOLLOW";
/// Badge: the ledger is watched and nothing was appended since it was
/// opened; `G` goes to the end and follows it.
pub const LIVE: &str = "● LIVE (G: follow)";
/// The hint in the badges, dropped when the status bar is short of room.
pub const FOLLOW_HINT: &str = " (G: follow)";
/// Badge: the browser stays where the reviewer scrolled; `G` follows again.
pub fn paused(below: u64) -> String {
    format!("‖ PAUSED {below} below{FOLLOW_HINT}")
}
/// Badge: a full re-verification is running.
pub const REVERIFYING: &str = "↻ re-verifying…";
/// Badge: an incomplete line is being written.
pub fn pending_bytes(bytes: u64) -> String {
    format!("… {bytes} B pending")
}
/// The alert banner: the latest alert and how many are unacknowledged.
pub fn alert_banner(latest: &str, unacknowledged: usize) -> String {
    let more = if unacknowledged > 1 {
        format!(" (+{} more)", unacknowledged - 1)
    } else {
        String::new()
    };
    format!("{SYM_BAD} ALERT{more} [A: acknowledge] {latest}")
}
/// Message: the watcher reported a problem.
pub fn live_error(err: &str) -> String {
    format!("{SYM_WARN} live view: {err}")
}
/// Help overlay title.
pub const HELP_TITLE: &str = "Keys (Esc closes)";

pub mod analysis;
pub mod pager;
/// The mode shown in the status bar when writes are allowed (`--write`).
pub const WRITE_MODE: &str = "WRITE";
/// Message: a write key pressed without `--write`; `what` is what it appends
/// ([`WRITES_OFF_DESCRIPTOR`] for `i`, [`WRITES_OFF_PULSE`] for `P`).
pub fn writes_off(what: &str) -> String {
    format!("read-only: writes are off; start with `iss tui --write PATH` to append {what}")
}
/// What `i` (the entry form) appends, for [`writes_off`].
pub const WRITES_OFF_DESCRIPTOR: &str = "a descriptor";
/// What `P` appends, for [`writes_off`].
pub const WRITES_OFF_PULSE: &str = "a time pulse";
/// Entry form: title, with the field being edited.
pub fn form_title(field: usize, fields: usize) -> String {
    format!("Append a SPICE descriptor (* required) · field {field} of {fields}")
}
/// Entry form: the keys, under the fields.
pub const FORM_KEYS: &str =
    "Tab/Shift-Tab field  Enter next (new line in lists)  Ctrl-S preview  Esc close";
/// Entry form: heading of a refusal.
pub const FORM_REFUSAL_TITLE: &str = "Refused: nothing was written, your input is kept";
/// Entry form: heading of the preview.
pub const FORM_PREVIEW_TITLE: &str = "Preview: the exact line that will be appended";
/// Entry form: the keys under the preview.
pub const FORM_CONFIRM_KEYS: &str = "y/Enter: append this line   n/Esc: back to editing";
/// Message: the form was closed with its draft kept.
pub const FORM_DRAFT_KEPT: &str = "form closed; the draft is kept (i reopens it)";
/// Message: a preview or an append was refused.
pub const FORM_REFUSED: &str = "✘ refused: nothing was written (the reason is in the form)";

/// Message: `Esc` while the preview was being built.
pub const FORM_PREVIEW_CANCELLED: &str = "preview cancelled; nothing was written";
/// Message: `Esc` while the record is being appended.
pub const FORM_APPEND_UNDER_WAY: &str =
    "the append is under way and cannot be called back; its outcome shows here";
/// Entry form: while the preview is built.
pub const FORM_BUILDING: &str =
    "verifying the ledger and building the exact record… (Esc cancels; nothing is written)";
/// Entry form: while the record is appended.
pub const FORM_APPENDING: &str =
    "appending: verifying the ledger again, then writing under its lock…";
/// Status bar: a preview is being built.
pub const WRITING_PREVIEW: &str = "building the preview";
/// Status bar: a descriptor is being appended.
pub const WRITING_APPEND: &str = "appending a descriptor";
/// Status bar: a pulse is being appended.
pub const WRITING_PULSE: &str = "appending a pulse";
/// A write job failed inside (tested not to happen).
pub const WRITE_INTERNAL_ERROR: &str = "the write failed (internal error); run `iss verify`";
/// An append to a native ledger without the signing key.
pub const NOT_SIGNED: &str =
    "NOT signed (no signing key: --key or <ledger>.key): hashes only until `iss checkpoint`";

/// Message: a search answered while another pane (or a detail) was shown.
pub fn found_elsewhere(line: u64) -> String {
    format!("found at line {line}: the browser's cursor is there (1 shows it)")
}

/// Message: quitting waits for the write under way.
pub const QUIT_AFTER_WRITE: &str = "quitting once the write under way is done…";

/// Message: a write asked for while another is under way.
pub fn write_under_way(what: &str) -> String {
    format!("{SYM_WARN} one write at a time: still {what}; try again when it is done")
}

/// Message: some fields need fixing before a preview.
pub fn form_fields_to_fix(n: usize) -> String {
    format!(
        "{SYM_WARN} {} to fix before the preview; nothing was written",
        count(n, "field")
    )
}

/// Entry form: a refusal because the ledger does not verify.
pub fn refused_violated(n: usize) -> String {
    format!(
        "{SYM_BAD} the ledger does not verify ({}): appending would bury the evidence",
        count(n, "violation")
    )
}

/// Entry form: the preview's heading.
pub fn preview_heading(file: &str, line: u64, seq: u64, covers: &str) -> String {
    format!("{file} line {line}, record {seq} (its hash covers {covers})")
}

/// What a legacy descriptor's hash covers.
pub const LEGACY_HASH_COVERS: &str = "id, process, time, previous hash";
/// What a native record's hash covers.
pub const NATIVE_HASH_COVERS: &str = "every byte of the record";

/// Message: a record was appended.
pub fn appended(ack: &crate::ledger::legacy::write::append::Acknowledged) -> String {
    format!(
        "{SYM_OK} appended {} as record {} (line {}), descriptor_hash {}",
        ack.descriptor_id, ack.seq, ack.line, ack.descriptor_hash
    )
}

/// Browser title: the filter in effect and how many lines it keeps.
pub fn filter_active(text: &str, kept: usize, total: u64) -> String {
    format!("filter: {text} ({kept} of {total})")
}
/// Message: a filter was set.
pub fn filter_set(text: &str, kept: usize, total: u64) -> String {
    format!("filter {text}: {kept} of {total} records (:filter clear shows all)")
}
/// Message: the rows are in file order again.
pub const SORT_CLEARED: &str = "sort cleared: records in file order (s sorts)";
/// Message: `S` with no sort in effect.
pub const NO_SORT: &str = "no sort to reverse: s sorts by level, score, time, process, status";
/// Message: a sort of a chain other than descriptors.
pub const SORT_DESCRIPTORS_ONLY: &str = "only descriptor chains can be sorted";
/// Status line: a sort under way.
pub fn sorting_by(key: &str, reverse: bool) -> String {
    format!("sorting by {key} {}", direction(reverse))
}
/// Message: the rows are sorted.
pub fn sorted_by(key: &str, reverse: bool) -> String {
    format!(
        "sorted by {key} {} (s: next column, S: reverse)",
        direction(reverse)
    )
}
fn direction(reverse: bool) -> &'static str {
    if reverse {
        "▼ descending"
    } else {
        "▲ ascending"
    }
}
/// Browser title: columns scrolled out on the left.
pub fn columns_left(n: usize) -> String {
    format!("◀ {n} column{} (←)", if n == 1 { "" } else { "s" })
}
/// Message: the filter was cleared.
pub const FILTER_CLEARED: &str = "filter cleared: every record is shown";
/// Message: a filter that does not parse.
pub fn filter_error(err: &str) -> String {
    format!(
        "{SYM_WARN} {err}; e.g. :filter level>=3 process=ENG.1 outcome=compliant assessor=NAME since=2026-11-01 until=2026-11-30"
    )
}
/// Message: filters apply to descriptors only.
pub const FILTER_DESCRIPTORS_ONLY: &str =
    "filters apply to the descriptor chain (spice_chain); c switches to it";

/// Message: a mark set or removed.
pub fn mark_toggled(line: u64, marked: bool, n: usize) -> String {
    let what = if marked { "marked" } else { "unmarked" };
    format!(
        "line {line} {what} ({}; u/U jump, M lists)",
        count(n, "mark")
    )
}
/// Message: no marks yet.
pub const NO_MARKS: &str = "no marks in this chain: m marks the record under the cursor";
/// Message: `u`/`U` wrapped around.
pub const MARKS_WRAPPED: &str = "marks wrapped around";
/// Message: a marked line the filter hides.
pub fn mark_hidden(line: u64) -> String {
    format!("{SYM_WARN} marked line {line} is hidden by the filter (:filter clear)")
}
/// Message: the list of marks.
pub fn marks_list(file: &str, lines: &[u64], max: usize) -> String {
    let shown: Vec<String> = lines.iter().take(max).map(u64::to_string).collect();
    let more = if lines.len() > max {
        format!(" … and {} more", lines.len() - max)
    } else {
        String::new()
    };
    format!(
        "{} in {file}: lines {}{more}",
        count(lines.len(), "mark"),
        shown.join(", ")
    )
}
/// Message: the marks were cleared.
pub fn marks_cleared(n: usize) -> String {
    format!("{} cleared", count(n, "mark"))
}

/// Message: something was put on the clipboard.
pub fn copied(what: &str, value: &str) -> String {
    format!("copied {what} {value} to the clipboard (OSC 52: the terminal must allow it)")
}
/// Message: the record has no such field to copy.
pub fn nothing_to_copy(what: &str) -> String {
    format!("{SYM_WARN} this record has no {what} to copy")
}
