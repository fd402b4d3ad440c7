//! Key names, key ids, and the text forms of signer and verifier keys.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use super::{NoteError, Result};

/// Prefix of the Go `note` signer key format.
const SKEY_PREFIX: &str = "PRIVATE+KEY+";

/// Domain-separation header of tlog-cosignature/v1 signed messages.
const COSIGNATURE_HEADER: &str = "cosignature/v1\n";

/// The signature algorithm a key is used with; its type byte takes part in the
/// key id, so one Ed25519 key yields different ids for different uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// Type `0x01`: Ed25519 signature over the note text.
    Ed25519,
    /// Type `0x04`: tlog-cosignature/v1 timestamped Ed25519 witness cosignature.
    Ed25519Cosignature,
}

impl KeyKind {
    /// The signature type byte assigned by the signed-note spec.
    pub const fn type_byte(self) -> u8 {
        match self {
            Self::Ed25519 => 0x01,
            Self::Ed25519Cosignature => 0x04,
        }
    }

    /// The kind for a signature type byte, if this module supports it.
    pub const fn from_type_byte(byte: u8) -> Option<Self> {
        match byte {
            0x01 => Some(Self::Ed25519),
            0x04 => Some(Self::Ed25519Cosignature),
            _ => None,
        }
    }
}

/// Checks the spec's key-name rules: non-empty, no Unicode whitespace, no '+'.
///
/// ASCII control characters are refused as well, since a note containing them
/// is malformed anyway.
pub fn validate_key_name(name: &str) -> Result<()> {
    let reason = if name.is_empty() {
        "empty"
    } else if name.contains('+') {
        "contains '+'"
    } else if name.chars().any(char::is_whitespace) {
        "contains whitespace"
    } else if name.chars().any(|c| c < ' ') {
        "contains a control character"
    } else {
        return Ok(());
    };
    Err(NoteError::InvalidKeyName {
        name: name.to_owned(),
        reason,
    })
}

/// Key id: the first four bytes, big-endian, of
/// `SHA-256(name || 0x0A || type byte || public key)`.
pub fn key_id(name: &str, kind: KeyKind, public_key: &[u8; 32]) -> u32 {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', kind.type_byte()])
        .chain_update(public_key)
        .finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Parses exactly eight hex digits; `from_str_radix` alone would accept a sign.
fn parse_key_id(hex: &str) -> Option<u32> {
    if hex.len() == 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        u32::from_str_radix(hex, 16).ok()
    } else {
        None
    }
}

/// Splits `<name>+<hex id>+<base64>`. Only the first two '+' separate fields:
/// standard base64 uses '+' as a digit.
fn split_key_fields(s: &str) -> Option<(&str, &str, &str)> {
    let mut parts = s.splitn(3, '+');
    Some((parts.next()?, parts.next()?, parts.next()?))
}

/// Best-effort wipe of a secret copy we made ourselves; `black_box` keeps the
/// compiler from dropping the stores as dead.
fn wipe(buf: &mut [u8]) {
    buf.fill(0);
    std::hint::black_box(buf);
}

/// The signed message of a tlog-cosignature/v1 Ed25519 cosignature.
pub(super) fn cosignature_message(timestamp: u64, text: &str) -> String {
    format!("{COSIGNATURE_HEADER}time {timestamp}\n{text}")
}

/// A public key that can check signatures in a note, with its name and id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    key_id: u32,
    kind: KeyKind,
    key: VerifyingKey,
}

impl Verifier {
    /// Parses a verifier key string `<name>+<8 hex key id>+<base64(type || key)>`.
    ///
    /// Type `0x01` gives a note verifier, `0x04` a cosignature verifier. The key
    /// id must match the one computed from name, type and key.
    pub fn from_vkey(vkey: &str) -> Result<Self> {
        let bad = NoteError::InvalidVerifierKey;
        let (name, id_hex, b64) =
            split_key_fields(vkey).ok_or(bad("expected <name>+<key id>+<base64 key>"))?;
        validate_key_name(name)?;
        let claimed = parse_key_id(id_hex).ok_or(bad("key id is not 8 hex digits"))?;
        let raw = STANDARD
            .decode(b64)
            .map_err(|_| bad("key is not canonical padded base64"))?;
        let (&type_byte, key) = raw.split_first().ok_or(bad("empty key"))?;
        let kind = KeyKind::from_type_byte(type_byte).ok_or(bad("unsupported signature type"))?;
        let key: &[u8; 32] = key
            .try_into()
            .map_err(|_| bad("Ed25519 public key is not 32 bytes"))?;
        let verifier = Self::from_public_key(name, kind, key)?;
        if verifier.key_id != claimed {
            return Err(bad("key id does not match name and key"));
        }
        Ok(verifier)
    }

    /// Builds a verifier from a raw 32-byte Ed25519 public key.
    pub fn from_public_key(name: &str, kind: KeyKind, public_key: &[u8; 32]) -> Result<Self> {
        validate_key_name(name)?;
        let key = VerifyingKey::from_bytes(public_key)
            .map_err(|_| NoteError::InvalidVerifierKey("not an Ed25519 public key"))?;
        // Strict verification rejects every signature under a small-order key,
        // so say so up front rather than fail each note later.
        if key.is_weak() {
            return Err(NoteError::InvalidVerifierKey(
                "small-order Ed25519 public key",
            ));
        }
        Ok(Self {
            name: name.to_owned(),
            key_id: key_id(name, kind, public_key),
            kind,
            key,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The signature type this key checks.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The raw Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The verifier key string, the inverse of [`Verifier::from_vkey`].
    pub fn vkey(&self) -> String {
        let mut raw = Vec::with_capacity(33);
        raw.push(self.kind.type_byte());
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, STANDARD.encode(raw))
    }

    /// Checks `sig` (the signature bytes after the key id) over `text`.
    /// Returns the cosignature timestamp for `0x04` keys, `None` for `0x01`.
    pub(super) fn verify(&self, text: &str, sig: &[u8]) -> Result<Option<u64>> {
        let bad = || NoteError::BadSignature {
            name: self.name.clone(),
            key_id: self.key_id,
        };
        // verify_strict refuses non-canonical and small-order encodings, which
        // honest signers never produce; this keeps signatures non-malleable.
        match self.kind {
            KeyKind::Ed25519 => {
                let sig = Signature::from_slice(sig).map_err(|_| bad())?;
                self.key
                    .verify_strict(text.as_bytes(), &sig)
                    .map_err(|_| bad())?;
                Ok(None)
            }
            KeyKind::Ed25519Cosignature => {
                let (ts, sig) = sig.split_first_chunk::<8>().ok_or_else(bad)?;
                let timestamp = u64::from_be_bytes(*ts);
                // The spec caps timestamps at 2^63 - 1.
                if timestamp > u64::MAX >> 1 {
                    return Err(bad());
                }
                let sig = Signature::from_slice(sig).map_err(|_| bad())?;
                let message = cosignature_message(timestamp, text);
                self.key
                    .verify_strict(message.as_bytes(), &sig)
                    .map_err(|_| bad())?;
                Ok(Some(timestamp))
            }
        }
    }
}

impl FromStr for Verifier {
    type Err = NoteError;

    fn from_str(s: &str) -> Result<Self> {
        Self::from_vkey(s)
    }
}

impl fmt::Display for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.vkey())
    }
}

/// An Ed25519 private key with its name, producing type `0x01` signatures.
#[derive(Clone)]
pub struct Signer {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl Signer {
    /// Wraps an Ed25519 signing key under a key name.
    pub fn new(name: &str, key: SigningKey) -> Result<Self> {
        validate_key_name(name)?;
        let public = key.verifying_key().to_bytes();
        Ok(Self {
            name: name.to_owned(),
            key_id: key_id(name, KeyKind::Ed25519, &public),
            key,
        })
    }

    /// Generates a fresh key from the operating system's random number generator.
    pub fn generate(name: &str) -> Result<Self> {
        validate_key_name(name)?;
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| NoteError::Rng(e.to_string()))?;
        let signer = Self::new(name, SigningKey::from_bytes(&seed));
        wipe(&mut seed);
        signer
    }

    /// Parses the Go signer key form
    /// `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || 32-byte seed)>`.
    pub fn from_skey(skey: &str) -> Result<Self> {
        let bad = NoteError::InvalidSignerKey;
        let rest = skey
            .strip_prefix(SKEY_PREFIX)
            .ok_or(bad("missing PRIVATE+KEY+ prefix"))?;
        let (name, id_hex, b64) =
            split_key_fields(rest).ok_or(bad("expected <name>+<key id>+<base64 key>"))?;
        validate_key_name(name)?;
        let claimed = parse_key_id(id_hex).ok_or(bad("key id is not 8 hex digits"))?;
        let mut raw = STANDARD
            .decode(b64)
            .map_err(|_| bad("key is not canonical padded base64"))?;
        let parsed = match raw.split_first() {
            Some((&0x01, seed)) => match <&[u8; 32]>::try_from(seed) {
                Ok(seed) => Self::new(name, SigningKey::from_bytes(seed)),
                Err(_) => Err(bad("Ed25519 seed is not 32 bytes")),
            },
            Some(_) => Err(bad("unsupported signature type")),
            None => Err(bad("empty key")),
        };
        wipe(&mut raw);
        let signer = parsed?;
        if signer.key_id != claimed {
            return Err(bad("key id does not match name and key"));
        }
        Ok(signer)
    }

    /// The signer key string (secret!), the inverse of [`Signer::from_skey`].
    pub fn skey(&self) -> String {
        let mut raw = [0u8; 33];
        raw[0] = KeyKind::Ed25519.type_byte();
        raw[1..].copy_from_slice(self.key.as_bytes());
        let text = format!(
            "{SKEY_PREFIX}{}+{:08x}+{}",
            self.name,
            self.key_id,
            STANDARD.encode(raw)
        );
        wipe(&mut raw);
        text
    }

    /// The same Ed25519 key under another name (and so another key id):
    /// how one key signs checkpoints of several origins each under its own
    /// origin as key name.
    pub fn renamed(&self, name: &str) -> Result<Self> {
        Self::new(name, self.key.clone())
    }

    /// The verifier key string for this signer's public key.
    pub fn vkey(&self) -> String {
        self.verifier().vkey()
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Verifier {
        Verifier {
            name: self.name.clone(),
            key_id: self.key_id,
            kind: KeyKind::Ed25519,
            key: self.key.verifying_key(),
        }
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Signs the note text (deterministic, RFC 8032).
    /// A bare Ed25519 signature over `message` (for records that are not
    /// notes, such as key rotations; callers domain-separate the message).
    pub fn sign_raw(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer as _;
        self.key.sign(message).to_bytes()
    }

    /// The Ed25519 key itself, for the cosigner built from the same seed.
    pub(super) fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    pub(super) fn sign_text(&self, text: &str) -> Result<[u8; 64]> {
        use ed25519_dalek::Signer as _;
        self.key
            .try_sign(text.as_bytes())
            .map(|sig| sig.to_bytes())
            .map_err(|e| NoteError::Signing(e.to_string()))
    }
}

// Hand-written so that the secret key never reaches logs.
impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}
