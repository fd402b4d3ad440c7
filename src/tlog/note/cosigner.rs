//! Producing C2SP tlog-cosignature/v1 Ed25519 cosignatures (type `0x04`).
//!
//! A witness holds one Ed25519 key; its cosignature key id is computed over
//! the type byte `0x04`, so the same key used as a note signer (`0x01`) has a
//! different id, and a cosignature can never be mistaken for a log signature.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::SigningKey;

use super::keys::{cosignature_message, validate_key_name};
use super::{KeyKind, NoteError, Result, Signer, Verifier, key_id};

/// Start of every signature line: U+2014 EM DASH and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// An Ed25519 witness key producing `cosignature/v1` signature lines.
#[derive(Clone)]
pub struct Cosigner {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl Cosigner {
    /// The cosigner for the Ed25519 key of `signer`, under the same name
    /// (a witness key file is an ordinary signer key string).
    pub fn from_signer(signer: &Signer) -> Self {
        let key = signer.signing_key().clone();
        let public = key.verifying_key().to_bytes();
        Self {
            name: signer.name().to_owned(),
            key_id: key_id(signer.name(), KeyKind::Ed25519Cosignature, &public),
            key,
        }
    }

    /// A cosigner from a raw Ed25519 signing key.
    pub fn new(name: &str, key: SigningKey) -> Result<Self> {
        validate_key_name(name)?;
        let public = key.verifying_key().to_bytes();
        Ok(Self {
            name: name.to_owned(),
            key_id: key_id(name, KeyKind::Ed25519Cosignature, &public),
            key,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cosignature key id (over type `0x04`).
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The verifier that checks this cosigner's signatures.
    pub fn verifier(&self) -> Verifier {
        Verifier::from_public_key(
            &self.name,
            KeyKind::Ed25519Cosignature,
            &self.key.verifying_key().to_bytes(),
        )
        .expect("a cosigner's own name and key are valid")
    }

    /// The verifier key string (`<name>+<id>+<base64(0x04 || key)>`).
    pub fn vkey(&self) -> String {
        self.verifier().vkey()
    }

    /// The signature line `— <name> <base64(key id || u64 BE timestamp ||
    /// Ed25519 signature)>\n` over `"cosignature/v1\ntime <timestamp>\n" ||
    /// text`, where `text` is the checkpoint text (with its final newline,
    /// without signature lines).
    ///
    /// The spec forbids a zero timestamp on a checkpoint cosignature and
    /// timestamps above 2^63 - 1.
    pub fn cosign(&self, text: &str, timestamp: u64) -> Result<String> {
        use ed25519_dalek::Signer as _;
        if timestamp == 0 || timestamp > u64::MAX >> 1 {
            return Err(NoteError::Signing(format!(
                "cosignature timestamp {timestamp} is outside 1..=2^63-1"
            )));
        }
        if !text.ends_with('\n') {
            return Err(NoteError::InvalidText("does not end in a newline"));
        }
        let message = cosignature_message(timestamp, text);
        let sig = self
            .key
            .try_sign(message.as_bytes())
            .map_err(|e| NoteError::Signing(e.to_string()))?;
        let mut raw = Vec::with_capacity(4 + 8 + 64);
        raw.extend_from_slice(&self.key_id.to_be_bytes());
        raw.extend_from_slice(&timestamp.to_be_bytes());
        raw.extend_from_slice(&sig.to_bytes());
        Ok(format!(
            "{SIG_PREFIX}{} {}\n",
            self.name,
            STANDARD.encode(raw)
        ))
    }
}

// Hand-written so that the secret key never reaches logs.
impl fmt::Debug for Cosigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cosigner")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::note::open;

    const TEXT: &str = "example.com/log\n5\nlCkHUpkmVBEms2r2T1K6Og69+wUuuN3MIEW1/ezu2v0=\n";

    fn cosigner() -> Cosigner {
        Cosigner::new("witness.example", SigningKey::from_bytes(&[7; 32])).unwrap()
    }

    #[test]
    fn cosignature_opens_with_its_timestamp_and_type_04_id() {
        let log = Signer::new("example.com/log", SigningKey::from_bytes(&[1; 32])).unwrap();
        let c = cosigner();
        let note = crate::tlog::note::sign(TEXT, [&log]).unwrap()
            + &c.cosign(TEXT, 1_767_139_200).unwrap();
        let opened = open(&note, &[log.verifier(), c.verifier()]).unwrap();
        assert_eq!(opened.verified.len(), 2);
        assert_eq!(opened.verified[1].timestamp, Some(1_767_139_200));
        assert_eq!(opened.verified[1].kind, KeyKind::Ed25519Cosignature);
        // The same key as a note signer has another id: no confusion.
        let as_signer = Signer::new("witness.example", SigningKey::from_bytes(&[7; 32])).unwrap();
        assert_ne!(as_signer.key_id(), c.key_id());
        assert!(
            c.vkey()
                .starts_with(&format!("witness.example+{:08x}+", c.key_id()))
        );
    }

    #[test]
    fn cosignature_over_another_text_or_time_fails() {
        let c = cosigner();
        let line = c.cosign(TEXT, 100).unwrap();
        let other = TEXT.replace('5', "6");
        assert!(open(&format!("{other}\n{line}"), &[c.verifier()]).is_err());
        // Change the timestamp bytes: the signature no longer verifies.
        let b64 = line.trim_end().rsplit(' ').next().unwrap();
        let mut raw = STANDARD.decode(b64).unwrap();
        raw[11] ^= 1;
        let forged = format!("\u{2014} witness.example {}\n", STANDARD.encode(raw));
        assert!(open(&format!("{TEXT}\n{forged}"), &[c.verifier()]).is_err());
    }

    #[test]
    fn zero_or_huge_timestamps_are_refused() {
        assert!(cosigner().cosign(TEXT, 0).is_err());
        assert!(cosigner().cosign(TEXT, 1 << 63).is_err());
    }

    /// The message layout, checked byte for byte against the spec's example
    /// header (c2sp.org/tlog-cosignature, "Ed25519 signed message").
    #[test]
    fn signed_message_is_header_time_and_text() {
        assert_eq!(
            cosignature_message(1_679_315_147, TEXT),
            format!("cosignature/v1\ntime 1679315147\n{TEXT}")
        );
    }
}
