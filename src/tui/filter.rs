//! `:filter` in the chain browser: keep only the descriptors whose process,
//! level, outcome, assessor or assessment time match, e.g.
//! `:filter level>=3 process=ENG.1`; `:filter clear` shows all again.
//!
//! The matching is `iss find`'s own ([`crate::analysis::lookup::Filter`],
//! times compared as instants), plus level bounds. Setting a filter reads
//! every line of the chain once, on a worker thread (the screen stays
//! live), and keeps the numbers of the lines that match (8 bytes each); the
//! browser then scrolls through those lines only. Lines appended later are
//! matched as they arrive, without reading the file again. A line that is
//! not a well-formed descriptor never matches (native bodies are read as
//! descriptors).

use crate::analysis::lookup::Filter;
use crate::ledger::io::line_index::IndexedFile;
use crate::ledger::model::descriptor::DescriptorRecord;
use crate::time::Instant;
use crate::tui::app::{App, Level};
use crate::tui::chain::{ChainKind, ChainView};
use crate::tui::strings;

/// Bytes of a line read for matching; longer lines never match.
const MATCH_MAX_BYTES: usize = 1 << 20;

/// What a record must satisfy: every condition given.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    /// Process, assessor, outcome and time bounds, as `iss find` has them.
    pub find: Filter,
    /// Lowest `capability_level` kept.
    pub level_min: Option<i64>,
    /// Highest `capability_level` kept.
    pub level_max: Option<i64>,
}

impl Spec {
    /// Whether `r` is kept.
    pub fn matches(&self, r: &DescriptorRecord<'_>) -> bool {
        self.find.matches(r)
            && self.level_min.is_none_or(|m| r.capability_level >= m)
            && self.level_max.is_none_or(|m| r.capability_level <= m)
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
        let result = scan_path(&self.path, &self.spec, native)
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

/// Every line of the file at `path` that `spec` keeps, and the number of
/// complete lines read.
fn scan_path(
    path: &std::path::Path,
    spec: &Spec,
    native: bool,
) -> std::io::Result<(Vec<u64>, u64)> {
    use crate::ledger::io::reader::{Content, Ending, LineReader};
    let mut reader =
        LineReader::with_limit(crate::ledger::input::open_regular(path)?, MATCH_MAX_BYTES);
    let mut kept = Vec::new();
    let mut lines = 0;
    while let Some(line) = reader.next_line()? {
        if line.ending == Ending::Torn {
            break; // not a line yet: the live view catches it up later
        }
        lines = line.number;
        if let Content::Bytes(b) = line.content
            && let Ok(s) = std::str::from_utf8(b)
            && keeps(s, native, spec)
        {
            kept.push(line.number - 1);
        }
    }
    Ok((kept, lines))
}

/// Parse the words after `:filter`.
pub fn parse(text: &str) -> Result<Spec, String> {
    let mut spec = Spec::default();
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return Err("an empty filter".into());
    }
    for word in words {
        let (key, op, value) = split(word)?;
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
            "level" => {
                let n: i64 = value
                    .parse()
                    .map_err(|_| format!("level {value:?} is not a whole number"))?;
                match op {
                    "=" => (spec.level_min, spec.level_max) = (Some(n), Some(n)),
                    ">=" => spec.level_min = Some(n),
                    ">" => spec.level_min = Some(n + 1),
                    "<=" => spec.level_max = Some(n),
                    _ => spec.level_max = Some(n - 1),
                }
            }
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
                let t = instant(value, start).ok_or_else(|| {
                    format!("{value:?} is not a date (2026-11-01) or an ISO 8601 time")
                })?;
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

/// A time bound: a full ISO 8601 time, one without offset (UTC), or a
/// date (its first instant as a start, its last as an end).
fn instant(value: &str, start: bool) -> Option<Instant> {
    if let Some(t) = Instant::parse(value) {
        return Some(t);
    }
    if value.len() == 10 {
        let time = if start {
            "T00:00:00Z"
        } else {
            "T23:59:59.999999999Z"
        };
        return Instant::parse(&format!("{value}{time}"));
    }
    Instant::parse(&format!("{value}Z"))
}

/// Whether the descriptor on line `s` (legacy, or a native record's body)
/// is one `spec` keeps.
fn keeps(s: &str, native: bool, spec: &Spec) -> bool {
    if native {
        crate::ledger::native::format::record::parse_fields(s)
            .ok()
            .and_then(|(r, _)| {
                crate::ledger::native::format::descriptor_view::read_descriptor_body(r.body).ok()
            })
            .is_some_and(|d| spec.matches(&d.record))
    } else {
        serde_json::from_str::<DescriptorRecord>(s).is_ok_and(|r| spec.matches(&r))
    }
}

/// Bring the filter of `view` up to its (re-indexed) file: appended lines
/// are matched on their own; a file that shrank is matched again whole.
pub fn reapply(view: &mut ChainView) {
    let Some(mut f) = view.filter.take() else {
        return;
    };
    let Some(file) = view.file() else {
        view.filter = Some(f);
        return;
    };
    let native = view.kind == ChainKind::NativeDescriptors;
    let total = file.lines();
    if total < f.scanned {
        f.lines = scan_range(file, &f.spec, native, 0, total).unwrap_or_default();
    } else {
        f.lines
            .extend(scan_range(file, &f.spec, native, f.scanned, total).unwrap_or_default());
    }
    f.scanned = total;
    view.filter = Some(f);
}

/// The lines `from..to` of `file` that `spec` keeps.
fn scan_range(
    file: &IndexedFile,
    spec: &Spec,
    native: bool,
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
            && keeps(s, native, spec)
        {
            kept.push(line);
        }
    }
    Ok(kept)
}

/// A scan finished: set the filter it computed (unless the chain is gone).
pub fn on_scanned(app: &mut App, s: Scanned) {
    let rows = app.table_rows();
    let (lines, scanned) = match s.result {
        Ok(r) => r,
        Err(e) => {
            app.say(Level::Error, strings::read_error(&e));
            return;
        }
    };
    let Some(i) = app.chain_index(s.job.kind) else {
        return;
    };
    let view = &mut app.browser.chains_mut()[i];
    view.filter = Some(Filtered {
        text: s.job.text.clone(),
        spec: s.job.spec,
        lines,
        scanned,
    });
    // Lines appended while the scan ran are matched now.
    reapply(view);
    let (kept, total) = (
        view.filter.as_ref().map_or(0, |f| f.lines.len()),
        view.lines(),
    );
    view.top = 0;
    view.move_to(view.cursor, rows);
    app.say(Level::Info, strings::filter_set(&s.job.text, kept, total));
}

/// `:filter ARGS`.
pub fn command(app: &mut App, args: &str) {
    let rows = app.table_rows();
    if args.is_empty() {
        let msg = app.current().filter.as_ref().map_or_else(
            || strings::filter_error("no filter set"),
            |f| strings::filter_set(&f.text, f.lines.len(), app.current().lines()),
        );
        app.say(Level::Info, msg);
        return;
    }
    if args == "clear" {
        let view = app.current_mut();
        view.filter = None;
        view.move_to(view.cursor, rows);
        app.say(Level::Info, strings::FILTER_CLEARED);
        return;
    }
    if !matches!(
        app.current().kind,
        ChainKind::Descriptors | ChainKind::NativeDescriptors
    ) {
        app.say(Level::Warn, strings::FILTER_DESCRIPTORS_ONLY);
        return;
    }
    let spec = match parse(args) {
        Ok(s) => s,
        Err(e) => {
            app.say(Level::Warn, strings::filter_error(&e));
            return;
        }
    };
    let Some(path) = app.current().file().map(|f| f.path().to_path_buf()) else {
        app.say(Level::Warn, strings::NOTHING_TO_SHOW);
        return;
    };
    let text = args.split_whitespace().collect::<Vec<_>>().join(" ");
    // The whole chain is read on a worker thread; the screen stays live.
    app.panes
        .jobs
        .push(crate::tui::panes::jobs::Job::Filter(Box::new(ScanJob {
            kind: app.current().kind,
            path,
            text: text.clone(),
            spec,
        })));
    app.say(Level::Info, format!("filtering: {text}…"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_parse_into_conditions_and_bad_ones_say_why() {
        let s = parse("level>=3 process=ENG.1 outcome=compliant assessor=me").unwrap();
        assert_eq!((s.level_min, s.level_max), (Some(3), None));
        assert_eq!(s.find.process.as_deref(), Some("ENG.1"));
        assert_eq!(s.find.outcome.as_deref(), Some("compliant"));
        assert_eq!(s.find.assessor.as_deref(), Some("me"));
        let s = parse("level<2 level>0").unwrap();
        assert_eq!((s.level_min, s.level_max), (Some(1), Some(1)));
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
}
