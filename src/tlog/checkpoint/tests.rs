//! Checkpoint format, signing and opening, including the shared vectors.

use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use sha2::{Digest, Sha256};

use super::{
    Checkpoint, CheckpointError, is_recommended_origin, open_checkpoint,
    open_checkpoint_with_signatures, sign_checkpoint,
};
use crate::tlog::note::test_vectors::{between, blocks, go_unquote, load, value};
use crate::tlog::note::{NoteError, Signer, Verifier};

const ROOT_B64: &str = "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=";

fn signer(name: &str) -> Signer {
    Signer::new(name, SigningKey::from_bytes(&[42; 32])).unwrap()
}

fn checkpoint(origin: &str, size: u64) -> Checkpoint {
    Checkpoint {
        origin: origin.to_owned(),
        size,
        root: [7; 32],
        extensions: Vec::new(),
    }
}

#[test]
fn parse_accepts_canonical_texts() {
    let cp = Checkpoint::parse(&format!("example.com/log\n0\n{ROOT_B64}\n")).unwrap();
    assert_eq!((cp.origin.as_str(), cp.size), ("example.com/log", 0));
    let text = format!("example.com/log\n18446744073709551615\n{ROOT_B64}\next one\next+two\n");
    let cp = Checkpoint::parse(&text).unwrap();
    assert_eq!(cp.size, u64::MAX);
    assert_eq!(cp.extensions, ["ext one", "ext+two"]);
    assert_eq!(cp.to_text(), text);
}

#[test]
fn parse_rejects_non_canonical_texts() {
    let cases: [(String, CheckpointError); 13] = [
        (String::new(), CheckpointError::MissingFinalNewline),
        ("\n".into(), CheckpointError::InvalidOrigin("empty")),
        (
            format!("\n1\n{ROOT_B64}\n"),
            CheckpointError::InvalidOrigin("empty"),
        ),
        ("o\n".into(), CheckpointError::MissingLine("tree size")),
        ("o\n1\n".into(), CheckpointError::MissingLine("root hash")),
        (
            format!("o\n1\n{ROOT_B64}"),
            CheckpointError::MissingFinalNewline,
        ),
        (
            format!("o\n01\n{ROOT_B64}\n"),
            CheckpointError::InvalidSize("leading zero"),
        ),
        (
            format!("o\n+1\n{ROOT_B64}\n"),
            CheckpointError::InvalidSize("not ASCII decimal digits"),
        ),
        (
            format!("o\n\n{ROOT_B64}\n"),
            CheckpointError::InvalidSize("empty"),
        ),
        (
            format!("o\n18446744073709551616\n{ROOT_B64}\n"),
            CheckpointError::InvalidSize("does not fit in 64 bits"),
        ),
        (
            "o\n1\nAAAA\n".into(),
            CheckpointError::InvalidRoot("not 32 bytes"),
        ),
        (
            format!("o\n1\n{ROOT_B64}\n\n"),
            CheckpointError::InvalidExtension {
                index: 1,
                reason: "empty",
            },
        ),
        (
            format!("o\n1\n{ROOT_B64}\r\n"),
            CheckpointError::ControlCharacter,
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(Checkpoint::parse(&text), Err(expected), "{text:?}");
    }
    // Unpadded, non-canonical trailing bits, URL-safe alphabet.
    for root in [
        ROOT_B64.trim_end_matches('='),
        "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb1=",
        &ROOT_B64.replace('+', "-"),
    ] {
        let result = Checkpoint::parse(&format!("o\n1\n{root}\n"));
        assert_eq!(
            result,
            Err(CheckpointError::InvalidRoot("not canonical padded base64")),
            "{root}"
        );
    }
}

#[test]
fn signing_refuses_what_it_should_not_write() {
    let s = signer("example.com/log");
    for origin in ["go.sum database tree", "a+b", "tab\there", ""] {
        assert!(
            matches!(
                sign_checkpoint(&checkpoint(origin, 1), &s),
                Err(CheckpointError::InvalidOrigin(_))
            ),
            "{origin:?}"
        );
    }
    let mut cp = checkpoint("example.com/log", 1);
    cp.extensions = vec!["two\nlines".into()];
    assert!(matches!(
        sign_checkpoint(&cp, &s),
        Err(CheckpointError::InvalidExtension { index: 1, .. })
    ));
    assert!(is_recommended_origin("example.com/ledger42"));
    assert!(!is_recommended_origin("example.com/\u{2003}x"));
}

#[test]
fn open_checks_signature_and_origin() {
    let s = signer("example.com/log");
    let cp = checkpoint("example.com/log", 99);
    let note = sign_checkpoint(&cp, &s).unwrap();
    assert_eq!(
        open_checkpoint(&note, &[s.verifier()], "example.com/log").unwrap(),
        cp
    );
    assert_eq!(
        open_checkpoint(&note, &[s.verifier()], "example.com/other"),
        Err(CheckpointError::OriginMismatch {
            expected: "example.com/other".into(),
            found: "example.com/log".into()
        })
    );
    let stranger = Signer::generate("example.com/log").unwrap().verifier();
    assert!(matches!(
        open_checkpoint(&note, &[stranger], "example.com/log"),
        Err(CheckpointError::Note(NoteError::Unverified { .. }))
    ));
    // A correctly signed note whose text is no checkpoint.
    let not_cp = crate::tlog::note::sign("hello\n", [&s]).unwrap();
    assert!(matches!(
        open_checkpoint(&not_cp, &[s.verifier()], "hello"),
        Err(CheckpointError::MissingLine(_))
    ));
}

#[test]
fn real_sumdb_checkpoint_verifies() {
    let Some(content) = load("checkpoint_sumdb_real.txt") else {
        return;
    };
    let verifier = Verifier::from_vkey(value(&content, "vkey").unwrap()).unwrap();
    let note = &blocks(&content)[0];
    let expect = content.lines().find(|l| l.starts_with("expect:")).unwrap();
    let origin = between(expect, "origin=\"", '"').unwrap();
    let size: u64 = between(expect, "size=", ',').unwrap().parse().unwrap();
    let root = hex::decode(between(expect, "root(hex)=", ' ').unwrap()).unwrap();

    let (cp, opened) =
        open_checkpoint_with_signatures(note, std::slice::from_ref(&verifier), origin).unwrap();
    assert_eq!(
        (cp.origin.as_str(), cp.size, &cp.root[..]),
        (origin, size, &root[..])
    );
    assert!(opened.is_verified_by("sum.golang.org"));
    assert_eq!(cp.to_text(), opened.text);
    assert!(matches!(
        open_checkpoint(note, &[verifier], "sum.golang.org"),
        Err(CheckpointError::OriginMismatch { .. })
    ));
}

#[test]
fn sunlight_checkpoints_open_with_witness_keys() {
    let Some(content) = load("cosignature_ed25519_sunlight.txt") else {
        return;
    };
    let notes = blocks(&content);
    for (note, key) in notes.iter().zip(["witness_vkey", "witness2_vkey"]) {
        let witness = Verifier::from_vkey(value(&content, key).unwrap()).unwrap();
        let origin = note.lines().next().unwrap();
        let (cp, opened) = open_checkpoint_with_signatures(note, &[witness], origin).unwrap();
        assert_eq!(cp.size, 300);
        assert_eq!(opened.verified[0].timestamp, Some(1_767_139_200));
    }
}

#[test]
fn go_tree_note_vectors() {
    let Some(content) = load("tree_note_go_sumdb_format.txt") else {
        return;
    };
    let text = go_unquote(value(&content, "tree_note (Go-escaped)").unwrap());
    let record_hash =
        hex::decode(value(&content, "record_hash(\"hello world\") hex").unwrap()).unwrap();
    assert_eq!(
        record_hash,
        Sha256::new()
            .chain_update([0])
            .chain_update("hello world")
            .finalize()[..]
    );

    let cp = Checkpoint::parse(&text).unwrap();
    assert_eq!(
        (cp.origin.as_str(), cp.size, &cp.root[..]),
        ("go.sum database tree", 123_456_789_012, &record_hash[..])
    );
    assert_eq!(cp.to_text(), text);

    let bad: Vec<String> = content
        .lines()
        .filter_map(|l| l.strip_prefix("bad (must fail ParseTree) = "))
        .map(go_unquote)
        .collect();
    assert_eq!(bad.len(), 2);
    assert!(matches!(
        Checkpoint::parse(&bad[0]),
        Err(CheckpointError::InvalidSize(_))
    ));
    assert!(matches!(
        Checkpoint::parse(&bad[1]),
        Err(CheckpointError::InvalidRoot(_))
    ));
}

fn checkpoints() -> impl Strategy<Value = Checkpoint> {
    (
        "[a-z0-9.]{1,12}(/[a-zA-Z0-9._-]{1,12}){0,2}",
        any::<u64>(),
        any::<[u8; 32]>(),
        prop::collection::vec("[^\\x00-\\x1f]{1,16}", 0..3),
    )
        .prop_map(|(origin, size, root, extensions)| Checkpoint {
            origin,
            size,
            root,
            extensions,
        })
}

proptest! {
    #[test]
    fn checkpoints_round_trip(cp in checkpoints()) {
        prop_assert_eq!(Checkpoint::parse(&cp.to_text()).unwrap(), cp.clone());
        let s = signer("example.com/log");
        let note = sign_checkpoint(&cp, &s).unwrap();
        prop_assert_eq!(open_checkpoint(&note, &[s.verifier()], &cp.origin).unwrap(), cp);
    }

    #[test]
    fn parse_never_panics(text in "\\PC{0,60}|[0-9a-zA-Z+/=\n ]{0,80}") {
        let _ = Checkpoint::parse(&text);
    }
}
