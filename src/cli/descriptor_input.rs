//! The input of `iss append descriptor`: one JSON object with the legacy
//! descriptor fields, or with `--batch` one per line. A refusal says what
//! was expected and what was found (a JSON array, a byte order mark, `NaN`,
//! the end of the text), where, and in the user's terms.

use crate::ledger::json::{describe_syntax_error, type_name};
use crate::ledger::model::new_descriptor::NewDescriptor;
use anyhow::bail;

/// Parse the descriptors in `text`: the whole text is one descriptor, or
/// with `batch` each non-blank line is one.
pub fn parse(text: &str, batch: bool) -> anyhow::Result<Vec<NewDescriptor>> {
    if !batch {
        return Ok(vec![one(text, "the descriptor", false)?]);
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| one(line, &format!("input line {}", i + 1), true))
        .collect()
}

/// One descriptor from `text`; `place` names it in a refusal.
fn one(text: &str, place: &str, batch: bool) -> anyhow::Result<NewDescriptor> {
    const EXPECTED: &str = "expected one JSON object with the legacy descriptor fields";
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => bail!(
            "{place}: not JSON: {}; {EXPECTED}",
            describe_syntax_error(text, &e)
        ),
    };
    if !value.is_object() {
        let found = match &value {
            serde_json::Value::Array(items) => format!(
                "a JSON array of {} value(s){}",
                items.len(),
                if batch {
                    " (one object per line, not an array)"
                } else {
                    "; several descriptors go in with --batch, one object per line"
                }
            ),
            other => format!("a JSON {}", type_name(other)),
        };
        bail!("{place}: {EXPECTED}, found {found}");
    }
    // Parsed from the text, not the value: serde then says where a field
    // of the wrong type is.
    serde_json::from_str(text).map_err(|e| anyhow::anyhow!("{place}: {EXPECTED}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"{"process_name":"ENG.1","process_version":"1.0","capability_level":2,"process_outcome":"compliant","compliance_score":0.7,"assessed_by":"a","assessment_method":"interview"}"#;

    #[test]
    fn a_descriptor_and_a_batch_parse() {
        assert_eq!(parse(OK, false).unwrap().len(), 1);
        assert_eq!(parse(&format!("{OK}\n\n{OK}\n"), true).unwrap().len(), 2);
    }

    #[test]
    fn refusals_say_what_was_found() {
        let e = parse(&format!("[{OK}]"), false).unwrap_err().to_string();
        assert!(e.contains("found a JSON array of 1 value(s)"), "{e}");
        let e = parse("42", false).unwrap_err().to_string();
        assert!(e.ends_with("found a JSON integer"), "{e}");
        let e = parse(&OK.replace("\"1.0\"", "1"), false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("invalid type: integer `1`, expected a string"),
            "{e}"
        );
        let e = parse(&format!("{OK}\nnull"), true).unwrap_err().to_string();
        assert!(
            e.starts_with("input line 2: ") && e.ends_with("a JSON null"),
            "{e}"
        );
    }
}
