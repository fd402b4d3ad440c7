//! Verification of one native chain file (`docs/FORMAT.md` §4.3 and §6),
//! one line at a time: framing, `seq`, the link to the record before it,
//! the record hash, and the Merkle tree over the exact line bytes. As for
//! the legacy chains, a broken record is reported once: the next record is
//! judged against the hash the broken one stores.

use crate::ledger::finding::{Finding, FindingKind};
use crate::ledger::legacy::lines::LineHygiene;
use crate::ledger::native::merkle::{Hash, TreeBuilder};
use crate::ledger::native::record::{GENESIS_PREV, parse_fields, record_hash};
use crate::ledger::reader::{Content, Ending, RawLine};

/// Streaming verifier of a native chain file.
#[derive(Debug)]
pub struct NativeChainVerifier {
    chain: String,
    hygiene: LineHygiene,
    /// The `seq` the next record must carry.
    next_seq: u64,
    /// The `prev` the next record must carry, and the line it comes from.
    prev: String,
    prev_line: Option<u64>,
    tree: TreeBuilder,
}

impl NativeChainVerifier {
    /// A verifier for the chain named `chain` (`descriptors`, `pulses`, `events`).
    pub fn new(chain: &str) -> Self {
        NativeChainVerifier {
            chain: chain.to_owned(),
            hygiene: LineHygiene::default(),
            next_seq: 0,
            prev: GENESIS_PREV.to_owned(),
            prev_line: None,
            tree: TreeBuilder::new(),
        }
    }

    /// Records (complete lines) so far: the Merkle tree's size.
    pub fn records(&self) -> u64 {
        self.tree.size()
    }

    /// The Merkle root over the complete lines so far.
    pub fn root(&self) -> Hash {
        self.tree.root()
    }

    /// Verify one line.
    pub fn feed(&mut self, line: &RawLine<'_>, out: &mut Vec<Finding>) {
        let Some(lt) = self.hygiene.check(line, out) else {
            return;
        };
        if lt.torn {
            // Not a record until it is complete: not a leaf either.
            return;
        }
        // Every complete line is a leaf, exactly as it stands in the file.
        if let Content::Bytes(bytes) = line.content {
            let mut leaf = bytes.to_vec();
            if line.ending == Ending::CrLf {
                leaf.push(b'\r');
            }
            self.tree.push(&leaf);
        }
        let (n, off) = (line.number, line.offset);
        let (r, canonical) = match parse_fields(lt.text) {
            Ok(parsed) => parsed,
            Err(e) => {
                out.push(Finding::new(FindingKind::ParseError, e.to_string()).at(n, off));
                self.next_seq += 1;
                return;
            }
        };
        if let Some(expected) = canonical {
            out.push(
                Finding::new(
                    FindingKind::NonCanonical,
                    "bytes outside the hashed parts differ from the one allowed framing",
                )
                .at(n, off)
                .expected_found(expected, lt.text),
            );
        }
        if r.seq != self.next_seq {
            out.push(
                Finding::new(
                    FindingKind::ChainBreak,
                    "seq is not the number of records before this one: records were deleted, inserted or reordered",
                )
                .at(n, off)
                .expected_found(self.next_seq.to_string(), r.seq.to_string()),
            );
        }
        if r.prev != self.prev {
            let detail = match self.prev_line {
                None => "the first record does not start from the genesis value".to_owned(),
                Some(l) => format!("prev does not match the hash of the record at line {l}"),
            };
            out.push(
                Finding::new(FindingKind::ChainBreak, detail)
                    .at(n, off)
                    .expected_found(self.prev.clone(), r.prev),
            );
        }
        if !r.hash_ok(&self.chain) {
            out.push(
                Finding::new(
                    FindingKind::HashMismatch,
                    "hash does not match the record's chain, seq, prev and body",
                )
                .at(n, off)
                .expected_found(record_hash(&self.chain, r.seq, r.prev, r.body), r.hash),
            );
        }
        // Re-anchor on what the record says, so one edit is one finding.
        self.next_seq = r.seq.saturating_add(1);
        r.hash.clone_into(&mut self.prev);
        self.prev_line = Some(n);
    }

    /// Call once after the last line.
    pub fn finish(&self, out: &mut [Finding]) {
        self.hygiene.finish(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::native::merkle::{leaf_hash, root_of};
    use crate::ledger::native::record::build_line;
    use crate::ledger::reader::LineReader;

    fn chain(n: u64) -> Vec<String> {
        let mut prev = GENESIS_PREV.to_owned();
        (0..n)
            .map(|seq| {
                let (line, hash) = build_line(
                    "events",
                    seq,
                    &prev,
                    &serde_json::json!({"type": "binding", "n": seq}),
                )
                .unwrap();
                prev = hash;
                line
            })
            .collect()
    }

    fn verify(lines: &[String]) -> (Vec<(String, Option<u64>)>, NativeChainVerifier) {
        let text: String = lines.iter().flat_map(|l| [l.as_str(), "\n"]).collect();
        let mut v = NativeChainVerifier::new("events");
        let mut out = Vec::new();
        let mut r = LineReader::new(text.as_bytes());
        while let Some(line) = r.next_line().unwrap() {
            v.feed(&line, &mut out);
        }
        v.finish(&mut out);
        (
            out.iter()
                .map(|f| (f.kind.name().to_owned(), f.line))
                .collect(),
            v,
        )
    }

    #[test]
    fn a_genuine_chain_verifies_and_its_root_covers_the_line_bytes() {
        let lines = chain(20);
        let (found, v) = verify(&lines);
        assert!(found.is_empty(), "{found:?}");
        let leaves: Vec<Hash> = lines.iter().map(|l| leaf_hash(l.as_bytes())).collect();
        assert_eq!((v.records(), v.root()), (20, root_of(&leaves)));
    }

    #[test]
    fn each_tamper_is_reported_at_its_line() {
        let spot = |k: &str, l: u64| (k.to_owned(), Some(l));
        let mut edited = chain(10);
        edited[4] = edited[4].replace("\"n\":4", "\"n\":5");
        assert_eq!(verify(&edited).0, vec![spot("HASH_MISMATCH", 5)]);

        let mut deleted = chain(10);
        deleted.remove(4);
        assert_eq!(
            verify(&deleted).0,
            vec![spot("CHAIN_BREAK", 5), spot("CHAIN_BREAK", 5)]
        );

        let mut swapped = chain(10);
        swapped.swap(3, 4);
        let kinds: Vec<_> = verify(&swapped).0.into_iter().map(|(k, _)| k).collect();
        assert!(kinds.iter().all(|k| k == "CHAIN_BREAK") && !kinds.is_empty());

        let mut spaced = chain(10);
        spaced[2] = spaced[2].replacen("{\"seq\"", "{ \"seq\"", 1);
        assert_eq!(verify(&spaced).0, vec![spot("NON_CANONICAL", 3)]);
    }
}
