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

/// Appends `x` formatted as Python's `repr(float)` (and so `json.dumps`).
///
/// Shortest round-trip digits; positional notation when the decimal
/// exponent `e` (of `d.ddd × 10^e`) satisfies `-4 <= e < 16`, always with at
/// least one digit after the point; otherwise `1e-05` / `1.5e+16` style.
/// Non-finite values are written as `NaN`, `Infinity`, `-Infinity`.
pub fn write_py_float(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("NaN");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    // `is_sign_negative` rather than `< 0.0` so that -0.0 keeps its sign.
    if x.is_sign_negative() {
        out.push('-');
    }
    let (digits, exp) = shortest_digits(x.abs());
    let digits = digits.as_str();
    if (-4..16).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(digits);
        } else {
            // The point goes after exp + 1 digits, padding with zeros.
            let int_len = exp.unsigned_abs() as usize + 1;
            if digits.len() <= int_len {
                out.push_str(digits);
                for _ in digits.len()..int_len {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exp.unsigned_abs());
    }
}

/// Shortest round-trip significant digits of a finite `x >= 0` and the
/// decimal exponent of the first digit, choosing between two equally near
/// shortest candidates as `CPython` does.
///
/// Rust's `{:e}` gives the shortest digits but breaks an exact tie (the
/// value lies exactly halfway between two shortest candidates, e.g.
/// 1842129032183692.25) upwards, where `CPython`'s dtoa picks the even last
/// digit. Ties need the exact binary value to have a short decimal
/// expansion, which is cheap to test exactly with integers.
fn shortest_digits(x: f64) -> (String, i32) {
    let mut sci = String::with_capacity(32);
    let _ = write!(sci, "{x:e}");
    let (mantissa, exp_text) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp_text.parse().unwrap_or(0);
    let mut digits = String::with_capacity(mantissa.len());
    for part in mantissa.split('.') {
        digits.push_str(part);
    }
    // At most 17 significant digits, so the value fits a u64.
    let Ok(value) = digits.parse::<u64>() else {
        return (digits, exp);
    };
    if x == 0.0 || value % 2 == 0 {
        return (digits, exp);
    }
    let n = len_i32(&digits);
    // `value` means value × 10^(exp - n + 1); the midpoints to its
    // neighbours are (10·value ± 5) × 10^(exp - n).
    let scale = exp - n;
    let other = if exactly_equals(x, value * 10 - 5, scale) {
        value - 1
    } else if exactly_equals(x, value * 10 + 5, scale) {
        value + 1
    } else {
        return (digits, exp);
    };
    let mut other_digits = other.to_string();
    let other_exp = exp + len_i32(&other_digits) - n;
    while other_digits.len() > 1 && other_digits.ends_with('0') {
        other_digits.pop();
    }
    // Only take the even candidate if it still reads back as `x` (it may
    // not at a binade boundary, where the rounding interval is lopsided).
    let check = format!("{other_digits}e{}", other_exp - len_i32(&other_digits) + 1);
    if check.parse::<f64>() == Ok(x) {
        (other_digits, other_exp)
    } else {
        (digits, exp)
    }
}

/// Length of a short digit string as an exponent offset.
fn len_i32(digits: &str) -> i32 {
    i32::try_from(digits.len()).unwrap_or(i32::MAX)
}

/// Whether the finite, positive `x` equals `sig × 10^exp10` exactly.
fn exactly_equals(x: f64, sig: u64, exp10: i32) -> bool {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mut mant, mut exp2) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased - 1075)
    };
    if mant == 0 || sig == 0 {
        return false;
    }
    // x = mant·2^exp2 and sig·10^exp10 = sig_odd·5^exp10·2^(sig_twos + exp10)
    // with mant and sig_odd odd: equal iff odd parts and powers of two agree.
    exp2 += mant.trailing_zeros().cast_signed();
    mant >>= mant.trailing_zeros();
    let sig_twos = sig.trailing_zeros().cast_signed();
    let sig_odd = u128::from(sig >> sig_twos);
    let mant = u128::from(mant);
    let Some(pow5) = 5u128.checked_pow(exp10.unsigned_abs()) else {
        return false;
    };
    if exp10 >= 0 {
        sig_odd.checked_mul(pow5) == Some(mant) && exp2 == sig_twos + exp10
    } else {
        mant.checked_mul(pow5) == Some(sig_odd) && exp2 - exp10 == sig_twos
    }
}

/// Returns `x` formatted as Python's `repr(float)`.
pub fn py_float(x: f64) -> String {
    let mut out = String::with_capacity(24);
    write_py_float(&mut out, x);
    out
}

#[cfg(test)]
mod tests;
