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
/// # use iss_workstation::ledger::legacy::pyjson::{PyJsonWriter, Style};
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
mod tests {
    use super::*;
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    #[test]
    fn float_layout_matches_python_repr() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (-1.0, "-1.0"),
            (0.1, "0.1"),
            (0.37, "0.37"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (1e-5, "1e-05"),
            (-2.5e-7, "-2.5e-07"),
            (123_456_789_012_345.6, "123456789012345.6"),
            (1e15, "1000000000000000.0"),
            (9_999_999_999_999_998.0, "9999999999999998.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1e100, "1e+100"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (1_795_729_479.369_992, "1795729479.369992"),
            (849_001_548.553_992, "849001548.553992"),
            (2_461_371.406_011_226_6, "2461371.4060112266"),
            // Exact ties between two shortest candidates: Python picks the
            // even digit, Rust's `{:e}` would round up.
            // (exactly 1842129032183692.25 and .75)
            (-7_368_516_128_734_769.0 / 4.0, "-1842129032183692.2"),
            (7_368_516_128_734_771.0 / 4.0, "1842129032183692.8"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for &(x, want) in cases {
            assert_eq!(py_float(x), want, "bits {:016x}", x.to_bits());
        }
    }

    #[test]
    fn string_escapes_match_python() {
        let cases: &[(&str, &str)] = &[
            ("", r#""""#),
            ("plain / text", r#""plain / text""#),
            ("q\"b\\", r#""q\"b\\""#),
            ("\n\r\t\u{8}\u{c}", r#""\n\r\t\b\f""#),
            ("\u{0}\u{1f}", r#""\u0000\u001f""#),
            // CPython escapes DEL too: its "safe" range is ' '..='~'.
            ("\u{7f}", r#""\u007f""#),
            ("é", r#""\u00e9""#),
            ("Prüfung — fehlt", r#""Pr\u00fcfung \u2014 fehlt""#),
            ("😀", r#""\ud83d\ude00""#),
            ("\u{ffff}\u{10ffff}", r#""\uffff\udbff\udfff""#),
        ];
        for &(s, want) in cases {
            assert_eq!(py_str(s), want);
        }
    }

    #[test]
    fn builder_separators_and_nesting() {
        let build = |style| {
            let mut w = PyJsonWriter::new(style);
            w.begin_object();
            w.key("a").int(-3);
            w.key("b").str_array::<&str>(&[]);
            w.key("c").str_array(&["x", "y"]);
            w.key("d").opt_str(None);
            w.key("e").bool(true);
            w.key("f").begin_object().key("g").float(0.5).end_object();
            w.end_object();
            w.finish()
        };
        assert_eq!(
            build(Style::Compact),
            r#"{"a":-3,"b":[],"c":["x","y"],"d":null,"e":true,"f":{"g":0.5}}"#
        );
        assert_eq!(
            build(Style::Default),
            r#"{"a": -3, "b": [], "c": ["x", "y"], "d": null, "e": true, "f": {"g": 0.5}}"#
        );
    }

    /// splitmix64, enough randomness for generating test inputs.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
    }

    fn random_float(rng: &mut Rng) -> f64 {
        let r = rng.next();
        let sign = if r & 1 == 0 { 1.0 } else { -1.0 };
        match (r >> 1) % 9 {
            // Big integers divided by small powers of two: short exact
            // expansions, where ties between shortest candidates live.
            8 => sign * (rng.next() >> 11) as f64 / f64::from(1u32 << ((r >> 8) % 12)),
            // Any bit pattern: huge, tiny, subnormal, NaN, inf.
            0 | 1 => f64::from_bits(rng.next()),
            // Subnormals.
            2 => f64::from_bits(rng.next() & 0x000f_ffff_ffff_ffff) * sign,
            // Integral values around the positional/scientific boundary.
            3 => sign * (rng.next() % (1 << 60)) as f64 / 10f64.powi((r >> 8) as i32 % 6),
            // Powers of ten and neighbours, across the layout thresholds.
            4 => {
                let p = 10f64.powi((r >> 8) as i32 % 50 - 25);
                let bits = (p.to_bits() + rng.next() % 5).saturating_sub(2);
                f64::from_bits(bits) * sign
            }
            // Short decimals like compliance scores and timestamps.
            5 => (rng.next() % 101) as f64 / 100.0,
            6 => (1_700_000_000_000_000 + rng.next() % 200_000_000_000_000) as f64 / 1e6,
            _ => {
                sign * (rng.next() as f64 / u64::MAX as f64) * 10f64.powi((r >> 8) as i32 % 40 - 20)
            }
        }
    }

    fn random_string(rng: &mut Rng) -> String {
        let len = rng.next() % 12;
        (0..len)
            .map(|_| {
                let r = rng.next();
                let c = match r % 6 {
                    0 => (r >> 8) % 0x80,
                    1 => 0x20 + (r >> 8) % 0x5f,
                    2 => 0x80 + (r >> 8) % 0x780,
                    3 => 0x800 + (r >> 8) % 0xf800,
                    4 => 0x10000 + (r >> 8) % 0x10_0000,
                    _ => u64::from(b"\"\\/\n\r\t\x08\x0c\x7f"[((r >> 8) % 9) as usize]),
                };
                // Surrogate code points are not chars; map them to U+FFFD.
                char::from_u32(c as u32).unwrap_or('\u{fffd}')
            })
            .collect()
    }

    /// Compares thousands of random floats and strings with what `python3`'s
    /// `json.dumps` writes for them. Inputs go over stdin as hex (f64 bits,
    /// UTF-8 bytes) so that nothing formats them on the way.
    #[test]
    fn cross_check_against_python() {
        const SCRIPT: &str = r"
import json, struct, sys
for line in sys.stdin:
    kind, payload = line.split()
    if kind == 'f':
        v = struct.unpack('>d', bytes.fromhex(payload))[0]
    else:
        v = bytes.fromhex(payload[1:]).decode('utf-8')
    sys.stdout.write(json.dumps(v) + '\n')
";
        const N_CASES: usize = 6000;
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        let mut input = String::new();
        let mut expected = Vec::new();
        for i in 0..N_CASES {
            if i % 2 == 0 {
                let x = random_float(&mut rng);
                let _ = writeln!(input, "f {:016x}", x.to_bits());
                expected.push(py_float(x));
            } else {
                let s = random_string(&mut rng);
                // Prefix so an empty string still yields a token.
                let _ = writeln!(input, "s x{}", hex::encode(s.as_bytes()));
                expected.push(py_str(&s));
            }
        }
        let child = Command::new("python3")
            .args(["-c", SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn();
        let Ok(mut child) = child else {
            println!("skipped: python3 not found on PATH");
            return;
        };
        // Feed stdin from another thread: python3 answers while it reads, and
        // both pipes would fill up if we wrote everything first.
        let mut stdin = child.stdin.take().expect("stdin piped");
        let feed = input.clone();
        let feeder = std::thread::spawn(move || stdin.write_all(feed.as_bytes()));
        let output = child.wait_with_output().expect("python3 runs");
        feeder.join().expect("feeder").expect("write to python3");
        assert!(output.status.success(), "python3 failed");
        let stdout = String::from_utf8(output.stdout).expect("python3 writes ASCII");
        let got: Vec<&str> = stdout.lines().collect();
        assert_eq!(got.len(), expected.len());
        let input_lines: Vec<&str> = input.lines().collect();
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(g, e, "input {}", input_lines[i]);
        }
    }
}
