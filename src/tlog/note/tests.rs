//! Unit and property tests of signing, opening and key handling.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::SigningKey;
use proptest::prelude::*;

use super::{KeyKind, MAX_SIGNATURES, NoteError, Signer, Verifier, open, sign, validate_key_name};

fn signer(name: &str, seed: u8) -> Signer {
    Signer::new(name, SigningKey::from_bytes(&[seed; 32])).unwrap()
}

/// A tlog-cosignature line made directly with ed25519-dalek, independently of
/// the code under test.
fn cosignature_line(name: &str, seed: u8, timestamp: u64, text: &str) -> (Verifier, String) {
    use ed25519_dalek::Signer as _;
    let key = SigningKey::from_bytes(&[seed; 32]);
    let verifier = Verifier::from_public_key(
        name,
        KeyKind::Ed25519Cosignature,
        key.verifying_key().as_bytes(),
    )
    .unwrap();
    let message = format!("cosignature/v1\ntime {timestamp}\n{text}");
    let mut raw = verifier.key_id().to_be_bytes().to_vec();
    raw.extend_from_slice(&timestamp.to_be_bytes());
    raw.extend_from_slice(&key.sign(message.as_bytes()).to_bytes());
    (
        verifier,
        format!("\u{2014} {name} {}\n", STANDARD.encode(raw)),
    )
}

#[test]
fn key_names_follow_the_spec() {
    for good in ["example.com/log", "PeterNeumann", "ü/日本", "a-b_c.d:e"] {
        assert!(validate_key_name(good).is_ok(), "{good}");
    }
    for bad in [
        "",
        "a+b",
        "a b",
        "a\tb",
        "a\u{a0}b",
        "a\u{2003}b",
        "a\u{1}b",
        "a\nb",
    ] {
        assert!(validate_key_name(bad).is_err(), "{bad:?}");
        assert!(Signer::generate(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn sign_rejects_unsignable_texts() {
    let s = signer("log.example", 1);
    assert_eq!(sign("", [&s]), Err(NoteError::InvalidText("empty")));
    assert!(matches!(
        sign("no newline", [&s]),
        Err(NoteError::InvalidText(_))
    ));
    assert!(matches!(
        sign("tab\there\n", [&s]),
        Err(NoteError::InvalidText(_))
    ));
    assert!(matches!(
        sign("crlf\r\n", [&s]),
        Err(NoteError::InvalidText(_))
    ));
    assert_eq!(sign("ok\n", []), Err(NoteError::NoSigners));
}

#[test]
fn text_with_blank_lines_and_fake_signatures_round_trips() {
    let s = signer("log.example", 2);
    let text = "a\n\n\u{2014} log.example AAAAAAA=\n\n\nb\n";
    let note = sign(text, [&s]).unwrap();
    let opened = open(&note, &[s.verifier()]).unwrap();
    assert_eq!(opened.text, text);
    assert!(opened.is_verified_by("log.example"));
    // A lone newline is a valid (if useless) text.
    assert_eq!(
        open(&sign("\n", [&s]).unwrap(), &[s.verifier()])
            .unwrap()
            .text,
        "\n"
    );
}

#[test]
fn malformed_notes_are_rejected_precisely() {
    let s = signer("log.example", 3);
    let known = [s.verifier()];
    let note = sign("hello\n", [&s]).unwrap();
    let line = note.strip_prefix("hello\n\n").unwrap().trim_end();
    let b64 = line.rsplit(' ').next().unwrap();

    assert!(matches!(
        open("hello\n", &known),
        Err(NoteError::MalformedNote(_))
    ));
    assert!(matches!(
        open("hello\n\n", &known),
        Err(NoteError::MalformedNote(_))
    ));
    assert!(matches!(
        open(&note.replace('\n', "\r\n"), &known),
        Err(NoteError::MalformedNote(_))
    ));
    for bad in [
        format!("- log.example {b64}"),
        format!("\u{2014}log.example {b64}"),
        format!("\u{2014} log.example{b64}"),
        format!("\u{2014} log+example {b64}"),
        "\u{2014} log.example ".to_owned(),
        format!("\u{2014} log.example {b64} "),
        format!("\u{2014} log.example {}", b64.trim_end_matches('=')),
        "\u{2014} log.example AAAAAA==".to_owned(),
        "\u{2014} log.example AAAAAB==".to_owned(),
    ] {
        let result = open(&format!("hello\n\n{bad}\n"), &known);
        assert!(
            matches!(result, Err(NoteError::BadSignatureLine { line: 1, .. })),
            "{bad:?}: {result:?}"
        );
    }
}

#[test]
fn signature_count_is_bounded() {
    let s = signer("log.example", 4);
    let note = sign("t\n", [&s]).unwrap();
    let unknown = "\u{2014} other AAAAAAA=\n";
    let at_limit = format!("{note}{}", unknown.repeat(MAX_SIGNATURES - 1));
    assert_eq!(
        open(&at_limit, &[s.verifier()]).unwrap().unknown.len(),
        MAX_SIGNATURES - 1
    );
    let over = format!("{at_limit}{unknown}");
    assert_eq!(
        open(&over, &[s.verifier()]),
        Err(NoteError::TooManySignatures {
            limit: MAX_SIGNATURES
        })
    );
    let many = vec![s.clone(); MAX_SIGNATURES + 1];
    assert!(matches!(
        sign("t\n", &many),
        Err(NoteError::TooManySignatures { .. })
    ));
}

#[test]
fn every_known_signature_must_verify() {
    let a = signer("a.example", 5);
    let b = signer("b.example", 6);
    let note = sign("t\n", [&a, &b]).unwrap();
    let opened = open(&note, &[a.verifier(), b.verifier()]).unwrap();
    assert_eq!(opened.verified.len(), 2);
    // A second, corrupted line by a known key spoils the note even though
    // another line by the same key verifies.
    let line_a = note.lines().find(|l| l.contains("a.example")).unwrap();
    let mut raw = STANDARD.decode(line_a.rsplit(' ').next().unwrap()).unwrap();
    raw[10] ^= 1;
    let forged = format!("{note}\u{2014} a.example {}\n", STANDARD.encode(raw));
    assert!(matches!(
        open(&forged, &[a.verifier()]),
        Err(NoteError::BadSignature { .. })
    ));
    // Duplicate valid lines are fine.
    assert_eq!(
        open(&format!("{note}{line_a}\n"), &[a.verifier()])
            .unwrap()
            .verified
            .len(),
        2
    );
}

#[test]
fn keys_round_trip_and_stay_secret() {
    let s = Signer::generate("log.example/x").unwrap();
    let again = Signer::from_skey(&s.skey()).unwrap();
    assert_eq!(again.vkey(), s.vkey());
    let v: Verifier = s.vkey().parse().unwrap();
    assert_eq!(v.to_string(), s.vkey());
    assert_eq!(v, s.verifier());
    assert_ne!(Signer::generate("log.example/x").unwrap().vkey(), s.vkey());

    let secret = s.skey();
    // The base64 field may itself contain '+': take everything after the 4th.
    let b64 = secret.splitn(5, '+').nth(4).unwrap();
    let debug = format!("{s:?}");
    assert!(
        !debug.contains(b64) && debug.contains("log.example/x"),
        "{debug}"
    );
}

#[test]
fn bad_signer_keys_are_rejected() {
    let s = signer("PeterNeumann", 7);
    let skey = s.skey();
    let fields: Vec<&str> = skey.splitn(5, '+').collect();
    let seed = &STANDARD.decode(fields[4]).unwrap()[1..];
    let with_raw = |raw: &[u8]| {
        format!(
            "PRIVATE+KEY+PeterNeumann+{}+{}",
            fields[3],
            STANDARD.encode(raw)
        )
    };
    let cases = [
        skey.replacen("PRIVATE", "PUBLIC", 1),
        skey.replacen(fields[3], "00000000", 1),
        skey.replacen(fields[3], "0000000", 1),
        skey.replacen("PeterNeumann", "Peter Neumann", 1),
        with_raw(&[&[0x04], seed].concat()),
        with_raw(&[&[0x01], &seed[1..]].concat()),
        with_raw(&[]),
        "PRIVATE+KEY+".to_owned(),
        s.vkey(),
    ];
    for bad in cases {
        assert!(Signer::from_skey(&bad).is_err(), "{bad}");
    }
}

#[test]
fn weak_and_malformed_verifier_keys_are_rejected() {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert!(Verifier::from_public_key("x", KeyKind::Ed25519, &identity).is_err());
    for bad in [
        "",
        "a",
        "a+b",
        "a+12345678+",
        "a+1234567g+AQ==",
        "a+-1234567+AQ==",
    ] {
        assert!(Verifier::from_vkey(bad).is_err(), "{bad}");
    }
}

#[test]
fn cosignatures_check_timestamp_and_message() {
    let text = "example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
    let (witness, line) = cosignature_line("witness.example", 8, 1_700_000_000, text);
    let opened = open(&format!("{text}\n{line}"), std::slice::from_ref(&witness)).unwrap();
    assert_eq!(opened.verified[0].timestamp, Some(1_700_000_000));
    assert_eq!(opened.verified[0].kind, KeyKind::Ed25519Cosignature);

    // Properly signed, but past the spec's 2^63 - 1 cap.
    let (witness, line) = cosignature_line("witness.example", 8, 1 << 63, text);
    assert!(matches!(
        open(&format!("{text}\n{line}"), &[witness]),
        Err(NoteError::BadSignature { .. })
    ));
}

/// Random note texts: lines of non-control characters, possibly empty.
fn texts() -> impl Strategy<Value = String> {
    prop::collection::vec("[^\\x00-\\x1f]{0,24}", 1..6).prop_map(|lines| lines.join("\n") + "\n")
}

proptest! {
    #[test]
    fn sign_open_round_trips(
        seed in any::<[u8; 32]>(),
        name in "[^+\\s\\x00-\\x1f]{1,24}",
        text in texts(),
    ) {
        let s = Signer::new(&name, SigningKey::from_bytes(&seed)).unwrap();
        let note = sign(&text, [&s]).unwrap();
        let opened = open(&note, &[s.verifier()]).unwrap();
        prop_assert_eq!(&opened.text, &text);
        prop_assert_eq!(opened.verified.len(), 1);
        prop_assert_eq!(&opened.verified[0].name, &name);
        prop_assert_eq!(Verifier::from_vkey(&s.vkey()).unwrap(), s.verifier());
        prop_assert_eq!(Signer::from_skey(&s.skey()).unwrap().vkey(), s.vkey());
    }

    #[test]
    fn single_byte_changes_never_slip_through(
        text in texts(),
        position in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let known = signer("log.example", 9);
        let other = signer("witness.example", 10);
        let note = sign(&text, [&known, &other]).unwrap();
        let index = position.index(note.len());
        let mut bytes = note.clone().into_bytes();
        prop_assume!(bytes[index] != byte);
        bytes[index] = byte;
        let Ok(mutated) = String::from_utf8(bytes) else { return Ok(()) };
        if let Ok(opened) = open(&mutated, &[known.verifier()]) {
            // Only the unknown witness line may change without being noticed.
            let witness_line = note.rfind("\u{2014} witness.example").unwrap();
            prop_assert!(index >= witness_line, "accepted change at {} of {:?}", index, mutated);
            prop_assert_eq!(&opened.text, &text);
            prop_assert!(opened.is_verified_by("log.example"));
        }
    }

    #[test]
    fn parsers_never_panic(input in "\\PC{0,80}|[\\x00-\\x7f\u{2014}]{0,80}") {
        let _ = open(&input, &[]);
        let _ = open(&format!("t\n\n\u{2014} {input}"), &[signer("a", 11).verifier()]);
        let _ = Verifier::from_vkey(&input);
        let _ = Signer::from_skey(&format!("PRIVATE+KEY+{input}"));
    }
}
