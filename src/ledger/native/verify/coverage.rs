//! What each native file's verification covers, and what it cannot.

use crate::ledger::model::report::Coverage;

/// The metadata file.
pub fn metadata() -> Coverage {
    Coverage {
        hash_chained: false,
        witnessed_by: Some("events"),
        summary: "bound by the genesis event's SHA-256 of its exact bytes",
        protected_fields: vec!["every byte"],
        unprotected_fields: vec![],
        checked: vec![
            "format",
            "origin",
            "chains",
            "verifier key names",
            "mac_key_id form",
        ],
        not_checked: vec![
            "whether the verifier keys are the ones the ledger's owner published: compare them out of band",
        ],
    }
}

/// What the `descriptors` chain is checked for beside [`chain`]'s checks.
pub const UNIQUE_IDS: &str = "no descriptor_id used twice";

/// A chain file.
pub fn chain(keyed: bool) -> Coverage {
    let mut checked = vec![
        "framing (byte for byte)",
        "seq",
        "prev link",
        "record hash over chain, seq, prev and the body's bytes",
        "Merkle root at every checkpoint size",
    ];
    if keyed {
        checked.push("MAC on every record (when the key is supplied)");
    }
    Coverage {
        hash_chained: true,
        witnessed_by: None,
        summary: "every byte: hash chain, Merkle tree, signed checkpoints",
        protected_fields: vec!["seq", "prev", "body (every byte)", "mac", "hash"],
        unprotected_fields: vec![],
        checked,
        not_checked: vec![
            "records after the newest signed checkpoint can be rewritten together with their hashes by someone with write access (see native.unsigned_records)",
            "whether the body's content is true: the format proves it was not changed, not that it was right",
        ],
    }
}

/// A chain file given without its ledger directory.
pub fn lone_chain() -> Coverage {
    Coverage {
        hash_chained: true,
        witnessed_by: None,
        summary: "this chain file alone: records and Merkle root, no signatures",
        protected_fields: vec!["seq", "prev", "body (every byte)", "mac", "hash"],
        unprotected_fields: vec![],
        checked: vec![
            "framing (byte for byte)",
            "seq",
            "prev link",
            "record hash",
            "MACs of the key given",
            "no descriptor_id used twice (descriptors)",
        ],
        not_checked: vec![
            "signed checkpoints, truncation below them and the metadata binding: only the chain file was given (verify the ledger folder for those)",
            "the whole file can be rewritten with recomputed hashes; only a signed checkpoint or a MAC key shows that",
        ],
    }
}

/// A checkpoint history file.
pub fn history() -> Coverage {
    Coverage {
        hash_chained: false,
        witnessed_by: Some("signatures"),
        summary: "each entry is a signed note checked against the chain",
        protected_fields: vec!["origin", "tree size", "root hash"],
        unprotected_fields: vec![],
        checked: vec![
            "Ed25519 signature by a key trusted for that size",
            "origin",
            "size not beyond the chain",
            "root equals the chain's Merkle root at that size",
            "sizes never decrease",
            "after a key rotation: the newest checkpoint is signed by the key in use and covers the rotation, and no retired key signs after its successor",
            "latest checkpoint file is the last entry",
        ],
        not_checked: vec![
            "deleting the newest entries of the history itself, unless a copy of a newer checkpoint exists elsewhere (publish checkpoints to witnesses)",
        ],
    }
}
