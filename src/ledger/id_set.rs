//! Record ids seen so far in a chain, each with the line it was first seen
//! on: the `DUPLICATE_ID` check of the legacy SPICE chain and of the native
//! `descriptors` chain, and what a writer consults to refuse an id that is
//! already taken.
//!
//! Memory is what matters on a million records, so ids are kept exactly but
//! compactly: an id of 16 lower-case hex digits (every id the workstation
//! and the legacy service generate, and the only form the descriptor schema
//! accepts) is the `u64` it spells, so an entry is 16 bytes plus the table's
//! control byte: at 10^6 ids the table has 2^21 slots, about 36 MB (18 MB
//! below 917,504 ids). Any other id (written by other software) is kept as a
//! string, about 60 bytes more. Nothing is fingerprinted, so a verdict never
//! rests on two different ids hashing alike.
//!
//! A clone is cheap (a writer clones its verifier to build a batch on): the
//! ids are shared behind an [`Arc`], and what a clone adds goes to a small
//! map of its own until [`IdSet::settle`] folds it in.

use std::collections::HashMap;
use std::sync::Arc;

/// A seeded hasher: fast on u64 keys, and unpredictable to a ledger crafted
/// to collide ids in the table.
type IdHasher = foldhash::fast::RandomState;

/// The ids of one table: numeric and string ids, each with its first line.
#[derive(Debug, Clone, Default)]
struct Ids {
    hex: HashMap<u64, u64, IdHasher>,
    other: HashMap<String, u64, IdHasher>,
}

impl Ids {
    fn get(&self, id: &str, key: Option<u64>) -> Option<u64> {
        match key {
            Some(k) => self.hex.get(&k).copied(),
            None => self.other.get(id).copied(),
        }
    }

    fn put(&mut self, id: &str, key: Option<u64>, line: u64) {
        match key {
            Some(k) => {
                self.hex.insert(k, line);
            }
            None => {
                self.other.insert(id.to_owned(), line);
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.hex.is_empty() && self.other.is_empty()
    }

    fn len(&self) -> usize {
        self.hex.len() + self.other.len()
    }
}

/// Ids seen so far, with the line each was first seen on.
#[derive(Debug, Clone, Default)]
pub struct IdSet {
    /// Shared with clones; written only while no clone holds it.
    shared: Arc<Ids>,
    /// Ids added while `shared` was shared.
    own: Ids,
}

impl IdSet {
    /// Room for about `n` ids, so the table does not rehash while it grows.
    pub fn with_capacity(n: usize) -> Self {
        IdSet {
            shared: Arc::new(Ids {
                hex: HashMap::with_capacity_and_hasher(n, IdHasher::default()),
                other: HashMap::default(),
            }),
            own: Ids::default(),
        }
    }

    /// The line `id` was first seen on, if it was seen. `key` is
    /// [`id_key`]`(id)` (computed by the caller, often on a worker thread).
    pub fn first_line(&self, id: &str, key: Option<u64>) -> Option<u64> {
        self.shared.get(id, key).or_else(|| self.own.get(id, key))
    }

    /// Record `id` (with `key` = [`id_key`]`(id)`) as seen on `line`;
    /// return the line it was first seen on if it is a repeat (which is
    /// not recorded again).
    pub fn insert(&mut self, id: &str, key: Option<u64>, line: u64) -> Option<u64> {
        if let Some(first) = self.first_line(id, key) {
            return Some(first);
        }
        match Arc::get_mut(&mut self.shared) {
            Some(mine) => mine.put(id, key, line),
            None => self.own.put(id, key, line),
        }
        None
    }

    /// Fold the ids this set added while shared into the shared table, if
    /// no clone holds it any more (a writer, after keeping its trial copy).
    pub fn settle(&mut self) {
        if self.own.is_empty() {
            return;
        }
        if let Some(mine) = Arc::get_mut(&mut self.shared) {
            let own = std::mem::take(&mut self.own);
            mine.hex.extend(own.hex);
            mine.other.extend(own.other);
        }
    }

    /// How many distinct ids were seen.
    pub fn len(&self) -> usize {
        self.shared.len() + self.own.len()
    }

    /// Whether no id was seen.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A legacy-form id (16 lower-case hex digits) as the number it spells;
/// `None` for any other id (kept as a string).
pub fn id_key(id: &str) -> Option<u64> {
    (id.len() == 16 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| u64::from_str_radix(id, 16).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(s: &mut IdSet, id: &str, line: u64) -> Option<u64> {
        s.insert(id, id_key(id), line)
    }

    #[test]
    fn repeats_name_the_first_line_for_both_forms_of_id() {
        let mut s = IdSet::with_capacity(4);
        assert_eq!(add(&mut s, "0123456789abcdef", 1), None);
        assert_eq!(add(&mut s, "custom-id", 2), None);
        assert_eq!(add(&mut s, "0123456789ABCDEF", 3), None, "another id");
        assert_eq!(add(&mut s, "0123456789abcdef", 4), Some(1));
        assert_eq!(add(&mut s, "custom-id", 5), Some(2));
        assert_eq!(add(&mut s, "custom-id", 6), Some(2), "the first line stays");
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn a_clone_adds_on_its_own_and_the_original_does_not_see_it() {
        let mut base = IdSet::default();
        add(&mut base, "00000000000000aa", 1);
        let mut trial = base.clone();
        assert_eq!(add(&mut trial, "00000000000000bb", 2), None);
        assert_eq!(add(&mut trial, "00000000000000bb", 3), Some(2));
        assert_eq!(add(&mut trial, "00000000000000aa", 3), Some(1));
        assert_eq!(
            base.first_line("00000000000000bb", id_key("00000000000000bb")),
            None
        );
        // The trial is kept (the original dropped): its additions fold in.
        drop(base);
        trial.settle();
        assert!(trial.own.is_empty());
        assert_eq!(
            trial.first_line("00000000000000bb", id_key("00000000000000bb")),
            Some(2)
        );
        assert_eq!(trial.len(), 2);
    }

    #[test]
    fn only_the_exact_legacy_form_is_a_number() {
        assert_eq!(id_key("00000000000000ff"), Some(255));
        assert_eq!(id_key("00000000000000FF"), None);
        assert_eq!(id_key("0000000000000ff"), None);
        assert_eq!(id_key("+000000000000ff0"), None);
    }
}
