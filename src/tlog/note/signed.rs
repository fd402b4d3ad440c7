//! Producing and opening signed notes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::keys::validate_key_name;
use super::{KeyKind, MAX_SIGNATURES, NoteError, Result, Signer, Verifier};

/// Start of every signature line: U+2014 EM DASH and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// A signature line that verified under one of the caller's keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// Key name.
    pub name: String,
    /// Key id.
    pub key_id: u32,
    /// Signature type of the key.
    pub kind: KeyKind,
    /// Cosignature time (POSIX seconds) for [`KeyKind::Ed25519Cosignature`].
    pub timestamp: Option<u64>,
}

/// A well-formed signature line by a key the caller did not supply; it was not
/// checked, and says nothing about the note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownSignature {
    /// Key name on the line.
    pub name: String,
    /// Key id on the line.
    pub key_id: u32,
    /// Signature bytes after the key id.
    pub signature: Vec<u8>,
}

/// A note whose signatures by known keys all verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The signed text, including its final newline.
    pub text: String,
    /// Signatures by known keys, in note order; never empty.
    pub verified: Vec<VerifiedSignature>,
    /// Signatures by unknown keys, in note order.
    pub unknown: Vec<UnknownSignature>,
}

impl Opened {
    /// Whether a known key named `name` signed the note.
    pub fn is_verified_by(&self, name: &str) -> bool {
        self.verified.iter().any(|sig| sig.name == name)
    }
}

/// Control characters other than newline are forbidden anywhere in a note.
fn has_forbidden_control(s: &str) -> bool {
    s.chars().any(|c| c < ' ' && c != '\n')
}

/// Signs `text` with every signer, returning the complete signed note.
///
/// `text` must be non-empty, end in `\n` and contain no control character but
/// `\n`. It may contain blank lines: readers split at the last one.
pub fn sign<'a>(text: &str, signers: impl IntoIterator<Item = &'a Signer>) -> Result<String> {
    if text.is_empty() {
        return Err(NoteError::InvalidText("empty"));
    }
    if !text.ends_with('\n') {
        return Err(NoteError::InvalidText("does not end in a newline"));
    }
    if has_forbidden_control(text) {
        return Err(NoteError::InvalidText(
            "contains a control character other than newline",
        ));
    }
    let signers: Vec<&Signer> = signers.into_iter().collect();
    if signers.is_empty() {
        return Err(NoteError::NoSigners);
    }
    // Never produce a note that `open` would refuse.
    if signers.len() > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures {
            limit: MAX_SIGNATURES,
        });
    }

    let mut note = String::with_capacity(text.len() + 1 + signers.len() * 128);
    note.push_str(text);
    note.push('\n');
    for signer in signers {
        let sig = signer.sign_text(text)?;
        let mut raw = Vec::with_capacity(4 + sig.len());
        raw.extend_from_slice(&signer.key_id().to_be_bytes());
        raw.extend_from_slice(&sig);
        note.push_str(SIG_PREFIX);
        note.push_str(signer.name());
        note.push(' ');
        note.push_str(&STANDARD.encode(raw));
        note.push('\n');
    }
    Ok(note)
}

/// Opens a signed note against the caller's known keys.
///
/// Signatures by unknown keys are ignored and listed in [`Opened::unknown`].
/// Every signature whose name and key id match a known key must verify, and at
/// least one must: otherwise the whole note is rejected.
pub fn open(note: &str, known: &[Verifier]) -> Result<Opened> {
    if has_forbidden_control(note) {
        return Err(NoteError::MalformedNote(
            "contains a control character other than newline",
        ));
    }
    let split = note.rfind("\n\n").ok_or(NoteError::MalformedNote(
        "no blank line before the signatures",
    ))?;
    // The text keeps its final newline; the blank line belongs to neither part.
    let (text, sigs) = (&note[..=split], &note[split + 2..]);
    let body = sigs
        .strip_suffix('\n')
        .ok_or(NoteError::MalformedNote(if sigs.is_empty() {
            "no signature lines"
        } else {
            "signature block does not end in a newline"
        }))?;
    // Bound the work before verifying anything.
    if body.split('\n').count() > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures {
            limit: MAX_SIGNATURES,
        });
    }

    let mut verified = Vec::new();
    let mut unknown = Vec::new();
    for (index, line) in body.split('\n').enumerate() {
        let (name, key_id, signature) =
            parse_signature_line(line).map_err(|reason| NoteError::BadSignatureLine {
                line: index + 1,
                reason,
            })?;
        // A key is identified by name and id together: sharing only one of the
        // two with a known key makes a signature unknown, not bad.
        match known
            .iter()
            .find(|v| v.name() == name && v.key_id() == key_id)
        {
            Some(key) => {
                let timestamp = key.verify(text, &signature)?;
                verified.push(VerifiedSignature {
                    name: name.to_owned(),
                    key_id,
                    kind: key.kind(),
                    timestamp,
                });
            }
            None => unknown.push(UnknownSignature {
                name: name.to_owned(),
                key_id,
                signature,
            }),
        }
    }

    if verified.is_empty() {
        return Err(NoteError::Unverified {
            unknown_signers: unknown.into_iter().map(|sig| sig.name).collect(),
        });
    }
    Ok(Opened {
        text: text.to_owned(),
        verified,
        unknown,
    })
}

/// Splits `— <name> <base64(key id || signature)>` into name, key id and
/// signature bytes.
fn parse_signature_line(line: &str) -> std::result::Result<(&str, u32, Vec<u8>), &'static str> {
    let rest = line
        .strip_prefix(SIG_PREFIX)
        .ok_or("does not start with an em dash and a space")?;
    let (name, b64) = rest
        .split_once(' ')
        .ok_or("no space between key name and signature")?;
    validate_key_name(name).map_err(|_| "invalid key name")?;
    if b64.is_empty() {
        return Err("empty signature");
    }
    let raw = STANDARD
        .decode(b64)
        .map_err(|_| "signature is not canonical padded base64")?;
    match raw.split_first_chunk::<4>() {
        Some((id, sig)) if !sig.is_empty() => Ok((name, u32::from_be_bytes(*id), sig.to_vec())),
        _ => Err("signature shorter than a key id and one byte"),
    }
}
