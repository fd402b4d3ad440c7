//! Duplicate pulse ids, kept compactly: a genuine id is 32 hex digits, so
//! it is stored as a `u128`: 32 bytes per id with its first sighting, about
//! 40 with the hash table's overhead.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::{PulseTimes, finding, shown};
use crate::ledger::model::finding::{Finding, FindingKind};

/// Where a pulse id was first seen, and a 64-bit fingerprint of that line
/// (a false "identical" needs a 2^-64 chance, not worth 24 more bytes per id).
#[derive(Debug, Clone, Copy)]
pub(super) struct FirstSeen {
    line: u64,
    fingerprint: u64,
}

/// Every pulse id seen so far, with its first sighting.
#[derive(Debug, Clone, Default)]
pub(super) struct SeenIds {
    hex: HashMap<u128, FirstSeen, IdHasher>,
    other: HashMap<Box<str>, FirstSeen, IdHasher>,
}

/// Seeded per run: fast on integer keys, and a crafted ledger cannot aim
/// collisions at it.
type IdHasher = foldhash::fast::RandomState;

impl SeenIds {
    /// Room for about `n` ids: sizing once avoids holding the old and the
    /// new table together while a large one grows.
    pub(super) fn reserve(&mut self, n: usize) {
        self.hex.reserve(n);
    }

    /// Where `id` was first seen, or `None` after recording `seen` as its
    /// first sighting.
    fn first_sighting(&mut self, id: &str, seen: FirstSeen) -> Option<FirstSeen> {
        match hex_id(id) {
            Some(key) => first_or_insert(self.hex.entry(key), seen),
            None => first_or_insert(self.other.entry(id.into()), seen),
        }
    }
}

/// `DUPLICATE_PULSE`. Returns whether the pulse is a verbatim replay.
pub(super) fn check(seen_ids: &mut SeenIds, p: &PulseTimes<'_>, out: &mut Vec<Finding>) -> bool {
    let seen = FirstSeen {
        line: p.line,
        fingerprint: p.payload_fingerprint,
    };
    let Some(first) = seen_ids.first_sighting(p.pulse_id, seen) else {
        return false;
    };
    let replay = first.fingerprint == seen.fingerprint;
    let (found, detail) = if replay {
        (
            format!(
                "the same pulse as line {}, byte for byte (a replay)",
                first.line
            ),
            format!(
                "This line repeats line {} verbatim: a replayed or copied pulse; remove it \
                 or find who appended it (its other checks are skipped).",
                first.line
            ),
        )
    } else {
        (
            format!("the id of line {}, with a different payload", first.line),
            format!(
                "This pulse reuses the id of line {} with different content: fields were \
                 edited without recomputing the id, or a pulse was forged; the hash checks \
                 say which fields.",
                first.line
            ),
        )
    };
    out.push(
        finding(p, FindingKind::DuplicatePulse, detail).expected_found(
            format!("pulse_id {} not seen before", shown(p.pulse_id)),
            found,
        ),
    );
    replay
}

/// The first sighting stored in `entry`, inserting `seen` if there is none.
fn first_or_insert<K>(entry: Entry<'_, K, FirstSeen>, seen: FirstSeen) -> Option<FirstSeen> {
    match entry {
        Entry::Occupied(o) => Some(*o.get()),
        Entry::Vacant(v) => {
            v.insert(seen);
            None
        }
    }
}

/// A genuine pulse id (exactly 32 lower-case hex digits) as a number.
/// Checked by hand: `u128::from_str_radix` also takes `+` and upper case,
/// which would merge distinct ids.
pub(super) fn hex_id(id: &str) -> Option<u128> {
    let lower_hex = |b: &u8| b.is_ascii_digit() || (b'a'..=b'f').contains(b);
    if id.len() == 32 && id.as_bytes().iter().all(lower_hex) {
        u128::from_str_radix(id, 16).ok()
    } else {
        None
    }
}
