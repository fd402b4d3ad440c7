//! Signed-note and cosignature checks against the shared public vectors.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::test_vectors::{blocks, load, value};
use super::{KeyKind, NoteError, Signer, Verifier, open, sign};

/// Splits a signed note into its text and signature lines.
fn split_note(note: &str) -> (&str, Vec<&str>) {
    let split = note.rfind("\n\n").expect("vector note has a blank line");
    (&note[..=split], note[split + 2..].lines().collect())
}

/// Rebuilds a note from text and signature lines.
fn join_note(text: &str, lines: &[String]) -> String {
    let mut note = format!("{text}\n");
    for line in lines {
        note.push_str(line);
        note.push('\n');
    }
    note
}

/// An edit of a signature line's decoded bytes.
type SigEdit = fn(&mut Vec<u8>);

/// Re-encodes the signature on `line` after `edit` changes its decoded bytes.
fn edit_sig_line(line: &str, edit: impl FnOnce(&mut Vec<u8>)) -> String {
    let (head, b64) = line.rsplit_once(' ').expect("signature line has a space");
    let mut raw = STANDARD.decode(b64).expect("vector signature is base64");
    edit(&mut raw);
    format!("{head} {}", STANDARD.encode(raw))
}

/// Checks the tamperings every vector must reject when opened with `verifier`,
/// which signed the line at `index`.
fn assert_tampering_rejected(note: &str, verifier: &Verifier, index: usize) {
    let known = std::slice::from_ref(verifier);
    let (text, lines) = split_note(note);
    let lines: Vec<String> = lines.into_iter().map(str::to_owned).collect();
    let bad_sig = NoteError::BadSignature {
        name: verifier.name().to_owned(),
        key_id: verifier.key_id(),
    };

    let mut flipped_text = text.as_bytes().to_vec();
    flipped_text[0] ^= 0x01;
    let flipped_text = String::from_utf8(flipped_text).expect("ASCII stays UTF-8");
    assert_eq!(
        open(&join_note(&flipped_text, &lines), known),
        Err(bad_sig.clone())
    );

    let mut cases = Vec::new();
    let edits: [(&str, SigEdit); 4] = [
        ("flipped last signature byte", |raw| {
            *raw.last_mut().unwrap() ^= 0x80;
        }),
        ("flipped byte after key id", |raw| raw[4] ^= 0x01),
        ("four bytes short", |raw| raw.truncate(raw.len() - 4)),
        ("one byte extra", |raw| raw.push(0)),
    ];
    for (what, edit) in edits {
        let mut edited = lines.clone();
        edited[index] = edit_sig_line(&edited[index], edit);
        cases.push((what, join_note(text, &edited), Some(bad_sig.clone())));
    }
    let mut truncated = lines.clone();
    truncated[index].pop();
    cases.push(("truncated line", join_note(text, &truncated), None));
    let mut key_id_changed = lines.clone();
    key_id_changed[index] = edit_sig_line(&lines[index], |raw| raw[3] ^= 0x01);
    cases.push(("key id changed", join_note(text, &key_id_changed), None));
    cases.push((
        "blank line before signatures",
        note.replacen(text, &format!("{text}\n"), 1),
        None,
    ));
    cases.push(("blank line at end", format!("{note}\n"), None));
    cases.push(("no final newline", note[..note.len() - 1].to_owned(), None));
    cases.push(("CRLF", note.replace('\n', "\r\n"), None));
    if lines.len() > 1 {
        let mut split_block = lines.clone();
        split_block.insert(1, String::new());
        cases.push((
            "blank line between signatures",
            join_note(text, &split_block),
            None,
        ));
    }
    for (what, tampered, expected) in cases {
        let result = open(&tampered, known);
        assert!(result.is_err(), "{what}: accepted {tampered:?}");
        if let Some(expected) = expected {
            assert_eq!(result, Err(expected), "{what}");
        }
    }

    let stranger = Signer::generate(verifier.name()).unwrap().verifier();
    assert!(matches!(
        open(note, &[stranger]),
        Err(NoteError::Unverified { .. })
    ));
}

#[test]
fn c2sp_example_verifies() {
    let Some(content) = load("signed_note_c2sp_example.txt") else {
        return;
    };
    let vkey = value(&content, "vkey").unwrap();
    let note = &blocks(&content)[0];
    let verifier = Verifier::from_vkey(vkey).unwrap();
    assert_eq!(verifier.vkey(), vkey);
    assert_eq!(verifier.key_id(), 0x530d_903a);

    let opened = open(note, std::slice::from_ref(&verifier)).unwrap();
    assert_eq!(opened.text, "This is an example message.\n");
    assert_eq!(opened.verified.len(), 1);
    assert_eq!(opened.verified[0].name, "example.com/foo");
    assert!(opened.unknown.is_empty());
    assert_tampering_rejected(note, &verifier, 0);
}

#[test]
fn go_sumdb_note_verifies_resigns_and_rejects() {
    let Some(content) = load("signed_note_go_sumdb_note.txt") else {
        return;
    };
    let peter = Verifier::from_vkey(value(&content, "vkey_peter").unwrap()).unwrap();
    let enoch = Verifier::from_vkey(value(&content, "vkey_enoch").unwrap()).unwrap();
    let skey = value(&content, "skey_peter").unwrap();
    let blocks = blocks(&content);
    let [text, note] = &blocks[..] else {
        panic!("expected two blocks")
    };

    let opened = open(note, std::slice::from_ref(&peter)).unwrap();
    assert_eq!(&opened.text, text);
    assert_eq!(
        (opened.verified[0].name.as_str(), opened.verified[0].key_id),
        ("PeterNeumann", 0xc74f_20a3)
    );
    assert_eq!(
        (opened.unknown[0].name.as_str(), opened.unknown[0].key_id),
        ("EnochRoot", 0xaf0c_fe78)
    );

    let opened = open(note, std::slice::from_ref(&enoch)).unwrap();
    assert_eq!(
        (opened.verified[0].name.as_str(), opened.verified[0].key_id),
        ("EnochRoot", 0xaf0c_fe78)
    );
    assert_eq!(
        open(note, &[peter.clone(), enoch.clone()])
            .unwrap()
            .verified
            .len(),
        2
    );

    // Ed25519 is deterministic: the stored key must reproduce the signature.
    let signer = Signer::from_skey(skey).unwrap();
    assert_eq!(signer.skey(), skey);
    assert_eq!(signer.vkey(), peter.vkey());
    let (_, lines) = split_note(note);
    assert_eq!(
        sign(text, [&signer]).unwrap(),
        format!("{text}\n{}\n", lines[0])
    );

    // A line naming PeterNeumann under id c74f20a4 is somebody else's key.
    let other_id = edit_sig_line(lines[0], |raw| raw[3] = 0xa4);
    let err = open(
        &format!("{text}\n{other_id}\n"),
        std::slice::from_ref(&peter),
    )
    .unwrap_err();
    assert_eq!(
        err,
        NoteError::Unverified {
            unknown_signers: vec!["PeterNeumann".into()]
        }
    );

    assert_tampering_rejected(note, &peter, 0);
    assert_tampering_rejected(note, &enoch, 1);
}

#[test]
fn go_sumdb_bad_vkeys_rejected() {
    let Some(content) = load("signed_note_go_sumdb_note.txt") else {
        return;
    };
    let bad: Vec<&str> = content
        .lines()
        .skip_while(|line| !line.starts_with("[BAD_VKEYS]"))
        .skip(1)
        .take_while(|line| line.starts_with("PeterNeumann+"))
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert_eq!(bad.len(), 2);
    for vkey in bad {
        assert!(Verifier::from_vkey(vkey).is_err(), "accepted {vkey}");
    }

    let vkey = value(&content, "vkey_peter").unwrap();
    for start in 0..vkey.len() {
        for end in start..=vkey.len() {
            if (start, end) != (0, vkey.len()) {
                let sub = &vkey[start..end];
                assert!(
                    Verifier::from_vkey(sub).is_err(),
                    "accepted substring {sub}"
                );
            }
        }
    }
    for i in 0..vkey.len() {
        let mut bytes = vkey.as_bytes().to_vec();
        bytes[i] += 1;
        let bumped = String::from_utf8(bytes).unwrap();
        assert!(Verifier::from_vkey(&bumped).is_err(), "accepted {bumped}");
    }
}

#[test]
fn sunlight_cosignatures_verify() {
    let Some(content) = load("cosignature_ed25519_sunlight.txt") else {
        return;
    };
    let timestamps: Vec<u64> = content
        .lines()
        .filter(|line| line.starts_with("expect: witness"))
        .filter_map(|line| line.rsplit(' ').next()?.parse().ok())
        .collect();
    let notes = blocks(&content);
    let witnesses = ["witness_vkey", "witness2_vkey"];
    assert_eq!((notes.len(), timestamps.len()), (2, 2));

    for ((note, key), timestamp) in notes.iter().zip(witnesses).zip(timestamps) {
        let vkey = value(&content, key).unwrap();
        let witness = Verifier::from_vkey(vkey).unwrap();
        assert_eq!(witness.kind(), KeyKind::Ed25519Cosignature);
        assert_eq!(witness.vkey(), vkey);

        let opened = open(note, std::slice::from_ref(&witness)).unwrap();
        assert_eq!(opened.verified.len(), 1);
        assert_eq!(opened.verified[0].name, witness.name());
        assert_eq!(opened.verified[0].timestamp, Some(timestamp));
        let index = split_note(note).1.len() - 1;
        assert_tampering_rejected(note, &witness, index);

        // The same key as a plain Ed25519 verifier has another id: unknown.
        let plain =
            Verifier::from_public_key(witness.name(), KeyKind::Ed25519, &witness.public_key())
                .unwrap();
        assert!(matches!(
            open(note, &[plain]),
            Err(NoteError::Unverified { .. })
        ));
    }

    // The first note's ECDSA log signature is just an unknown signature.
    let witness = Verifier::from_vkey(value(&content, "witness_vkey").unwrap()).unwrap();
    let opened = open(&notes[0], &[witness]).unwrap();
    assert_eq!(opened.unknown.len(), 1);
    assert_eq!(opened.unknown[0].name, "rome2026h1.example.org");
}
