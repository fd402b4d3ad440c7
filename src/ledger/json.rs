//! JSON helpers for zero-copy parsing of ledger lines.
//!
//! Ledger verification parses every line of files that can hold millions of
//! records, so the record types borrow from the line wherever JSON allows
//! (strings without escapes) and keep number tokens as the exact text that
//! was written, because the legacy hashes cover that text.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// A JSON string, borrowed from the line when it has no escapes.
///
/// `Cow<str>` alone does not borrow inside containers (`Vec<Cow<str>>`
/// always allocates), which is why this newtype has its own visitor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JStr<'a>(pub Cow<'a, str>);

impl JStr<'_> {
    /// The decoded string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for JStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = JStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(JStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(JStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(JStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A JSON array of strings, validated but not kept: verification needs
/// only its shape, and skipping the values avoids an allocation per list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StrList {
    /// Number of strings in the array.
    pub len: usize,
}

impl<'de> Deserialize<'de> for StrList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Item;
        impl<'de> Deserialize<'de> for Item {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = Item;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: de::Error>(self, _: &str) -> Result<Item, E> {
                        Ok(Item)
                    }
                }
                d.deserialize_str(V)
            }
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of strings")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<StrList, A::Error> {
                let mut len = 0;
                while seq.next_element::<Item>()?.is_some() {
                    len += 1;
                }
                Ok(StrList { len })
            }
        }
        d.deserialize_seq(V)
    }
}

/// A JSON number kept as the exact token text that was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumToken<'a>(pub &'a str);

impl<'de: 'a, 'a> Deserialize<'de> for NumToken<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&'a RawValue>::deserialize(d)?;
        let text = raw.get();
        if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            Ok(NumToken(text))
        } else {
            Err(de::Error::custom(format_args!(
                "expected a number, found {}",
                describe_token(text)
            )))
        }
    }
}

impl NumToken<'_> {
    /// The token as an `f64` (JSON number grammar is a subset of Rust's).
    pub fn as_f64(self) -> Option<f64> {
        self.0.parse().ok()
    }

    /// The token as an `i64`, if it is an integer token in range.
    pub fn as_i64(self) -> Option<i64> {
        self.0.parse().ok()
    }
}

/// A string kept inline when it is short (ids, hex hashes), so handing
/// millions of them from worker threads to the in-order stage allocates
/// nothing.
#[derive(Clone, PartialEq, Eq)]
pub enum ShortStr {
    /// Up to 64 bytes, inline.
    Inline {
        /// Bytes used.
        len: u8,
        /// UTF-8 bytes.
        buf: [u8; 64],
    },
    /// Anything longer.
    Heap(Box<str>),
}

impl ShortStr {
    /// Store `s`.
    pub fn new(s: &str) -> Self {
        if s.len() <= 64 {
            let mut buf = [0u8; 64];
            buf[..s.len()].copy_from_slice(s.as_bytes());
            ShortStr::Inline {
                len: s.len() as u8,
                buf,
            }
        } else {
            ShortStr::Heap(s.into())
        }
    }

    /// The string's bytes (no UTF-8 check: for hashing and comparing).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            ShortStr::Inline { len, buf } => &buf[..usize::from(*len)],
            ShortStr::Heap(s) => s.as_bytes(),
        }
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        match self {
            // Always valid: the bytes were copied from a whole `&str`.
            ShortStr::Inline { len, buf } => {
                std::str::from_utf8(&buf[..usize::from(*len)]).unwrap_or_default()
            }
            ShortStr::Heap(s) => s,
        }
    }
}

impl fmt::Debug for ShortStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A short description of a JSON value's type and start, for error messages.
pub fn describe_token(text: &str) -> String {
    let kind = match text.as_bytes().first() {
        Some(b'"') => "string",
        Some(b'{') => "object",
        Some(b'[') => "array",
        Some(b't' | b'f') => "boolean",
        Some(b'n') => "null",
        Some(b'-' | b'0'..=b'9') => "number",
        _ => "value",
    };
    format!("{kind} {}", clip(text, 40))
}

/// A JSON value's type, for error messages.
pub fn type_name(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Cut `s` to at most `max` characters, marking the cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// What a JSON syntax error found, in the reader's terms: the token at the
/// error's position (`NaN` and `Infinity`, which JSON does not have; a byte
/// order mark before the text; the end of the text) and where, rather than
/// only serde's "expected value at line 1 column N". Errors that are not
/// about syntax (a type or a field) are serde's own text.
pub fn describe_syntax_error(text: &str, err: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let at = format!("line {} column {}", err.line(), err.column());
    match err.classify() {
        Category::Eof => {
            return format!("the text ends at {at} before the JSON value is complete");
        }
        Category::Syntax => {}
        Category::Data | Category::Io => return err.to_string(),
    }
    if err.line() == 1 && err.column() <= 1 && text.starts_with('\u{feff}') {
        return "found a byte order mark (U+FEFF) before the JSON: expected the JSON text alone \
                (save it as UTF-8 without a BOM)"
            .to_owned();
    }
    let rest = text
        .split('\n')
        .nth(err.line().saturating_sub(1))
        .and_then(|l| {
            // serde's column counts bytes, 1-based, at the offending byte.
            let i = err.column().saturating_sub(1);
            // A sign before a word: the error may point at either.
            let start = if i > 0 && matches!(l.as_bytes().get(i - 1), Some(b'-' | b'+')) {
                i - 1
            } else {
                i
            };
            l.get(start..)
        })
        .unwrap_or("");
    let word: String = rest
        .chars()
        .enumerate()
        .take_while(|(k, c)| c.is_ascii_alphanumeric() || (*k == 0 && matches!(c, '-' | '+')))
        .map(|(_, c)| c)
        .collect();
    if matches!(
        word.trim_start_matches(['-', '+']),
        "NaN" | "nan" | "Infinity" | "infinity" | "inf" | "Inf"
    ) {
        return format!("found `{word}` at {at}: JSON has no NaN or Infinity; expected a number");
    }
    let message = err.to_string();
    let message = message
        .strip_suffix(&format!(" at {at}"))
        .unwrap_or(&message);
    match rest.chars().next() {
        None => format!("{message} at {at}, found the end of the line"),
        Some(_) => format!("{message} at {at}, found `{}`", clip(rest, 20)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T<'a> {
        #[serde(borrow)]
        list: Vec<JStr<'a>>,
        #[serde(borrow)]
        n: NumToken<'a>,
    }

    #[test]
    fn borrows_plain_strings_and_keeps_number_text() {
        let t: T = serde_json::from_str(r#"{"list": ["a", "b\n"], "n": 1.50}"#).unwrap();
        assert!(matches!(t.list[0].0, Cow::Borrowed("a")));
        assert!(matches!(&t.list[1].0, Cow::Owned(s) if s == "b\n"));
        assert_eq!(t.n.0, "1.50");
        assert_eq!(t.n.as_f64(), Some(1.5));
    }

    fn described(text: &str) -> String {
        let e = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        describe_syntax_error(text, &e)
    }

    #[test]
    fn syntax_errors_name_what_was_found() {
        assert_eq!(
            described(r#"{"a":NaN}"#),
            "found `NaN` at line 1 column 6: JSON has no NaN or Infinity; expected a number"
        );
        assert!(described(r#"{"a":-Infinity}"#).starts_with("found `-Infinity` at line 1"));
        assert!(described(r#"{"a":Infinity}"#).starts_with("found `Infinity` at line 1"));
        assert!(described("\u{feff}{}").contains("byte order mark"));
        assert_eq!(
            described(r#"{"a":"#),
            "the text ends at line 1 column 5 before the JSON value is complete"
        );
        assert_eq!(
            described(r#"{"a":1} x"#),
            "trailing characters at line 1 column 9, found `x`"
        );
        assert_eq!(
            described(r#"{"a":tru}"#),
            "expected ident at line 1 column 9, found `}`"
        );
    }

    #[test]
    fn number_token_rejects_strings() {
        let e = serde_json::from_str::<T>(r#"{"list": [], "n": "1.5"}"#)
            .err()
            .unwrap();
        assert!(
            e.to_string().contains("expected a number, found string"),
            "{e}"
        );
    }
}
