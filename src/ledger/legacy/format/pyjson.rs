//! Byte-exact emulation of `CPython`'s `json.dumps` for the subset of JSON the
//! legacy ISS service writes.
//!
//! The legacy ledgers hash the *text* of some values (notably float tokens),
//! so appending to them or rebuilding lines for comparison needs exactly the
//! bytes Python would have produced: `ensure_ascii=True` string escaping,
//! `float.__repr__` number layout, `NaN`/`Infinity` literals and the two
//! separator styles. [`PyJsonWriter`] is a small streaming builder that writes
//! values in the caller's key order; [`write_py_str`] and [`write_py_float`]
//! expose the two formatting primitives on their own.

use std::fmt::Write as _;

/// Separator style, mirroring the `separators` argument of `json.dumps`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// `separators=(",", ":")`: used by the SPICE chain, manifest and
    /// constitutional log.
    Compact,
    /// Python's default `(", ", ": ")`: used by the glyph chain and the
    /// forensic audit log.
    Default,
}

impl Style {
    fn item_separator(self) -> &'static str {
        match self {
            Style::Compact => ",",
            Style::Default => ", ",
        }
    }

    fn key_separator(self) -> &'static str {
        match self {
            Style::Compact => ":",
            Style::Default => ": ",
        }
    }
}

/// Streaming JSON builder producing the bytes of Python's `json.dumps`
/// (with `ensure_ascii=True`, `allow_nan=True`, no indentation).
///
/// Values are written in call order; object keys keep the order in which
/// [`key`](Self::key) is called. The builder does not validate structure:
/// a caller that, say, writes a value in an object without a key gets
/// whatever text that sequence of calls implies, never a panic.
///
/// ```
/// # use iss_workstation::ledger::legacy::format::pyjson::{PyJsonWriter, Style};
/// let mut w = PyJsonWriter::new(Style::Default);
/// w.begin_object();
/// w.key("a").float(1e-5);
/// w.key("b").str_array(&["x", "é"]);
/// w.end_object();
/// assert_eq!(w.finish(), r#"{"a": 1e-05, "b": ["x", "\u00e9"]}"#);
/// ```
#[derive(Debug, Clone)]
pub struct PyJsonWriter {
    out: String,
    style: Style,
    /// One entry per open container: whether it already holds an element,
    /// i.e. whether the next element needs an item separator first.
    open: Vec<bool>,
    /// Set between a key and its value, so the value gets no separator.
    after_key: bool,
}

impl PyJsonWriter {
    /// Creates an empty builder with the given separator style.
    pub fn new(style: Style) -> Self {
        Self::with_capacity(style, 0)
    }

    /// Creates an empty builder whose buffer can hold `capacity` bytes
    /// without reallocating.
    pub fn with_capacity(style: Style, capacity: usize) -> Self {
        Self {
            out: String::with_capacity(capacity),
            style,
            open: Vec::new(),
            after_key: false,
        }
    }

    /// Writes the item separator if the current container already has an
    /// element, and records that it now has one more.
    fn before_value(&mut self) {
        if self.after_key {
            self.after_key = false;
            return;
        }
        if let Some(has_items) = self.open.last_mut() {
            if *has_items {
                self.out.push_str(self.style.item_separator());
            }
            *has_items = true;
        }
    }

    /// Opens an object (`{`).
    pub fn begin_object(&mut self) -> &mut Self {
        self.before_value();
        self.out.push('{');
        self.open.push(false);
        self
    }

    /// Closes the innermost object (`}`).
    pub fn end_object(&mut self) -> &mut Self {
        self.open.pop();
        self.out.push('}');
        self
    }

    /// Opens an array (`[`).
    pub fn begin_array(&mut self) -> &mut Self {
        self.before_value();
        self.out.push('[');
        self.open.push(false);
        self
    }

    /// Closes the innermost array (`]`).
    pub fn end_array(&mut self) -> &mut Self {
        self.open.pop();
        self.out.push(']');
        self
    }

    /// Writes an object key followed by the key separator; the next value
    /// call supplies its value.
    pub fn key(&mut self, key: &str) -> &mut Self {
        self.before_value();
        write_py_str(&mut self.out, key);
        self.out.push_str(self.style.key_separator());
        self.after_key = true;
        self
    }

    /// Writes a string value, escaped as with `ensure_ascii=True`.
    pub fn str(&mut self, value: &str) -> &mut Self {
        self.before_value();
        write_py_str(&mut self.out, value);
        self
    }

    /// Writes a string value, or `null` for `None`.
    pub fn opt_str(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(s) => self.str(s),
            None => self.null(),
        }
    }

    /// Writes an integer value.
    pub fn int(&mut self, value: i64) -> &mut Self {
        self.before_value();
        // Writing to a String cannot fail.
        let _ = write!(self.out, "{value}");
        self
    }

    /// Writes a float value as Python's `float.__repr__` does.
    pub fn float(&mut self, value: f64) -> &mut Self {
        self.before_value();
        write_py_float(&mut self.out, value);
        self
    }

    /// Writes `token` verbatim as a value, e.g. a float already formatted
    /// with [`write_py_float`] whose text is also needed elsewhere (hashes).
    /// The caller is responsible for it being valid JSON.
    pub fn raw_value(&mut self, token: &str) -> &mut Self {
        self.before_value();
        self.out.push_str(token);
        self
    }

    /// Writes `true` or `false`.
    pub fn bool(&mut self, value: bool) -> &mut Self {
        self.before_value();
        self.out.push_str(if value { "true" } else { "false" });
        self
    }

    /// Writes `null`.
    pub fn null(&mut self) -> &mut Self {
        self.before_value();
        self.out.push_str("null");
        self
    }

    /// Writes an array of strings.
    pub fn str_array<S: AsRef<str>>(&mut self, items: &[S]) -> &mut Self {
        self.begin_array();
        for item in items {
            self.str(item.as_ref());
        }
        self.end_array()
    }

    /// Returns the text written so far.
    pub fn as_str(&self) -> &str {
        &self.out
    }

    /// Consumes the builder and returns the JSON text.
    pub fn finish(self) -> String {
        self.out
    }
}

const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

fn push_u_escape(out: &mut String, unit: u16) {
    out.push_str("\\u");
    for shift in [12u16, 8, 4, 0] {
        out.push(char::from(HEX_LOWER[usize::from((unit >> shift) & 0xf)]));
    }
}

/// Whether `json.dumps` writes this byte as is: printable ASCII but the
/// quote and the backslash.
fn is_plain(b: u8) -> bool {
    matches!(b, b' '..=b'~') && b != b'"' && b != b'\\'
}

/// Appends `s` as a JSON string literal exactly as `CPython`'s
/// `json.dumps(s)` (`ensure_ascii=True`) writes it.
///
/// Printable ASCII (0x20..=0x7e) is written raw except `"` and `\`; `\n`,
/// `\r`, `\t`, `\b`, `\f` get their short escapes; everything else
/// (other control characters, DEL 0x7f, all non-ASCII) becomes `\uXXXX`
/// with lower-case hex, astral characters as a UTF-16 surrogate pair.
pub fn write_py_str(out: &mut String, s: &str) {
    out.push('"');
    // Nearly every ledger string (hashes, names, timestamps) needs no
    // escaping at all; one tight scan over the bytes settles that fast.
    if s.bytes().all(is_plain) {
        out.push_str(s);
        out.push('"');
        return;
    }
    // Copy runs of bytes that need no escaping in one go: ledger text is
    // overwhelmingly plain ASCII, and scanning bytes is much cheaper than
    // decoding chars.
    let bytes = s.as_bytes();
    let mut run_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if is_plain(b) {
            i += 1;
            continue;
        }
        out.push_str(&s[run_start..i]);
        // `i` is always on a char boundary: runs only skip ASCII bytes.
        let c = s[i..].chars().next().unwrap_or('\u{fffd}');
        i += c.len_utf8();
        run_start = i;
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    push_u_escape(out, *unit);
                }
            }
        }
    }
    out.push_str(&s[run_start..]);
    out.push('"');
}

/// Returns `s` as a Python `json.dumps` string literal (with quotes).
pub fn py_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_py_str(&mut out, s);
    out
}

pub use crate::ledger::py_float::{py_float, write_py_float};

#[cfg(test)]
mod tests;
