//! The references of a ledger: every a-priori and a-posteriori reference the
//! descriptors make, and what each one points to — a descriptor, a pulse,
//! nothing (a dangling identifier), or no identifier at all (a named
//! concept such as `apriori:deterministic_replay`). The honest version of
//! the legacy "vault status".

use crate::analysis::records::{ChainFile, record_fields};
use crate::ledger::io::reader::for_each_object;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

/// Distinct references tracked at most (a hostile file cannot exhaust
/// memory); the report says when the cap was hit.
const MAX_REFS: usize = 100_000;

/// What a reference points to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Target {
    /// A descriptor whose id is, or starts with, the reference.
    Descriptor {
        /// Its line in the descriptor chain.
        line: u64,
    },
    /// A pulse whose glyph hash or pulse id is, or starts with, the reference.
    Pulse {
        /// Its line in the pulse chain.
        line: u64,
    },
    /// Looks like an identifier (8 or more hex digits) but matches nothing.
    Dangling,
    /// A name, not an identifier: nothing to resolve.
    Named,
}

/// One distinct reference.
#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    /// The reference text.
    pub reference: String,
    /// Descriptors listing it as a-priori.
    pub apriori: u64,
    /// Descriptors listing it as a-posteriori.
    pub aposteriori: u64,
    /// The first descriptor line listing it.
    pub first_line: u64,
    /// What it points to.
    pub target: Target,
}

/// Every reference, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct RefsReport {
    /// Distinct references, in text order.
    pub references: Vec<Reference>,
    /// Counts per target kind.
    pub resolved_to_descriptors: u64,
    /// References resolved to pulses.
    pub resolved_to_pulses: u64,
    /// Identifiers that point nowhere.
    pub dangling: u64,
    /// Names.
    pub named: u64,
    /// Whether every distinct reference was tracked (false past the cap).
    pub complete: bool,
}

fn is_identifier(s: &str) -> bool {
    s.len() >= 8 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Collect the references of the descriptor file and resolve them against
/// it and the pulse file (three streaming passes; memory grows with the
/// number of distinct references only).
pub fn resolve_refs(
    descriptors: ChainFile<'_>,
    pulses: Option<&Path>,
    max_line: usize,
) -> io::Result<RefsReport> {
    let mut refs: BTreeMap<String, Reference> = BTreeMap::new();
    let mut complete = true;
    let native = descriptors.kind.framed();
    for_each_object(descriptors.path, max_line, |line, whole| {
        let v = record_fields(whole, native);
        for (key, apriori) in [("apriori_refs", true), ("aposteriori_refs", false)] {
            for r in v
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !refs.contains_key(r) && refs.len() >= MAX_REFS {
                    complete = false;
                    continue;
                }
                let e = refs.entry(r.to_owned()).or_insert_with(|| Reference {
                    reference: r.to_owned(),
                    apriori: 0,
                    aposteriori: 0,
                    first_line: line,
                    target: if is_identifier(r) {
                        Target::Dangling
                    } else {
                        Target::Named
                    },
                });
                if apriori {
                    e.apriori += 1;
                } else {
                    e.aposteriori += 1;
                }
            }
        }
    })?;
    let lengths: Vec<usize> = {
        let mut l: Vec<usize> = refs
            .values()
            .filter(|r| r.target == Target::Dangling)
            .map(|r| r.reference.len())
            .collect();
        l.sort_unstable();
        l.dedup();
        l
    };
    // A reference resolves to the first record whose identifier it is a
    // prefix of: look each identifier's prefixes up, for every length in use.
    let mut resolve = |candidate: &str, target: Target| {
        for &len in &lengths {
            if let Some(r) = candidate.get(..len).and_then(|p| refs.get_mut(p))
                && r.target == Target::Dangling
            {
                r.target = target.clone();
            }
        }
    };
    for_each_object(descriptors.path, max_line, |line, whole| {
        let v = record_fields(whole, native);
        if let Some(id) = v.get("descriptor_id").and_then(Value::as_str) {
            resolve(id, Target::Descriptor { line });
        }
    })?;
    if let Some(p) = pulses {
        for_each_object(p, max_line, |line, whole| {
            // A native pulse is named by its record hash; a migrated one
            // also by its legacy glyph hash and pulse id.
            let (v, names): (&Value, &[&str]) = if native {
                let body = record_fields(whole, true);
                if let Some(h) = whole.get("hash").and_then(Value::as_str) {
                    resolve(h, Target::Pulse { line });
                }
                if let Some(h) = body.get("legacy_glyph_hash").and_then(Value::as_str) {
                    resolve(h, Target::Pulse { line });
                }
                (
                    body.get("legacy_pulse").unwrap_or(&Value::Null),
                    &["pulse_id"],
                )
            } else {
                (whole, &["glyph_hash", "pulse_id"])
            };
            for key in names {
                if let Some(h) = v.get(key).and_then(Value::as_str) {
                    resolve(h, Target::Pulse { line });
                }
            }
        })?;
    }
    let count = |f: fn(&Target) -> bool| refs.values().filter(|r| f(&r.target)).count() as u64;
    Ok(RefsReport {
        resolved_to_descriptors: count(|t| matches!(t, Target::Descriptor { .. })),
        resolved_to_pulses: count(|t| matches!(t, Target::Pulse { .. })),
        dangling: count(|t| *t == Target::Dangling),
        named: count(|t| *t == Target::Named),
        references: refs.into_values().collect(),
        complete,
    })
}
