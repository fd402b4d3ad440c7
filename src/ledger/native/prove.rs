//! Inclusion and consistency proofs for native chains (RFC 9162 §2.1.3-4),
//! against the newest signed checkpoint, and their verification.
//!
//! A proof document carries everything a third party needs besides the
//! verifier key: the record line (for inclusion), the signed checkpoint
//! note(s), and the audit path. [`check_proof`] verifies one against a
//! ledger's trusted keys.

use crate::ledger::io::reader::{Content, Ending, LineReader};
use crate::ledger::native::format::meta::{Chain, ChainPaths};
use crate::ledger::native::verify::{NativeOptions, verify_native};
use crate::tlog::checkpoint::open_checkpoint;
use crate::tlog::merkle::{
    Hash, consistency_proof, inclusion_proof, leaf_hash, verify_consistency_bytes,
    verify_inclusion_bytes,
};
use crate::tlog::note::Verifier;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A proof document, as `iss prove --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Proof {
    /// Record `index` is leaf `index` of the signed tree.
    Inclusion {
        /// The chain.
        chain: String,
        /// 0-based leaf index (= the record's `seq`).
        index: u64,
        /// The record line (the leaf's exact bytes).
        leaf: String,
        /// `SHA-256(0x00 || leaf)`, hex.
        leaf_hash: String,
        /// The signed tree's size.
        tree_size: u64,
        /// Its root, hex.
        root: String,
        /// The signed checkpoint note.
        checkpoint: String,
        /// The audit path, bottom-up, hex.
        proof: Vec<String>,
    },
    /// The tree of `old_size` is a prefix of the signed tree.
    Consistency {
        /// The chain.
        chain: String,
        /// The older tree's size.
        old_size: u64,
        /// Its root, hex.
        old_root: String,
        /// The older signed checkpoint, when the history has one of that size.
        old_checkpoint: Option<String>,
        /// The newer (signed) tree's size.
        tree_size: u64,
        /// Its root, hex.
        root: String,
        /// The newer signed checkpoint note.
        checkpoint: String,
        /// The consistency proof, hex.
        proof: Vec<String>,
    },
}

/// Leaf hashes of the first `size` lines of a chain file, and the text of
/// line `want` (0-based) when asked.
pub fn chain_leaves(
    path: &Path,
    size: u64,
    want: Option<u64>,
) -> Result<(Vec<Hash>, Option<String>), String> {
    let f =
        crate::ledger::input::open_regular(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut r = LineReader::new(f);
    let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    let mut text = None;
    while (out.len() as u64) < size {
        let Some(line) = r
            .next_line()
            .map_err(|e| format!("{}: {e}", path.display()))?
        else {
            break;
        };
        let (Content::Bytes(b), Ending::Lf) = (line.content, line.ending) else {
            return Err(format!(
                "{} line {}: not a complete line; run `iss verify`",
                path.display(),
                line.number
            ));
        };
        if want == Some(out.len() as u64) {
            text = Some(String::from_utf8_lossy(b).into_owned());
        }
        out.push(leaf_hash(b));
    }
    if (out.len() as u64) < size {
        return Err(format!(
            "{} has {} lines, fewer than the checkpoint's {size}",
            path.display(),
            out.len()
        ));
    }
    Ok((out, text))
}

/// The newest verified checkpoint of `chain`, or why there is none; and
/// what to do when it does not cover what was asked (a ledger that does
/// not verify may hold newer checkpoints that do not count).
fn latest(
    dir: &Path,
    chain: Chain,
) -> Result<
    (
        crate::ledger::native::verify::LatestCheckpoint,
        &'static str,
    ),
    String,
> {
    let v = verify_native(dir, &NativeOptions::default());
    let hint = if v.violated() {
        "the ledger does not verify, so a newer checkpoint may not count; run `iss verify`"
    } else {
        "run `iss checkpoint` first"
    };
    v.chains
        .into_iter()
        .find(|c| c.chain == chain)
        .and_then(|c| c.latest_verified)
        .map(|cp| (cp, hint))
        .ok_or_else(|| format!("{chain} has no verified signed checkpoint; run `iss verify`"))
}

/// An inclusion proof of record `index` of `chain` in its newest checkpoint.
pub fn prove_inclusion(dir: &Path, chain: Chain, index: u64) -> Result<Proof, String> {
    let (cp, hint) = latest(dir, chain)?;
    if index >= cp.size {
        return Err(format!(
            "record {index} is not covered by the newest checkpoint of {chain} that verifies (size {}); {hint}",
            cp.size
        ));
    }
    let (hashes, leaf) = chain_leaves(&ChainPaths::new(dir, chain).file, cp.size, Some(index))?;
    let path = inclusion_proof(&hashes, index).map_err(|e| e.to_string())?;
    Ok(Proof::Inclusion {
        chain: chain.name().to_owned(),
        index,
        leaf: leaf.unwrap_or_default(),
        leaf_hash: hex::encode(hashes[index as usize]),
        tree_size: cp.size,
        root: hex::encode(cp.root),
        checkpoint: cp.note,
        proof: path.iter().map(hex::encode).collect(),
    })
}

/// A consistency proof from the tree of `old_size` to the newest checkpoint.
pub fn prove_consistency(dir: &Path, chain: Chain, old_size: u64) -> Result<Proof, String> {
    let (cp, hint) = latest(dir, chain)?;
    if old_size == 0 || old_size > cp.size {
        return Err(format!(
            "--from must be between 1 and the size of the newest checkpoint that verifies, {}{}",
            cp.size,
            if old_size > cp.size {
                format!("; {hint}")
            } else {
                String::new()
            }
        ));
    }
    let paths = ChainPaths::new(dir, chain);
    let (hashes, _) = chain_leaves(&paths.file, cp.size, None)?;
    let proof = consistency_proof(&hashes, old_size).map_err(|e| e.to_string())?;
    let old_root = crate::tlog::merkle::root_of(&hashes[..old_size as usize]);
    let old_checkpoint = crate::ledger::input::read_regular(&paths.history)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| {
            t.lines()
                .filter_map(|l| {
                    serde_json::from_str::<crate::ledger::native::format::history::HistoryLine>(l)
                        .ok()
                })
                .find(|h| h.size == old_size)
                .map(|h| h.note)
        });
    Ok(Proof::Consistency {
        chain: chain.name().to_owned(),
        old_size,
        old_root: hex::encode(old_root),
        old_checkpoint,
        tree_size: cp.size,
        root: hex::encode(cp.root),
        checkpoint: cp.note,
        proof: proof.iter().map(hex::encode).collect(),
    })
}

/// The result of checking one proof.
#[derive(Debug, Clone, Serialize)]
pub struct ProofCheck {
    /// Whether every check passed.
    pub valid: bool,
    /// What was established, or what failed.
    pub detail: String,
}

fn unhex(s: &str, what: &str) -> Result<Vec<u8>, String> {
    hex::decode(s).map_err(|_| format!("{what} is not hex"))
}

/// Check a proof document against the keys the ledger in `dir` trusts.
pub fn check_proof(dir: &Path, proof: &Proof) -> ProofCheck {
    check_proof_with(dir, proof, None)
}

/// [`check_proof`], trusting only the `pinned` keys when given (`--vkey`).
pub fn check_proof_with(dir: &Path, proof: &Proof, pinned: Option<&[Verifier]>) -> ProofCheck {
    match check(dir, proof, pinned) {
        Ok(detail) => ProofCheck {
            valid: true,
            detail,
        },
        Err(detail) => ProofCheck {
            valid: false,
            detail,
        },
    }
}

fn check(dir: &Path, proof: &Proof, pinned: Option<&[Verifier]>) -> Result<String, String> {
    let v = verify_native(dir, &NativeOptions::default());
    let (Some(meta), Some(ring)) = (v.meta, v.keyring) else {
        return Err("the ledger's metadata cannot be read: no trusted key".into());
    };
    // With --vkey only the pinned keys open a proof's checkpoints.
    let keys = pinned.map_or_else(|| ring.verifiers(), <[Verifier]>::to_vec);
    let open = |chain: &str, note: &str| {
        let c = Chain::from_name(chain).ok_or_else(|| format!("unknown chain {chain:?}"))?;
        open_checkpoint(note, &keys, &meta.chain_origin(c)).map_err(|e| {
            let whose = if pinned.is_some() {
                "the keys given with --vkey"
            } else {
                "the ledger's keys"
            };
            format!("the checkpoint does not verify with {whose}: {e}")
        })
    };
    match proof {
        Proof::Inclusion {
            chain,
            index,
            leaf,
            leaf_hash: lh,
            tree_size,
            root,
            checkpoint,
            proof,
        } => {
            let cp = open(chain, checkpoint)?;
            if cp.size != *tree_size || hex::encode(cp.root) != *root {
                return Err("tree_size/root differ from the signed checkpoint".into());
            }
            if hex::encode(leaf_hash(leaf.as_bytes())) != *lh {
                return Err("leaf_hash is not the hash of the leaf line".into());
            }
            let path = proof
                .iter()
                .map(|p| unhex(p, "a proof element"))
                .collect::<Result<Vec<_>, _>>()?;
            verify_inclusion_bytes(&unhex(lh, "leaf_hash")?, *index, cp.size, &path, &cp.root)
                .map_err(|e| format!("the audit path does not lead to the signed root: {e}"))?;
            Ok(format!(
                "record {index} of {chain} is leaf {index} of the tree of size {} signed in the checkpoint",
                cp.size
            ))
        }
        Proof::Consistency {
            chain,
            old_size,
            old_root,
            old_checkpoint,
            tree_size,
            root,
            checkpoint,
            proof,
        } => {
            let cp = open(chain, checkpoint)?;
            if cp.size != *tree_size || hex::encode(cp.root) != *root {
                return Err("tree_size/root differ from the signed checkpoint".into());
            }
            let mut signed_old = "";
            if let Some(note) = old_checkpoint {
                let old = open(chain, note)?;
                if old.size != *old_size || hex::encode(old.root) != *old_root {
                    return Err("old_size/old_root differ from the old signed checkpoint".into());
                }
                signed_old = "signed ";
            }
            let path = proof
                .iter()
                .map(|p| unhex(p, "a proof element"))
                .collect::<Result<Vec<_>, _>>()?;
            verify_consistency_bytes(
                *old_size,
                cp.size,
                &path,
                &unhex(old_root, "old_root")?,
                &cp.root,
            )
            .map_err(|e| format!("the consistency proof fails: {e}"))?;
            Ok(format!(
                "the {signed_old}tree of size {old_size} is a prefix of the signed tree of size {}: nothing in between was changed or removed",
                cp.size
            ))
        }
    }
}
