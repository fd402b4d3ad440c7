//! The one body rule of native chain verification (`docs/FORMAT.md` §4.3,
//! rule 5): in `descriptors`, no two records carry the same
//! `descriptor_id`. An audit trail looks a descriptor up by its id, so a
//! second record with the same id would make the lookup ambiguous; legacy
//! ledgers refuse it the same way (`DUPLICATE_ID`).
//!
//! Native pulses have no id (a pulse is named by its `seq`); a migrated
//! pulse keeps its legacy `pulse_id` inside `legacy_pulse`, where the time
//! analysis reports a repeat as `DUPLICATE_PULSE`, a warning, as it does on
//! the legacy source.

use crate::ledger::model::finding::{Finding, FindingKind, LineRange};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::fmt;

/// The chain whose records must have distinct ids.
pub const ID_CHAIN: &str = "descriptors";

/// The body member that names a descriptor.
pub const ID_FIELD: &str = "descriptor_id";

/// The `descriptor_id` of a body (its exact bytes): the value of the
/// top-level member of that name when it is a JSON string (the last one,
/// if the name is repeated, as JSON readers do); `None` otherwise (such a
/// body is not judged by the rule).
pub fn descriptor_id_of(body: &str) -> Option<String> {
    let mut de = serde_json::Deserializer::from_str(body);
    de.deserialize_map(LastId).ok().flatten()
}

/// Reads an object's members, keeping the last `descriptor_id` string and
/// skipping every other value without building it.
struct LastId;

impl<'de> Visitor<'de> for LastId {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut id = None;
        while let Some(IsId(is_id)) = map.next_key()? {
            if is_id {
                id = match map.next_value::<serde_json::Value>()? {
                    serde_json::Value::String(s) => Some(s),
                    _ => None,
                };
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(id)
    }
}

/// Whether a member name is `descriptor_id` (compared where it stands:
/// no string is built for the other names).
struct IsId(bool);

impl<'de> de::Deserialize<'de> for IsId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Name;
        impl Visitor<'_> for Name {
            type Value = IsId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IsId, E> {
                Ok(IsId(v == ID_FIELD))
            }
        }
        d.deserialize_str(Name)
    }
}

/// A descriptor id a write refuses because a record already has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdTaken {
    /// 1-based place of the refused record in its batch.
    pub record: usize,
    /// The id.
    pub id: String,
    /// Which record has it.
    pub by: TakenBy,
}

/// The record that already has a descriptor id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakenBy {
    /// A record of the chain, at this line of `descriptors.jsonl`.
    Line(u64),
    /// An earlier record of the same batch (1-based).
    Batch(u64),
}

impl fmt::Display for IdTaken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "record {}: DUPLICATE_ID: descriptor_id {:?} is already ",
            self.record, self.id
        )?;
        match self.by {
            TakenBy::Line(line) => write!(
                f,
                "the id of descriptors.jsonl line {line} (record {})",
                line.saturating_sub(1)
            )?,
            TakenBy::Batch(n) => write!(f, "the id of record {n} of this batch")?,
        }
        f.write_str(
            "; a descriptor id names one record of a ledger (`iss audit` looks it up by id), so nothing was written",
        )
    }
}

/// The `DUPLICATE_ID` finding for the record at line `n` (byte `off`,
/// `seq`) whose `id` the record at line `first` already has.
pub fn duplicate(id: &str, first: u64, n: u64, off: u64, seq: u64) -> Finding {
    Finding::new(
        FindingKind::DuplicateId,
        format!(
            "descriptor_id {id:?} is already the id of the record at line {first}: each descriptor has its own id (a lookup by id, as `iss audit` makes, would find both)"
        ),
    )
    .at(n, off)
    .record(seq.to_string())
    .expected_found(
        "a descriptor_id no earlier record has",
        format!("{id} (first at line {first})"),
    )
    // The first record is implicated too: the lookup by id finds both.
    .related(LineRange {
        file: ID_CHAIN,
        first_line: first,
        last_line: first,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_the_last_string_member_of_that_name() {
        assert_eq!(
            descriptor_id_of(r#"{"a":[1,{"descriptor_id":"x"}],"descriptor_id":"0123"}"#),
            Some("0123".into())
        );
        assert_eq!(
            descriptor_id_of(r#"{"descriptor_id":"a","descriptor_id":"b"}"#),
            Some("b".into())
        );
        assert_eq!(
            descriptor_id_of(r#"{"descriptor_\u0069d":"esc\u0061ped"}"#),
            Some("escaped".into()),
            "names and values are compared as JSON strings, not as bytes"
        );
        assert_eq!(descriptor_id_of(r#"{"descriptor_id":7}"#), None);
        assert_eq!(descriptor_id_of(r#"{"type":"genesis"}"#), None);
        assert_eq!(descriptor_id_of("[1]"), None);
    }
}
