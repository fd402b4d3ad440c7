//! The chain verifier on chains built here: genuine, tampered, torn, keyed.

use super::*;
use crate::ledger::io::reader::LineReader;
use crate::ledger::native::format::record::{build_line, build_line_keyed};
use crate::tlog::merkle::{leaf_hash, root_of};

fn chain(n: u64, key: Option<&MacKey>) -> Vec<String> {
    let mut prev = GENESIS_PREV.to_owned();
    (0..n)
        .map(|seq| {
            let body = serde_json::json!({"type": "binding", "n": seq});
            let (line, hash) = match key {
                None => build_line("events", seq, &prev, &body),
                Some(k) => build_line_keyed("events", seq, &prev, &body, Some(k)),
            }
            .unwrap();
            prev = hash;
            line
        })
        .collect()
}

fn verify_with(
    lines: &[String],
    key: Option<&MacKey>,
    policy: MacPolicy,
) -> (Vec<(String, Option<u64>)>, NativeChainVerifier) {
    let text: String = lines.iter().flat_map(|l| [l.as_str(), "\n"]).collect();
    let mut v = NativeChainVerifier::new("events", policy);
    let mut out = Vec::new();
    let mut r = LineReader::new(text.as_bytes());
    while let Some(line) = r.next_line().unwrap() {
        v.feed(key, &line, &mut out);
    }
    (
        out.iter()
            .map(|f| (f.kind.name().to_owned(), f.line))
            .collect(),
        v,
    )
}

fn verify(lines: &[String]) -> (Vec<(String, Option<u64>)>, NativeChainVerifier) {
    verify_with(lines, None, MacPolicy::default())
}

fn spot(k: &str, l: u64) -> (String, Option<u64>) {
    (k.to_owned(), Some(l))
}

#[test]
fn a_genuine_chain_verifies_and_its_root_covers_the_line_bytes() {
    let lines = chain(20, None);
    let (found, v) = verify(&lines);
    assert!(found.is_empty(), "{found:?}");
    let leaves: Vec<Hash> = lines.iter().map(|l| leaf_hash(l.as_bytes())).collect();
    assert_eq!((v.records(), v.root()), (20, Some(root_of(&leaves))));
    let last = lines.last().unwrap();
    assert_eq!(
        v.tail().last_line_sha256,
        Some(Sha256::digest(last.as_bytes()).into())
    );
    assert_eq!(v.next_seq(), 20);
}

#[test]
fn each_tamper_is_reported_at_its_line() {
    let mut edited = chain(10, None);
    edited[4] = edited[4].replace("\"n\":4", "\"n\":5");
    assert_eq!(verify(&edited).0, vec![spot("HASH_MISMATCH", 5)]);

    let mut deleted = chain(10, None);
    deleted.remove(4);
    assert_eq!(
        verify(&deleted).0,
        vec![spot("CHAIN_BREAK", 5), spot("CHAIN_BREAK", 5)]
    );

    let mut swapped = chain(10, None);
    swapped.swap(3, 4);
    let kinds: Vec<_> = verify(&swapped).0.into_iter().map(|(k, _)| k).collect();
    assert!(kinds.iter().all(|k| k == "CHAIN_BREAK") && !kinds.is_empty());

    let mut spaced = chain(10, None);
    spaced[2] = spaced[2].replacen("{\"seq\"", "{ \"seq\"", 1);
    assert_eq!(verify(&spaced).0, vec![spot("NON_CANONICAL", 3)]);

    let mut crlf = chain(3, None);
    crlf[1].push('\r');
    assert_eq!(verify(&crlf).0, vec![spot("NON_CANONICAL", 2)]);
}

#[test]
fn a_torn_last_line_is_not_a_record_and_is_reported() {
    let lines = chain(3, None);
    let mut text: String = lines[..2].iter().flat_map(|l| [l.as_str(), "\n"]).collect();
    text.push_str(&lines[2][..10]);
    let mut v = NativeChainVerifier::new("events", MacPolicy::default());
    let mut out = Vec::new();
    let mut r = LineReader::new(text.as_bytes());
    while let Some(line) = r.next_line().unwrap() {
        v.feed(None, &line, &mut out);
    }
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].kind, out[0].line), (FindingKind::TornTail, Some(3)));
    assert_eq!(v.records(), 2);
}

#[test]
fn macs_are_checked_with_the_key_and_required_by_the_policy() {
    let key = MacKey::new(vec![7; 32]).unwrap();
    let policy = MacPolicy {
        required: Some(key.id().to_owned()),
        held: Some(key.id().to_owned()),
    };
    let lines = chain(5, Some(&key));
    let (found, v) = verify_with(&lines, Some(&key), policy.clone());
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(v.mac_counts(), (5, 0));

    // Without the key: nothing can be checked, and it is counted.
    let blind = MacPolicy {
        required: policy.required.clone(),
        held: None,
    };
    let (found, v) = verify_with(&lines, None, blind);
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(v.mac_counts(), (0, 5));

    // Someone without the key strips a MAC (the hash does not cover
    // it): the policy gives it away.
    let mut forged = chain(5, Some(&key));
    forged[4] = chain(5, None)[4].clone();
    let (found, _) = verify_with(&forged, Some(&key), policy.clone());
    assert_eq!(found, vec![spot("MAC_MISSING", 5)]);
    // ... or rewrites a body and recomputes the hash: the MAC does not match.
    let mut rewritten = chain(5, Some(&key));
    let (l, _) = build_line(
        "events",
        4,
        &forged[3][forged[3].len() - 66..forged[3].len() - 2],
        &serde_json::json!({"type": "binding", "n": 99}),
    )
    .unwrap();
    let mac = &rewritten[4]
        [rewritten[4].find(",\"mac\"").unwrap()..rewritten[4].find(",\"hash\"").unwrap()];
    rewritten[4] = l.replacen(",\"hash\"", &format!("{mac},\"hash\""), 1);
    let (found, _) = verify_with(&rewritten, Some(&key), policy.clone());
    assert_eq!(found, vec![spot("MAC_MISMATCH", 5)]);
    let mut wrong = lines.clone();
    let other = MacKey::new(vec![8; 32]).unwrap();
    wrong[2] = chain(5, Some(&other))[2].clone();
    let kinds: Vec<_> = verify_with(&wrong, Some(&key), policy).0;
    assert!(kinds.contains(&spot("MAC_MISSING", 3)), "{kinds:?}");
}

#[test]
fn a_descriptor_id_seen_before_is_a_duplicate_in_descriptors_only() {
    let bodies = [
        r#"{"descriptor_id":"a"}"#,
        r#"{"descriptor_id":"b"}"#,
        r#"{"descriptor_\u0069d":"a","x":1}"#,
        r#"{"descriptor_id":7}"#,
    ];
    for (name, want) in [
        ("descriptors", vec![("DUPLICATE_ID", Some(3))]),
        ("events", vec![]),
    ] {
        let mut prev = GENESIS_PREV.to_owned();
        let mut text = String::new();
        for (seq, body) in (0u64..).zip(bodies) {
            let (line, hash) =
                crate::ledger::native::format::record::build_line_raw(name, seq, &prev, body, None)
                    .unwrap();
            text.push_str(&line);
            text.push('\n');
            prev = hash;
        }
        let mut v = NativeChainVerifier::new(name, MacPolicy::default());
        let mut out = Vec::new();
        let mut r = LineReader::new(text.as_bytes());
        while let Some(line) = r.next_line().unwrap() {
            v.feed(None, &line, &mut out);
        }
        let found: Vec<_> = out.iter().map(|f| (f.kind.name(), f.line)).collect();
        assert_eq!(found, want, "{name}");
        if name == "descriptors" {
            assert_eq!(out[0].related.as_ref().map(|r| r.first_line), Some(1));
            assert_eq!((v.id_line("b"), v.id_line("c")), (Some(2), None));
        }
    }
}
