//! A record's fields in the order the line stores them, each value as its
//! JSON text as written (`1E+2` stays `1E+2`). `serde_json::Value` sorts
//! object keys and rewrites numbers, so an export or a view built from it
//! would show another record than the one stored.

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

/// The top-level members of one JSON object, in stored order (a duplicate
/// key appears as often as it is written).
#[derive(Debug)]
pub struct Ordered<'a>(pub Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Ordered<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, &'de RawValue>()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// The members of the object `text`, in stored order; `None` when it is not
/// a JSON object.
pub fn members(text: &str) -> Option<Vec<(String, &RawValue)>> {
    serde_json::from_str::<Ordered<'_>>(text).ok().map(|o| o.0)
}

/// The members of the object `text` with nested objects flattened into
/// dotted names (`body.process_name`), in stored order; every value is its
/// JSON text as written, except a string, which is its content.
pub fn flattened(text: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    flatten_into("", members(text)?, &mut out);
    Some(out)
}

fn flatten_into(prefix: &str, members: Vec<(String, &RawValue)>, out: &mut Vec<(String, String)>) {
    for (k, v) in members {
        let name = if prefix.is_empty() {
            k
        } else {
            format!("{prefix}.{k}")
        };
        let raw = v.get().trim();
        if raw.starts_with('{')
            && let Some(inner) = self::members(raw)
        {
            flatten_into(&name, inner, out);
        } else if raw.starts_with('"') {
            let s: String = serde_json::from_str(raw).unwrap_or_else(|_| raw.to_owned());
            out.push((name, s));
        } else {
            out.push((name, raw.to_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_stored_order_and_numbers_as_written() {
        let line = r#"{"z":1E+2,"a":"x\"y","body":{"q":[1, 2],"b":null}}"#;
        let m = members(line).unwrap();
        let names: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["z", "a", "body"]);
        assert_eq!(m[0].1.get(), "1E+2");
        assert_eq!(
            flattened(line).unwrap(),
            [
                ("z".to_owned(), "1E+2".to_owned()),
                ("a".to_owned(), "x\"y".to_owned()),
                ("body.q".to_owned(), "[1, 2]".to_owned()),
                ("body.b".to_owned(), "null".to_owned()),
            ]
        );
        assert!(members("[1]").is_none());
        assert!(members("not json").is_none());
    }
}
