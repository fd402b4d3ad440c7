use super::*;
use crate::tlog::checkpoint::sign_checkpoint;
use crate::tlog::merkle::{consistency_proof, leaf_hash, root_of};
use crate::tlog::note::Signer;
use ed25519_dalek::SigningKey;

const ORIGIN: &str = "example.com/log";

fn log_key() -> Signer {
    Signer::new(ORIGIN, SigningKey::from_bytes(&[3; 32])).unwrap()
}

fn leaves(n: u64, tag: &str) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(format!("{tag}{i}").as_bytes()))
        .collect()
}

fn note(leaves: &[Hash], signer: &Signer) -> String {
    let cp = Checkpoint {
        origin: ORIGIN.into(),
        size: leaves.len() as u64,
        root: root_of(leaves),
        extensions: Vec::new(),
    };
    sign_checkpoint(&cp, signer).unwrap()
}

fn log() -> WitnessedLog {
    WitnessedLog {
        origin: ORIGIN.into(),
        keys: vec![log_key().verifier()],
    }
}

fn head(leaves: &[Hash]) -> TreeHead {
    TreeHead {
        size: leaves.len() as u64,
        root: root_of(leaves),
    }
}

#[test]
fn body_round_trips_and_rejects_malformed() {
    let l = leaves(5, "a");
    let req = AddCheckpoint {
        old_size: 3,
        proof: consistency_proof(&l, 3).unwrap(),
        note: note(&l, &log_key()),
    };
    let body = req.to_body();
    assert!(body.starts_with("old 3\n"));
    assert_eq!(AddCheckpoint::parse(body.as_bytes()).unwrap(), req);
    for bad in [
        "old 03\n\nx",
        "old -1\n\nx",
        "new 3\n\nx",
        "old 3\nnot-base64\n\nx",
        "old 3\n",
    ] {
        assert!(AddCheckpoint::parse(bad.as_bytes()).is_err(), "{bad:?}");
    }
    let many = format!(
        "old 1\n{}\nx",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n".repeat(64)
    );
    assert!(
        AddCheckpoint::parse(many.as_bytes())
            .unwrap_err()
            .contains("63")
    );
}

#[test]
fn first_checkpoint_then_consistent_growth_is_accepted() {
    let l = leaves(8, "a");
    let first = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        note: note(&l[..3], &log_key()),
    };
    let cp = decide(&first, &log(), None).unwrap();
    assert_eq!(cp.size, 3);
    let next = AddCheckpoint {
        old_size: 3,
        proof: consistency_proof(&l, 3).unwrap(),
        note: note(&l, &log_key()),
    };
    assert_eq!(decide(&next, &log(), Some(head(&l[..3]))).unwrap().size, 8);
    // The same checkpoint again (old size = size): roots equal, accepted.
    let same = AddCheckpoint {
        old_size: 8,
        proof: vec![],
        note: note(&l, &log_key()),
    };
    assert!(decide(&same, &log(), Some(head(&l))).is_ok());
}

#[test]
fn stale_old_size_is_a_conflict_naming_the_witness_size() {
    let l = leaves(8, "a");
    let req = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        note: note(&l, &log_key()),
    };
    let refusal = decide(&req, &log(), Some(head(&l[..5]))).unwrap_err();
    assert_eq!(refusal, Refusal::Conflict(5));
    assert_eq!(refusal.status(), 409);
    assert_eq!(refusal.body(), "5\n");
    assert_eq!(parse_size_body(&refusal.body()), Some(5));
}

#[test]
fn fork_and_rollback_are_refused() {
    let honest = leaves(8, "a");
    let forked = leaves(8, "b");
    // Same size, another root.
    let fork = AddCheckpoint {
        old_size: 8,
        proof: vec![],
        note: note(&forked, &log_key()),
    };
    assert_eq!(
        decide(&fork, &log(), Some(head(&honest)))
            .unwrap_err()
            .status(),
        422
    );
    // Larger, but not an extension of what the witness holds.
    let mut longer = forked.clone();
    longer.extend(leaves(2, "c"));
    let req = AddCheckpoint {
        old_size: 8,
        proof: consistency_proof(&longer, 8).unwrap(),
        note: note(&longer, &log_key()),
    };
    assert_eq!(
        decide(&req, &log(), Some(head(&honest)))
            .unwrap_err()
            .status(),
        422
    );
    // Smaller than the witness's size: old size must be the witness's size,
    // which is above the checkpoint: 400.
    let smaller = AddCheckpoint {
        old_size: 8,
        proof: vec![],
        note: note(&honest[..5], &log_key()),
    };
    assert_eq!(
        decide(&smaller, &log(), Some(head(&honest)))
            .unwrap_err()
            .status(),
        400
    );
    let smaller = AddCheckpoint {
        old_size: 5,
        proof: vec![],
        note: note(&honest[..5], &log_key()),
    };
    assert_eq!(
        decide(&smaller, &log(), Some(head(&honest))).unwrap_err(),
        Refusal::Conflict(8)
    );
}

#[test]
fn unknown_or_bad_signatures_are_forbidden() {
    let l = leaves(3, "a");
    let other = Signer::new(ORIGIN, SigningKey::from_bytes(&[4; 32])).unwrap();
    let req = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        note: note(&l, &other),
    };
    assert_eq!(decide(&req, &log(), None).unwrap_err().status(), 403);
    // A trusted key's signature that fails to verify: 403 as well.
    let good = note(&l, &log_key());
    let tampered = good.replace(
        &STANDARD.encode(root_of(&l)),
        &STANDARD.encode(root_of(&l[..2])),
    );
    let req = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        note: tampered,
    };
    assert_eq!(decide(&req, &log(), None).unwrap_err().status(), 403);
}

#[test]
fn proof_with_old_size_zero_and_bad_empty_root_are_unprocessable() {
    let l = leaves(4, "a");
    let req = AddCheckpoint {
        old_size: 0,
        proof: vec![[0; 32]],
        note: note(&l, &log_key()),
    };
    assert_eq!(decide(&req, &log(), None).unwrap_err().status(), 422);
    let empty_bad = Checkpoint {
        origin: ORIGIN.into(),
        size: 0,
        root: [1; 32],
        extensions: vec![],
    };
    let req = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        note: sign_checkpoint(&empty_bad, &log_key()).unwrap(),
    };
    assert_eq!(decide(&req, &log(), None).unwrap_err().status(), 422);
}

#[test]
fn claimed_origin_is_the_first_line() {
    assert_eq!(
        claimed_origin(&note(&leaves(1, "a"), &log_key())),
        Some(ORIGIN)
    );
}
