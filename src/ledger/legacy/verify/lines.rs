//! Checks every JSONL line goes through before its record is parsed.

use crate::ledger::io::reader::{Content, Ending, RawLine};
use crate::ledger::model::finding::{Finding, FindingKind};

/// A line that passed the line-level checks and can be parsed.
#[derive(Debug, Clone, Copy)]
pub struct LineText<'a> {
    /// The line's text, without BOM or terminator.
    pub text: &'a str,
    /// The line has no final newline; a parse failure is then part of the
    /// torn tail already reported, not a separate finding.
    pub torn: bool,
}

/// Check one line on its own (encoding, ending, length, blankness) and
/// return its text when there is a record to parse.
///
/// Needs no other line, so it can run on any thread; repeated formatting
/// findings are folded afterwards by [`LineHygiene`].
pub fn check_line<'a>(line: &RawLine<'a>, out: &mut Vec<Finding>) -> Option<LineText<'a>> {
    let (n, off) = (line.number, line.offset);
    if line.bom {
        out.push(
            Finding::new(
                FindingKind::ByteOrderMark,
                "the file starts with a UTF-8 byte order mark, which the legacy writer never writes: \
                 it was re-saved by another program",
            )
            .at(n, off),
        );
    }
    let torn = line.ending == Ending::Torn;
    if line.ending == Ending::CrLf {
        out.push(
            Finding::new(
                FindingKind::CrlfLineEnding,
                "line ends in CR LF; the legacy writer writes LF: the file was re-saved by another program",
            )
            .at(n, off),
        );
    }
    let bytes = match line.content {
        Content::TooLong { len } => {
            out.push(
                Finding::new(
                    FindingKind::LineTooLong,
                    "line is longer than the reader's limit and was not parsed",
                )
                .at(n, off)
                .expected_found(
                    "a line within the limit (--max-line-bytes)",
                    format!("{len} bytes"),
                ),
            );
            if torn {
                out.push(torn_tail(line, len));
            }
            return None;
        }
        Content::Bytes(b) => b,
    };
    if torn {
        out.push(torn_tail(line, bytes.len() as u64));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        if !torn {
            out.push(
                Finding::new(
                    FindingKind::BlankLine,
                    "blank line; the legacy writer never writes one: the file was edited",
                )
                .at(n, off),
            );
        }
        return None;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Some(LineText { text, torn }),
        Err(e) => {
            if !torn {
                out.push(
                    Finding::new(FindingKind::ParseError, "line is not valid UTF-8")
                        .at(n, off)
                        .expected_found(
                            "UTF-8 text",
                            format!(
                                "invalid byte 0x{:02x} at byte {} of the line",
                                bytes[e.valid_up_to()],
                                e.valid_up_to() + 1
                            ),
                        ),
                );
            }
            None
        }
    }
}

/// Folds harmless-but-foreign formatting that can repeat on every line of a
/// file (CR LF endings, blank lines): it is reported once, at its first
/// line, with the total in the detail, so it cannot drown the findings that
/// matter.
#[derive(Debug, Default)]
pub struct LineHygiene {
    crlf: Repeated,
    blank: Repeated,
}

#[derive(Debug, Default)]
struct Repeated {
    /// Index of the first finding in the output, and how many lines had it.
    first: Option<usize>,
    count: u64,
}

impl Repeated {
    /// Count one occurrence; keep it only if it is the first.
    fn keep(&mut self, index: usize) -> bool {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(index);
            true
        } else {
            false
        }
    }

    fn finish(&self, out: &mut [Finding], what: &str) {
        if let (Some(i), true) = (self.first, self.count > 1)
            && let Some(f) = out.get_mut(i)
        {
            f.detail = format!("{} ({} lines in this file {what})", f.detail, self.count);
        }
    }
}

impl LineHygiene {
    /// [`check_line`], then fold its repeated findings.
    pub fn check<'a>(
        &mut self,
        line: &RawLine<'a>,
        out: &mut Vec<Finding>,
    ) -> Option<LineText<'a>> {
        let from = out.len();
        let text = check_line(line, out);
        self.fold(out, from);
        text
    }

    /// Fold the repeated-formatting findings among `out[from..]`.
    pub fn fold(&mut self, out: &mut Vec<Finding>, from: usize) {
        let mut i = from;
        while i < out.len() {
            let keep = match out[i].kind {
                FindingKind::CrlfLineEnding => self.crlf.keep(i),
                FindingKind::BlankLine => self.blank.keep(i),
                _ => true,
            };
            if keep {
                i += 1;
            } else {
                out.remove(i);
            }
        }
    }

    /// Write the totals into the first occurrences.
    pub fn finish(&self, out: &mut [Finding]) {
        self.crlf.finish(out, "end in CR LF");
        self.blank.finish(out, "are blank");
    }
}

fn torn_tail(line: &RawLine<'_>, len: u64) -> Finding {
    Finding::new(
        FindingKind::TornTail,
        "the last line has no final newline: an interrupted write, or a file cut short",
    )
    .at(line.number, line.offset)
    .expected_found(
        "a line ending in \\n",
        format!("{len} bytes and end of file"),
    )
}

/// A field of the record on `line` that does not match the `schema`
/// ("descriptor", "pulse", ...).
pub fn schema_error(
    line: &RawLine<'_>,
    schema: &str,
    record: Option<&str>,
    field: &str,
    expected: impl Into<String>,
    found: impl Into<String>,
) -> Finding {
    Finding::new(
        FindingKind::SchemaError,
        format!("field `{field}` does not match the {schema} schema"),
    )
    .at(line.number, line.offset)
    .record_opt(record.filter(|r| !r.is_empty()))
    .expected_found(expected, found)
}

/// Report a line that is not a JSON object, or whose record does not parse.
///
/// Torn lines are already reported as such and get no second finding.
pub fn parse_error(
    line: &RawLine<'_>,
    torn: bool,
    err: &serde_json::Error,
    out: &mut Vec<Finding>,
) {
    if torn {
        return;
    }
    let text = match line.content {
        Content::Bytes(b) => String::from_utf8_lossy(b),
        Content::TooLong { .. } => "".into(),
    };
    out.push(
        Finding::new(FindingKind::ParseError, "line is not valid JSON")
            .at(line.number, line.offset)
            .expected_found(
                "one JSON object",
                crate::ledger::json::describe_syntax_error(&text, err),
            ),
    );
}
