//! C2SP tlog-checkpoints (<https://c2sp.org/tlog-checkpoint>): the signed text
//! that commits a log to its Merkle tree head.
//!
//! ```text
//! <origin>\n
//! <tree size, ASCII decimal, no leading zeros>\n
//! <standard padded base64 of the 32-byte root hash>\n
//! [<non-empty extension line>\n ...]
//! ```
//!
//! The text is carried in a signed note (see [`super::note`]).
//!
//! Origins: the spec only *recommends* a schema-less URL without spaces or '+'
//! and tells clients not to rely on it — the real `sum.golang.org` origin is
//! `go.sum database tree`. So [`Checkpoint::parse`] accepts any non-empty
//! origin, while [`sign_checkpoint`] only writes recommended ones.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::note::{self, NoteError, Opened, Signer, Verifier};

#[cfg(test)]
mod tests;

/// Why a checkpoint was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The signed-note envelope failed to open or to be produced.
    #[error(transparent)]
    Note(#[from] NoteError),

    /// The text does not end in a newline.
    #[error("checkpoint text does not end in a newline")]
    MissingFinalNewline,

    /// Fewer than the three mandatory lines.
    #[error("checkpoint text has no {0} line")]
    MissingLine(&'static str),

    /// A control character other than newline.
    #[error("checkpoint text contains a control character other than newline")]
    ControlCharacter,

    /// The origin line is unusable.
    #[error("invalid origin: {0}")]
    InvalidOrigin(&'static str),

    /// The tree size line is not canonical ASCII decimal.
    #[error("invalid tree size: {0}")]
    InvalidSize(&'static str),

    /// The root hash line is not the padded base64 of 32 bytes.
    #[error("invalid root hash: {0}")]
    InvalidRoot(&'static str),

    /// An extension line is empty or contains a newline or control character.
    #[error("invalid extension line {index}: {reason}")]
    InvalidExtension {
        /// 1-based index among the extension lines.
        index: usize,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// The checkpoint verified but belongs to another log than expected.
    #[error("checkpoint origin is {found:?}, expected {expected:?}")]
    OriginMismatch {
        /// The origin the caller expected.
        expected: String,
        /// The origin in the checkpoint.
        found: String,
    },
}

/// Result type of this module.
pub type Result<T> = std::result::Result<T, CheckpointError>;

/// A log's tree head: origin, tree size and RFC 6962 root hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Identity of the log, e.g. `example.com/ledger42`.
    pub origin: String,
    /// Number of leaves in the tree.
    pub size: u64,
    /// RFC 6962 SHA-256 Merkle tree root at `size`.
    pub root: [u8; 32],
    /// Opaque extension lines, without their newlines. The spec advises
    /// against them: monitors cannot audit them.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The checkpoint text, every line ending in `\n`.
    ///
    /// Only meaningful for a checkpoint that passes [`Checkpoint::validate`].
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        );
        for line in &self.extensions {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    /// Parses checkpoint text (a note's verified text), strictly: canonical
    /// size and root encodings, non-empty lines, final newline.
    pub fn parse(text: &str) -> Result<Self> {
        if text.chars().any(|c| c < ' ' && c != '\n') {
            return Err(CheckpointError::ControlCharacter);
        }
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::MissingFinalNewline)?;
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(CheckpointError::InvalidOrigin("empty"));
        }
        let size = parse_size(
            lines
                .next()
                .ok_or(CheckpointError::MissingLine("tree size"))?,
        )?;
        let root = parse_root(
            lines
                .next()
                .ok_or(CheckpointError::MissingLine("root hash"))?,
        )?;
        let extensions = lines
            .enumerate()
            .map(|(i, line)| {
                if line.is_empty() {
                    Err(CheckpointError::InvalidExtension {
                        index: i + 1,
                        reason: "empty",
                    })
                } else {
                    Ok(line.to_owned())
                }
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// Checks that [`Checkpoint::to_text`] yields text that parses back to
    /// this checkpoint: fields are public, so nothing else guarantees it.
    pub fn validate(&self) -> Result<()> {
        if let Some(reason) = line_problem(&self.origin) {
            return Err(CheckpointError::InvalidOrigin(reason));
        }
        for (i, line) in self.extensions.iter().enumerate() {
            if let Some(reason) = line_problem(line) {
                return Err(CheckpointError::InvalidExtension {
                    index: i + 1,
                    reason,
                });
            }
        }
        Ok(())
    }
}

/// What keeps `line` from being a single non-empty checkpoint line, if anything.
fn line_problem(line: &str) -> Option<&'static str> {
    if line.is_empty() {
        Some("empty")
    } else if line.contains('\n') {
        Some("contains a newline")
    } else if line.chars().any(|c| c < ' ') {
        Some("contains a control character")
    } else {
        None
    }
}

/// Whether `origin` follows the spec's recommendation: non-empty, no Unicode
/// whitespace, no '+', no control characters.
pub fn is_recommended_origin(origin: &str) -> bool {
    line_problem(origin).is_none()
        && !origin.contains('+')
        && !origin.chars().any(char::is_whitespace)
}

/// ASCII decimal without sign or leading zeros ("0" itself is fine).
fn parse_size(line: &str) -> Result<u64> {
    let bad = CheckpointError::InvalidSize;
    if line.is_empty() {
        return Err(bad("empty"));
    }
    if !line.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("not ASCII decimal digits"));
    }
    if line.len() > 1 && line.starts_with('0') {
        return Err(bad("leading zero"));
    }
    line.parse().map_err(|_| bad("does not fit in 64 bits"))
}

/// Canonical standard padded base64 of exactly 32 bytes.
fn parse_root(line: &str) -> Result<[u8; 32]> {
    let bad = CheckpointError::InvalidRoot;
    let raw = STANDARD
        .decode(line)
        .map_err(|_| bad("not canonical padded base64"))?;
    raw.try_into().map_err(|_| bad("not 32 bytes"))
}

/// Signs a checkpoint as a signed note with the log's key.
///
/// Refuses origins outside the spec's recommendation, so that our own logs
/// never publish one that other tools might mishandle.
pub fn sign_checkpoint(checkpoint: &Checkpoint, signer: &Signer) -> Result<String> {
    sign_checkpoint_by(checkpoint, &[signer])
}

/// [`sign_checkpoint`] with several keys: one signature line each, in the
/// order given (a key rotation has the old and the new key sign the same
/// tree head, `docs/FORMAT.md` §8).
pub fn sign_checkpoint_by(checkpoint: &Checkpoint, signers: &[&Signer]) -> Result<String> {
    checkpoint.validate()?;
    if !is_recommended_origin(&checkpoint.origin) {
        return Err(CheckpointError::InvalidOrigin(
            "contains whitespace or '+' (readable, but we never sign such origins)",
        ));
    }
    Ok(note::sign(&checkpoint.to_text(), signers.iter().copied())?)
}

/// Opens a signed checkpoint: verifies the note against `known` keys, parses
/// the text, and checks that it belongs to the log the caller expects.
///
/// Any verified key in `known` suffices; to insist on the log's own key when
/// `known` also holds witnesses, use [`open_checkpoint_with_signatures`] and
/// check [`Opened::is_verified_by`].
pub fn open_checkpoint(
    note: &str,
    known: &[Verifier],
    expected_origin: &str,
) -> Result<Checkpoint> {
    open_checkpoint_with_signatures(note, known, expected_origin).map(|(checkpoint, _)| checkpoint)
}

/// Like [`open_checkpoint`], also returning which signatures verified (e.g.
/// witness cosignatures with their timestamps) and which were unknown.
pub fn open_checkpoint_with_signatures(
    note: &str,
    known: &[Verifier],
    expected_origin: &str,
) -> Result<(Checkpoint, Opened)> {
    // Parse only verified text: the spec says unverified text must be ignored.
    let opened = note::open(note, known)?;
    let checkpoint = Checkpoint::parse(&opened.text)?;
    if checkpoint.origin != expected_origin {
        return Err(CheckpointError::OriginMismatch {
            expected: expected_origin.to_owned(),
            found: checkpoint.origin,
        });
    }
    Ok((checkpoint, opened))
}
