//! Reading a checkpoint the verifier trusts: a `.checkpoint` file (one
//! signed note), the JSON lines `iss checkpoint --json` prints (each with
//! its `note`), or a proof document (its `checkpoint`).

use crate::tlog::checkpoint::Checkpoint;
use crate::tlog::merkle::Hash;
use std::path::Path;

/// A checkpoint trusted from outside the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// Its origin (`<ledger origin>/<chain>` for a native ledger).
    pub origin: String,
    /// The trusted tree's size.
    pub size: u64,
    /// The trusted tree's root.
    pub root: Hash,
    /// The note as read (what the state stores).
    pub note: String,
    /// Where it was read, for messages.
    pub source: String,
}

/// Parse one checkpoint note (its text up to the blank line that starts
/// the signatures; a bare checkpoint text is accepted too). The
/// signatures are not checked: the verifier trusts this note because it
/// kept it, and only its origin, size and root are used.
pub fn parse_note(note: &str, source: &str) -> Result<Anchor, String> {
    let body = match note.split_once("\n\n") {
        Some((text, _)) => format!("{text}\n"),
        None => note.to_owned(),
    };
    let cp = Checkpoint::parse(&body).map_err(|e| {
        format!("{source}: not a checkpoint note (origin, size and root lines, then the signatures): {e}")
    })?;
    Ok(Anchor {
        origin: cp.origin,
        size: cp.size,
        root: cp.root,
        note: note.to_owned(),
        source: source.to_owned(),
    })
}

/// Every trusted checkpoint in `text`, read from `source`: JSON lines
/// (objects with a `note` or a `checkpoint` string), or one note.
pub fn parse_trusted(text: &str, source: &str) -> Result<Vec<Anchor>, String> {
    if !text.trim_start().starts_with('{') {
        return Ok(vec![parse_note(text, source)?]);
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("{source} line {}", i + 1);
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{at}: not a JSON object ({e})"))?;
        let note = ["note", "checkpoint"]
            .iter()
            .find_map(|k| v.get(k).and_then(serde_json::Value::as_str))
            .ok_or_else(|| {
                format!(
                    "{at}: a JSON object without a \"note\" string (expected a line of `iss checkpoint --json`, or a proof from `iss prove --json`)"
                )
            })?;
        out.push(parse_note(note, &at)?);
    }
    if out.is_empty() {
        return Err(format!("{source}: no checkpoint in it"));
    }
    Ok(out)
}

/// Read the trusted checkpoints of the file at `path`.
pub fn read_trusted(path: &Path) -> Result<Vec<Anchor>, String> {
    let source = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("reading {source}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{source}: not UTF-8 text"))?;
    parse_trusted(&text, &source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::checkpoint::sign_checkpoint;
    use crate::tlog::note::Signer;

    fn note(size: u64) -> String {
        let s = Signer::generate("iss.test/l").unwrap();
        let cp = Checkpoint {
            origin: "iss.test/l/descriptors".into(),
            size,
            root: [7; 32],
            extensions: vec![],
        };
        sign_checkpoint(&cp, &s).unwrap()
    }

    #[test]
    fn a_note_a_json_line_and_a_bare_text_are_read() {
        let n = note(5);
        let a = parse_trusted(&n, "f").unwrap();
        assert_eq!(
            (a[0].origin.as_str(), a[0].size, a[0].root),
            ("iss.test/l/descriptors", 5, [7; 32])
        );
        let json = format!(
            "{}\n{}\n",
            serde_json::json!({"chain": "descriptors", "note": n}),
            serde_json::json!({"chain": "pulses", "note": note(9)})
        );
        let a = parse_trusted(&json, "f").unwrap();
        assert_eq!(a.iter().map(|x| x.size).collect::<Vec<_>>(), [5, 9]);
        assert_eq!(a[1].source, "f line 2");
        let bare = n.split_once("\n\n").unwrap().0.to_owned() + "\n";
        assert_eq!(parse_trusted(&bare, "f").unwrap()[0].size, 5);
    }

    #[test]
    fn what_is_not_a_checkpoint_is_refused_with_its_place() {
        let e = parse_trusted("hello\n", "f").unwrap_err();
        assert!(e.starts_with("f: not a checkpoint note"), "{e}");
        let e = parse_trusted("{\"chain\": \"x\"}\n", "f").unwrap_err();
        assert!(e.contains("f line 1") && e.contains("\"note\""), "{e}");
        let e = parse_trusted("{oops\n", "f").unwrap_err();
        assert!(e.contains("f line 1: not a JSON object"), "{e}");
    }
}
