//! `:filter` in the chain browser: keep only the descriptors whose process,
//! level, outcome, assessor or assessment time match, e.g.
//! `:filter level>=3 process=ENG.1`; `:filter clear` shows all again.
//! Besides `field=value`: `/regex/` over the line as stored, `!` before a
//! condition to keep the records it does not match, and the verification
//! status (`violated`, `implicated`, `status=warning|ok`), see [`words`].
//!
//! The matching is `iss find`'s own ([`crate::analysis::lookup::Filter`],
//! times compared as instants, levels as a range; [`bounds`] parses both
//! for `iss find` too). Setting a filter reads
//! every line of the chain once, on a worker thread (the screen stays
//! live), and keeps the numbers of the lines that match (8 bytes each); the
//! browser then scrolls through those lines only. Lines appended later are
//! matched as they arrive, without reading the file again. A line that is
//! not a well-formed descriptor never matches (native bodies are read as
//! descriptors).

use crate::analysis::bounds;
use crate::analysis::lookup::Filter;
use crate::ledger::io::line_index::IndexedFile;
use crate::ledger::model::descriptor::DescriptorRecord;
use crate::tui::app::Level;
use crate::tui::browser::{Browser, Env};
use crate::tui::chain::{ChainKind, ChainView};
use crate::tui::component::Out;
use crate::tui::marks::Marks;
use crate::tui::narrow;
use crate::tui::strings;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

pub mod words;

/// Bytes of a line read for matching; longer lines never match.
const MATCH_MAX_BYTES: usize = narrow::LINE_MAX_BYTES;

/// What a record must satisfy: every condition given.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    /// Process, assessor, outcome and time bounds, as `iss find` has them.
    pub find: Filter,
    /// Whether a condition above was given: the line must then be a
    /// well-formed descriptor.
    pub record: bool,
    /// Regular expressions the stored line must match.
    pub regex: Vec<regex::Regex>,
    /// Verification statuses the row must have.
    pub status: Vec<words::Status>,
    /// Conditions the record must not satisfy (`!process=X`).
    pub not: Vec<Spec>,
}

impl Spec {
    /// Whether `r` is kept.
    pub fn matches(&self, r: &DescriptorRecord<'_>) -> bool {
        self.find.matches(r)
    }

    /// Whether 0-based `line` of a chain, whose stored text is `text`, is
    /// kept (`marks`: the chain's verification results, for the status).
    pub fn keeps_line(&self, line: u64, text: &str, native: bool, marks: Option<&Marks>) -> bool {
        self.regex.iter().all(|r| r.is_match(text))
            && self.status.iter().all(|s| s.holds(marks, line))
            && (!self.record || keeps(text, native, self))
            && self
                .not
                .iter()
                .all(|n| !n.keeps_line(line, text, native, marks))
    }

    /// Whether a condition needs the verification's results.
    pub fn needs_marks(&self) -> bool {
        !self.status.is_empty() || self.not.iter().any(Spec::needs_marks)
    }
}

/// A filter in effect on one chain view.
#[derive(Debug, Clone)]
pub struct Filtered {
    /// The filter as typed (normalised spacing), shown in the browser's title.
    pub text: String,
    /// The conditions.
    pub spec: Spec,
    /// The 0-based lines kept, ascending.
    pub lines: Vec<u64>,
    /// Lines of the file looked at so far: appended lines are matched from
    /// here, not the whole file again.
    pub scanned: u64,
}

/// A `:filter` scan to run off the UI thread: it reads the chain file by
/// its path with its own reader.
#[derive(Debug, Clone)]
pub struct ScanJob {
    /// The request it answers.
    pub request: u64,
    /// The chain's verification results, for status conditions.
    pub marks: Option<Marks>,
    /// Bytes read so far, for the progress shown.
    pub done: Arc<AtomicU64>,
    /// The chain it is for.
    pub kind: ChainKind,
    /// The file.
    pub path: std::path::PathBuf,
    /// The filter as typed.
    pub text: String,
    /// The conditions.
    pub spec: Spec,
}

/// A finished scan (or why it failed).
#[derive(Debug)]
pub struct Scanned {
    /// What was asked.
    pub job: ScanJob,
    /// The 0-based lines kept and the lines looked at.
    pub result: Result<(Vec<u64>, u64), String>,
}

impl ScanJob {
    /// Read the file and match every line.
    pub fn run(self) -> Scanned {
        let native = self.kind == ChainKind::NativeDescriptors;
        let mut kept = Vec::new();
        let result = narrow::for_each_line(&self.path, &self.done, |line, text| {
            if text.is_some_and(|s| self.spec.keeps_line(line, s, native, self.marks.as_ref())) {
                kept.push(line);
            }
        })
        .map(|lines| (kept, lines))
        .map_err(|e| format!("{}: {e}", self.path.display()));
        Scanned { job: self, result }
    }

    /// The message for a scan that could not run.
    pub fn failed(self, e: String) -> Scanned {
        Scanned {
            job: self,
            result: Err(e),
        }
    }
}

/// Parse the words after `:filter`.
pub fn parse(text: &str) -> Result<Spec, String> {
    let mut spec = Spec::default();
    let words = words::tokenize(text)?;
    if words.is_empty() {
        return Err("an empty filter".into());
    }
    for word in &words {
        if words::special(&mut spec, word)? {
            continue;
        }
        let word = word.as_str();
        let (key, op, value) = split(word)?;
        spec.record = true;
        let eq_only = |v: &mut Option<String>| {
            if op == "=" {
                *v = Some(value.to_owned());
                Ok(())
            } else {
                Err(format!("{key} takes = only (in {word:?})"))
            }
        };
        match key {
            "process" => eq_only(&mut spec.find.process)?,
            "assessor" => eq_only(&mut spec.find.assessor)?,
            "outcome" => {
                if !crate::ledger::model::descriptor::OUTCOMES.contains(&value) {
                    return Err(format!(
                        "outcome {value:?} is not one of {}",
                        crate::ledger::model::descriptor::OUTCOMES.join(", ")
                    ));
                }
                eq_only(&mut spec.find.outcome)?;
            }
            "level" => spec.find.level = spec.find.level.and(bounds::level_bound(op, value)?),
            "since" | "until" | "time" => {
                let start = match (key, op) {
                    ("since", "=") | ("time", ">=" | ">") => true,
                    ("until", "=") | ("time", "<=" | "<") => false,
                    _ => {
                        return Err(format!(
                            "use since=T, until=T, time>=T or time<=T (in {word:?})"
                        ));
                    }
                };
                let t = bounds::time_bound(value, start)
                    .ok_or_else(|| format!("{value:?} is not {}", bounds::TIME_FORMS))?;
                if start {
                    spec.find.since = Some(t);
                } else {
                    spec.find.until = Some(t);
                }
            }
            other => {
                return Err(format!(
                    "unknown filter field {other:?} (process, level, outcome, assessor, since, until)"
                ));
            }
        }
    }
    Ok(spec)
}

/// `key`, operator and value of one word (`level>=3`).
fn split(word: &str) -> Result<(&str, &'static str, &str), String> {
    let at = word
        .find(['=', '<', '>'])
        .ok_or_else(|| format!("{word:?} is not field=value"))?;
    let (key, rest) = word.split_at(at);
    let op = [">=", "<=", "=", ">", "<"]
        .into_iter()
        .find(|op| rest.starts_with(op))
        .unwrap_or("=");
    let value = &rest[op.len()..];
    if key.is_empty() || value.is_empty() {
        return Err(format!("{word:?} is not field=value"));
    }
    Ok((key, op, value))
}

/// Whether the descriptor on line `s` (legacy, or a native record's body)
/// is one `spec`'s record conditions keep.
fn keeps(s: &str, native: bool, spec: &Spec) -> bool {
    with_descriptor(s, native, |r| spec.matches(r)).unwrap_or(false)
}

/// `f` of the descriptor on line `s` (legacy, or a native record's body),
/// when it is a well-formed one.
pub fn with_descriptor<T>(
    s: &str,
    native: bool,
    f: impl FnOnce(&DescriptorRecord<'_>) -> T,
) -> Option<T> {
    if native {
        crate::ledger::native::format::record::parse_fields(s)
            .ok()
            .and_then(|(r, _)| {
                crate::ledger::native::format::descriptor_view::read_descriptor_body(r.body).ok()
            })
            .map(|d| f(&d.record))
    } else {
        serde_json::from_str::<DescriptorRecord>(s)
            .ok()
            .map(|r| f(&r))
    }
}

/// Bring the filter of `view` up to its (re-indexed) file: appended lines
/// are matched on their own; a file that shrank is matched again whole.
pub fn reapply(view: &mut ChainView) {
    let Some(mut f) = view.filter.take() else {
        catch_up_sort(view);
        return;
    };
    let Some(file) = view.file() else {
        view.filter = Some(f);
        return;
    };
    let native = view.kind == ChainKind::NativeDescriptors;
    let total = file.lines();
    let marks = view.marks.as_ref();
    if total < f.scanned {
        f.lines = scan_range(file, &f.spec, native, marks, 0, total).unwrap_or_default();
        // The rows sorted may be gone: file order until sorted again.
        view.sorted = None;
    } else {
        f.lines
            .extend(scan_range(file, &f.spec, native, marks, f.scanned, total).unwrap_or_default());
    }
    f.scanned = total;
    view.filter = Some(f);
    catch_up_sort(view);
}

/// Put the lines shown but not in the view's sorted order (appended since
/// the sort) after the sorted ones.
pub fn catch_up_sort(view: &mut ChainView) {
    let Some(mut sorted) = view.sorted.take() else {
        return;
    };
    let from = sorted.span();
    match &view.filter {
        Some(f) => {
            let at = f.lines.partition_point(|l| *l < from);
            sorted.extend(f.lines[at..].iter().copied());
        }
        None => sorted.extend(from..view.lines()),
    }
    view.sorted = Some(sorted);
}

/// The lines `from..to` of `file` that `spec` keeps.
fn scan_range(
    file: &IndexedFile,
    spec: &Spec,
    native: bool,
    marks: Option<&Marks>,
    from: u64,
    to: u64,
) -> std::io::Result<Vec<u64>> {
    let mut kept = Vec::new();
    for line in from..to {
        let Some(text) = file.read_line(line, MATCH_MAX_BYTES)? else {
            break;
        };
        if !text.truncated
            && let Ok(s) = std::str::from_utf8(&text.bytes)
            && spec.keeps_line(line, s, native, marks)
        {
            kept.push(line);
        }
    }
    Ok(kept)
}

/// A scan finished: set the filter it computed (unless the chain is gone).
pub fn on_scanned(b: &mut Browser, env: &Env, out: &mut Out, s: Scanned) {
    if !narrow::finish(b, s.job.request) {
        return;
    }
    let rows = env.table_rows();
    let (lines, scanned) = match s.result {
        Ok(r) => r,
        Err(e) => {
            out.queue.say(Level::Error, strings::read_error(&e));
            return;
        }
    };
    let Some(i) = b.chain_index(s.job.kind) else {
        return;
    };
    let view = &mut b.chains_mut()[i];
    view.filter = Some(Filtered {
        text: s.job.text.clone(),
        spec: s.job.spec,
        lines,
        scanned,
    });
    // A sort was of the rows shown before: sort the kept ones again.
    let resort = view.sorted.take().map(|o| (o.key, o.reverse));
    // Lines appended while the scan ran are matched now.
    reapply(view);
    let (kept, total) = (
        view.filter.as_ref().map_or(0, |f| f.lines.len()),
        view.lines(),
    );
    view.top = 0;
    view.move_to(view.cursor, rows);
    out.queue
        .say(Level::Info, strings::filter_set(&s.job.text, kept, total));
    resort_as(b, out, resort);
}

/// Sort the browsed chain again as it was (`None`: it was not sorted).
fn resort_as(b: &mut Browser, out: &mut Out, sorted: Option<(crate::tui::sort::SortKey, bool)>) {
    if let Some((key, reverse)) = sorted {
        crate::tui::sort::start(b, out, key, reverse);
    }
}

/// `:filter ARGS`.
pub fn command(b: &mut Browser, env: &Env, out: &mut Out, args: &str) {
    let rows = env.table_rows();
    if args.is_empty() {
        let msg = b.current().filter.as_ref().map_or_else(
            || strings::filter_error("no filter set"),
            |f| strings::filter_set(&f.text, f.lines.len(), b.current().lines()),
        );
        out.queue.say(Level::Info, msg);
        return;
    }
    if args == "clear" {
        narrow::cancel(b);
        let view = b.current_mut();
        view.filter = None;
        let resort = view.sorted.take().map(|o| (o.key, o.reverse));
        view.move_to(view.cursor, rows);
        out.queue.say(Level::Info, strings::FILTER_CLEARED);
        resort_as(b, out, resort);
        return;
    }
    if !matches!(
        b.current().kind,
        ChainKind::Descriptors | ChainKind::NativeDescriptors
    ) {
        out.queue.say(Level::Warn, strings::FILTER_DESCRIPTORS_ONLY);
        return;
    }
    let spec = match parse(args) {
        Ok(s) => s,
        Err(e) => {
            out.queue.say(Level::Warn, strings::filter_error(&e));
            return;
        }
    };
    let Some((path, total)) = b
        .current()
        .file()
        .map(|f| (f.path().to_path_buf(), f.index().byte_len()))
    else {
        out.queue.say(Level::Warn, strings::NOTHING_TO_SHOW);
        return;
    };
    let marks = b.current().marks.clone();
    if spec.needs_marks() && marks.is_none() {
        out.queue
            .say(Level::Warn, strings::filter_error(strings::VERIFYING));
        return;
    }
    let text = words::tokenize(args).unwrap_or_default().join(" ");
    let kind = b.current().kind;
    let (request, done) =
        narrow::begin(b, &mut out.work, kind, format!("filtering: {text}"), total);
    // The whole chain is read on a worker thread; the screen stays live.
    out.work
        .jobs
        .push(crate::tui::panes::jobs::Job::Filter(Box::new(ScanJob {
            request,
            marks,
            done,
            kind,
            path,
            text,
            spec,
        })));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Instant;

    #[test]
    fn words_parse_into_conditions_and_bad_ones_say_why() {
        let s = parse("level>=3 process=ENG.1 outcome=compliant assessor=me").unwrap();
        assert_eq!((s.find.level.min, s.find.level.max), (Some(3), None));
        assert_eq!(s.find.process.as_deref(), Some("ENG.1"));
        assert_eq!(s.find.outcome.as_deref(), Some("compliant"));
        assert_eq!(s.find.assessor.as_deref(), Some("me"));
        let s = parse("level<2 level>0").unwrap();
        assert_eq!((s.find.level.min, s.find.level.max), (Some(1), Some(1)));
        let s = parse("since=2026-11-01 until=2026-11-01").unwrap();
        let (a, b) = (s.find.since.unwrap(), s.find.until.unwrap());
        assert!(
            b > a && b.secs - a.secs == 86_399,
            "a whole day: {a:?}..{b:?}"
        );
        assert!(
            parse("time>=2026-11-01T09:00:00")
                .unwrap()
                .find
                .since
                .is_some()
        );
        assert!(
            parse("colour=red")
                .unwrap_err()
                .contains("unknown filter field")
        );
        assert!(parse("level>=high").unwrap_err().contains("whole number"));
        assert!(parse("outcome=great").unwrap_err().contains("not_assessed"));
        assert!(parse("process>=A").unwrap_err().contains("= only"));
        assert!(parse("since=yesterday").unwrap_err().contains("not a date"));
        assert!(parse("level").unwrap_err().contains("field=value"));
        assert!(parse("").is_err());
    }

    #[test]
    fn a_minute_stands_for_its_whole_minute_as_a_date_for_its_day() {
        // The histogram's ranges are written this way (`H`, Enter).
        let s = parse("since=2026-11-01T09:00 until=2026-11-01T09:59").unwrap();
        let (a, b) = (s.find.since.unwrap(), s.find.until.unwrap());
        assert_eq!(a, Instant::parse("2026-11-01T09:00:00Z").unwrap());
        assert_eq!(b, Instant::parse("2026-11-01T09:59:59.999999999Z").unwrap());
        assert!(parse("since=2026-11-01T09:60").is_err());
    }
}
