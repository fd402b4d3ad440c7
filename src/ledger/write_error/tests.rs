//! The one write error says exactly what the two error types it replaced
//! (`LegacyAppendError`, `NativeWriteError`) said, and its typed reasons
//! exactly what their `String` payloads said.

use super::{Refusing, WriteError};
use crate::ledger::legacy::verify::coverage;
use crate::ledger::legacy::write::append::NotAppendable;
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::ledger::model::report::FileReport;
use crate::ledger::native::format::meta::MetadataProblem;
use crate::ledger::native::write::{InvalidRecord, KeyError, Unverifiable};

fn violations(n: usize) -> Vec<(String, Finding)> {
    (0..n)
        .map(|_| {
            (
                "spice_chain".to_owned(),
                Finding::new(FindingKind::HashMismatch, "x"),
            )
        })
        .collect()
}

#[test]
fn a_ledger_that_does_not_verify_is_refused_in_each_format_s_words() {
    let legacy = WriteError::Violated {
        refusing: Refusing::Append,
        violations: violations(2),
    };
    assert_eq!(
        legacy.to_string(),
        "refusing to append: the ledger does not verify (2 violation(s)); run `iss verify` for details"
    );
    let native = WriteError::Violated {
        refusing: Refusing::Write,
        violations: violations(1),
    };
    assert_eq!(
        native.to_string(),
        "refusing to write: the ledger does not verify (1 violation(s)); run `iss verify` for details"
    );
}

#[test]
fn an_unreadable_file_is_refused_with_the_verifier_s_located_reason() {
    let mut report = FileReport::new(
        "spice_chain",
        "/l/spice_chain.jsonl".into(),
        coverage::spice_chain(true),
    );
    report.unreadable(
        "/l/spice_chain.jsonl: line 7: read error".to_owned(),
        "Input/output error",
        Some((7, 300)),
    );
    let legacy = WriteError::NotAppendable(NotAppendable::Unreadable(Box::new(report.clone())));
    assert_eq!(
        legacy.to_string(),
        "/l/spice_chain.jsonl: line 7: read error"
    );
    let native = WriteError::Unverifiable(Unverifiable::Unreadable(Box::new(report)));
    assert_eq!(
        native.to_string(),
        "refusing to write: /l/spice_chain.jsonl: line 7: read error"
    );
}

#[test]
fn typed_metadata_and_key_reasons_keep_their_messages() {
    let meta = |p| WriteError::InvalidRecord(InvalidRecord::Metadata(p)).to_string();
    assert_eq!(
        meta(MetadataProblem::Format("x".into())),
        "refusing to write: format is \"x\", expected \"iss-native-v1\""
    );
    assert_eq!(
        meta(MetadataProblem::Origin("a b".into())),
        "refusing to write: origin \"a b\" must be non-empty, without whitespace or '+'"
    );
    assert_eq!(
        meta(MetadataProblem::Chains(vec!["pulses".into()])),
        "refusing to write: chains are [\"pulses\"], expected [\"descriptors\", \"pulses\", \"events\"]"
    );
    assert_eq!(
        meta(MetadataProblem::NoVerifierKey),
        "refusing to write: no verifier key"
    );
    assert_eq!(
        meta(MetadataProblem::KeyName {
            vkey: "k".into(),
            name: "a".into(),
            origin: "b".into()
        }),
        "refusing to write: verifier key \"k\" is named \"a\", expected the origin \"b\""
    );
    assert_eq!(
        meta(MetadataProblem::MacKeyId("XY".into())),
        "refusing to write: mac_key_id \"XY\" is not 8 lower-case hex characters"
    );
    let random = getrandom::Error::UNSUPPORTED;
    assert_eq!(
        WriteError::Key(KeyError::MacKeyGeneration(random)).to_string(),
        format!("refusing to write: {random}")
    );
}

/// `iss init`/`iss migrate` add the start-again hint unless the error
/// already gives it: decided by the error's type, as its text did.
#[test]
fn the_start_again_hint_is_known_by_its_variant() {
    let unfinished = || {
        WriteError::InvalidRecord(InvalidRecord::Unfinished {
            dir: "/l".into(),
            keys: vec!["/l.key".into()],
        })
    };
    let batch = WriteError::InvalidRecord(InvalidRecord::Batch(Box::new(unfinished())));
    for e in [unfinished(), batch] {
        assert!(e.says_how_to_start_again());
        assert!(e.to_string().contains("To start again"), "{e}");
    }
    let other = WriteError::InvalidRecord(InvalidRecord::NothingWritten);
    assert!(!other.says_how_to_start_again());
    assert!(!other.to_string().contains("To start again"));
}

/// A rotation the keyring refuses says what the keyring's `String` said
/// before the reason was typed (the same words go into a
/// `ROTATION_INVALID` finding).
#[test]
fn a_refused_rotation_keeps_the_keyring_s_words() {
    use crate::ledger::native::keyring::RotationRefused as R;
    let key = |r| WriteError::Key(KeyError::Rotation(r)).to_string();
    assert_eq!(
        key(R::NoKeyInUse),
        "refusing to write: no key is in use to sign a rotation"
    );
    assert_eq!(
        key(R::SignedByAnother {
            signed_as: "0000abcd".into(),
            in_use: 0x12,
        }),
        "refusing to write: signed as key 0000abcd, but the key in use is 00000012"
    );
    let bad_vkey = crate::tlog::note::Verifier::from_vkey("x").unwrap_err();
    assert_eq!(
        key(R::NewKey(bad_vkey.clone())),
        format!("refusing to write: new_vkey: {bad_vkey}")
    );
    assert_eq!(
        key(R::AlreadyTrusted(0xab)),
        "refusing to write: the new key 000000ab is already trusted by this ledger: a rotation introduces a key never used before"
    );
    assert_eq!(
        key(R::NewKeyName {
            name: "a".into(),
            origin: "b".into()
        }),
        "refusing to write: the new key is named \"a\", expected the origin \"b\""
    );
    assert_eq!(
        key(R::SignatureEncoding),
        "refusing to write: signature is not 64 bytes of base64"
    );
    assert_eq!(
        key(R::BadSignature(0xdead_beef)),
        "refusing to write: the signature does not verify with key deadbeef"
    );
}
