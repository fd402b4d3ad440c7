//! Which changes a clean verdict must never survive: a change to bytes a
//! hash covers. Decided from the formats' documents, never from the
//! verifier under test.
//!
//! Legacy (`../shared/docs/LEGACY_FORMAT.md`): in `spice_chain.jsonl` the
//! hash covers `descriptor_id`, `process_name`, `assessed_at` and
//! `prev_descriptor_hash` (as decoded strings), and `descriptor_hash`
//! itself; in `glyph_chain.jsonl` `tai_ns`, `utc_iso`, `et_s`, `utc_unix`
//! (numbers as the token text: the hash covers the text as written),
//! `source_node`, `pulse_id`, `glyph_hash` and `chain_hash`; and in both the
//! order and number of records (but the pulse chain's length: no witness
//! records it, so its last pulses removed whole leave a chain that
//! verifies; the descriptor chain's is witnessed by the manifest). A
//! mutated file is compared with the
//! original as the list of these fields line by line, blank lines left
//! out: a change there is a hashed change. What the legacy hashes do not
//! cover may change without a violation, and legitimately gives a clean
//! verdict or warnings: other fields of a record (the documented weakness),
//! whitespace between tokens, a `\r` before a line end or a blank line
//! (framing), escapes that decode to the same string, and the files no
//! hash covers (`integrity_manifest.jsonl` and `constitutional_log.jsonl`
//! are witnesses cross-checked against the chain, `forensic_audit.log` an
//! unchained start log; crash states there are documented warnings). Their
//! checks are pinned by the tamper tests; here they only must not panic
//! or hang.
//!
//! Native (`docs/FORMAT.md`): every byte of every line of the three
//! chains is hashed, and `iss-ledger.json` is bound byte for byte by the
//! genesis event: any change is a hashed change, except removing whole
//! records after the newest signed checkpoint (§7: those are covered by
//! hashes only, so a cut there cannot be told from fewer appends). A
//! checkpoint history whose lines are all lines of the original (one
//! repeated, removed or moved) holds only genuine signed notes and is not
//! a hashed change; any other change to it, or to the latest checkpoint
//! file, is.

use crate::corpus::Kind;
use crate::mutate::line_spans;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::path::Path;

const DESCRIPTOR_FIELDS: [&str; 5] = [
    "descriptor_id",
    "process_name",
    "assessed_at",
    "prev_descriptor_hash",
    "descriptor_hash",
];
const PULSE_FIELDS: [&str; 8] = [
    "tai_ns",
    "utc_iso",
    "et_s",
    "utc_unix",
    "source_node",
    "pulse_id",
    "glyph_hash",
    "chain_hash",
];

/// Why the change from `old` to `new` of the file `rel` of a `kind`
/// ledger changes hashed bytes, or `None` when it does not. `signed` is
/// the newest signed size of the file's chain (native).
pub fn hashed_change(
    kind: Kind,
    rel: &Path,
    old: &[u8],
    new: &[u8],
    signed: Option<u64>,
) -> Option<String> {
    if old == new {
        return None;
    }
    let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if kind.is_native() {
        return native(name, old, new, signed);
    }
    let fields: &[&str] = match name {
        "spice_chain.jsonl" => &DESCRIPTOR_FIELDS,
        "glyph_chain.jsonl" => &PULSE_FIELDS,
        _ => return None,
    };
    let (a, b) = (hashed_view(old, fields), hashed_view(new, fields));
    if a == b {
        return None;
    }
    // Nothing in the legacy layout witnesses how many pulses there were:
    // the last ones removed whole leave a chain that verifies.
    if name == "glyph_chain.jsonl" && a.starts_with(&b) {
        return None;
    }
    let at = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    Some(format!(
        "{name}: the hashed fields of record {} changed ({} records before, {} after)",
        at + 1,
        a.len(),
        b.len()
    ))
}

/// Per non-blank line: its hashed fields as they enter the hash (strings
/// decoded, numbers as written), or `None` when it is not a JSON object
/// holding them all.
fn hashed_view(bytes: &[u8], fields: &[&str]) -> Vec<Option<Vec<String>>> {
    line_spans(bytes)
        .into_iter()
        .map(|(a, b)| &bytes[a..b])
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .map(|l| {
            let text = std::str::from_utf8(l).ok()?;
            // The last of duplicate keys, as the verifier's parser keeps it.
            let map: HashMap<String, &RawValue> = serde_json::from_str(text).ok()?;
            fields
                .iter()
                .map(|f| {
                    let raw = map.get(*f)?.get().trim();
                    if raw.starts_with('"') {
                        serde_json::from_str::<String>(raw).ok()
                    } else {
                        Some(raw.to_owned())
                    }
                })
                .collect()
        })
        .collect()
}

fn native(name: &str, old: &[u8], new: &[u8], signed: Option<u64>) -> Option<String> {
    if name.ends_with(".jsonl.checkpoints") {
        let originals: Vec<&[u8]> = line_spans(old)
            .into_iter()
            .map(|(a, b)| &old[a..b])
            .collect();
        let foreign = line_spans(new)
            .into_iter()
            .position(|(a, b)| !originals.contains(&&new[a..b]))?;
        return Some(format!(
            "{name}: line {} is not one of the genuine history entries",
            foreign + 1
        ));
    }
    if Path::new(name).extension().is_some_and(|e| e == "jsonl") {
        // Whole records removed after the newest signed checkpoint.
        let lines = line_spans(old);
        let kept = lines.iter().position(|&(_, end)| end == new.len());
        if let Some(k) = kept
            && old.starts_with(new)
            && (k as u64) + 1 >= signed.unwrap_or(0)
        {
            return None;
        }
        if new.is_empty() && signed.unwrap_or(0) == 0 {
            return None;
        }
    }
    Some(format!("{name}: every byte of it is hashed or bound"))
}
