//! The C2SP tlog-witness protocol (<https://c2sp.org/tlog-witness>),
//! `add-checkpoint`: the request body, and the witness's decision on it.
//!
//! This module is pure: the HTTP server, the persistent state and the clock
//! live with the caller. [`decide`] applies the spec's checks in its order
//! and names the status code each failure must get, so that every witness
//! front end answers alike.
//!
//! ```text
//! old <size>\n
//! <base64 consistency proof hash>\n   (0 to 63 lines)
//! \n
//! <signed checkpoint note>
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::checkpoint::{Checkpoint, open_checkpoint};
use super::merkle::{Hash, empty_root, verify_consistency};
use super::note::Verifier;

/// Most consistency proof lines a client may send (the spec's limit).
pub const MAX_PROOF_LINES: usize = 63;

/// Content type of a 409 answer's body (the witness's current size).
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// A parsed `add-checkpoint` request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the client believes the witness holds.
    pub old_size: u64,
    /// The consistency proof from `old_size` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note (text, blank line, signature lines).
    pub note: String,
}

impl AddCheckpoint {
    /// The request body.
    pub fn to_body(&self) -> String {
        let mut body = format!("old {}\n", self.old_size);
        for hash in &self.proof {
            body.push_str(&STANDARD.encode(hash));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&self.note);
        body
    }

    /// Parses a request body; the error says what is malformed (a 400).
    pub fn parse(body: &[u8]) -> Result<Self, String> {
        let text = std::str::from_utf8(body).map_err(|_| "body is not UTF-8".to_owned())?;
        let (head, note) = text
            .split_once("\n\n")
            .ok_or("no empty line between the proof and the checkpoint")?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .ok_or("the first line is not `old <size>`")?;
        let old_size = parse_decimal(old)
            .ok_or_else(|| format!("old size {old:?} is not a decimal without leading zeros"))?;
        let mut proof = Vec::new();
        for line in lines {
            if proof.len() == MAX_PROOF_LINES {
                return Err(format!("more than {MAX_PROOF_LINES} proof lines"));
            }
            let raw = STANDARD
                .decode(line)
                .map_err(|_| format!("proof line {line:?} is not base64"))?;
            proof.push(
                raw.try_into()
                    .map_err(|_| format!("proof line {line:?} is not 32 bytes"))?,
            );
        }
        Ok(Self {
            old_size,
            proof,
            note: note.to_owned(),
        })
    }
}

/// ASCII decimal, no sign, no leading zeros ("0" itself is fine).
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// The body of a 409 answer: the witness's size and a newline.
pub fn size_body(size: u64) -> String {
    format!("{size}\n")
}

/// Parses a 409 answer's body.
pub fn parse_size_body(body: &str) -> Option<u64> {
    parse_decimal(body.strip_suffix('\n')?)
}

/// A log the witness cosigns: its origin and the keys it trusts for it.
#[derive(Debug, Clone)]
pub struct WitnessedLog {
    /// The checkpoint origin line.
    pub origin: String,
    /// The log's verifier keys (any name: matched by name and key id).
    pub keys: Vec<Verifier>,
}

/// What the witness last cosigned for a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeHead {
    /// The tree size.
    pub size: u64,
    /// The root hash.
    pub root: Hash,
}

/// Why a request is refused, with the status code the spec assigns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 400: the body is malformed or the old size is above the new size.
    BadRequest(String),
    /// 403: no trusted signature, or a trusted key's signature fails.
    Forbidden(String),
    /// 404: the origin is not a log this witness cosigns.
    UnknownLog(String),
    /// 409: the old size is not the witness's size (carried here).
    Conflict(u64),
    /// 422: the checkpoint is not consistent with what the witness holds.
    Unprocessable(String),
}

impl Refusal {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Forbidden(_) => 403,
            Self::UnknownLog(_) => 404,
            Self::Conflict(_) => 409,
            Self::Unprocessable(_) => 422,
        }
    }

    /// The response body (for 409 the size line the spec requires).
    pub fn body(&self) -> String {
        match self {
            Self::Conflict(size) => size_body(*size),
            Self::BadRequest(m)
            | Self::Forbidden(m)
            | Self::UnknownLog(m)
            | Self::Unprocessable(m) => {
                format!("{m}\n")
            }
        }
    }
}

/// The origin line of a note, read before anything is verified: only to
/// find which log's keys to verify it with.
pub fn claimed_origin(note: &str) -> Option<&str> {
    note.split_once('\n').map(|(first, _)| first)
}

/// Applies the spec's checks to `request` for `log`, given what the witness
/// last cosigned for it (`None`: never). On success the checkpoint is the
/// new tree head to persist (before answering) and cosign.
pub fn decide(
    request: &AddCheckpoint,
    log: &WitnessedLog,
    current: Option<TreeHead>,
) -> Result<Checkpoint, Refusal> {
    let checkpoint = open_checkpoint(&request.note, &log.keys, &log.origin).map_err(|e| {
        Refusal::Forbidden(format!(
            "checkpoint not signed by a key of {}: {e}",
            log.origin
        ))
    })?;
    if request.old_size > checkpoint.size {
        return Err(Refusal::BadRequest(format!(
            "old size {} is larger than the checkpoint size {}",
            request.old_size, checkpoint.size
        )));
    }
    let witness_size = current.map_or(0, |c| c.size);
    if request.old_size != witness_size {
        return Err(Refusal::Conflict(witness_size));
    }
    if checkpoint.size == 0 && checkpoint.root != empty_root() {
        return Err(Refusal::Unprocessable(
            "a checkpoint of size 0 must have the empty tree's root".into(),
        ));
    }
    match current {
        None => {
            if !request.proof.is_empty() {
                return Err(Refusal::Unprocessable(
                    "old size 0 needs an empty consistency proof".into(),
                ));
            }
        }
        Some(head) if head.size == 0 => {
            if !request.proof.is_empty() {
                return Err(Refusal::Unprocessable(
                    "old size 0 needs an empty consistency proof".into(),
                ));
            }
        }
        Some(head) => {
            verify_consistency(
                head.size,
                checkpoint.size,
                &request.proof,
                &head.root,
                &checkpoint.root,
            )
            .map_err(|e| {
                Refusal::Unprocessable(format!(
                    "not consistent with the cosigned tree of size {}: {e}",
                    head.size
                ))
            })?;
        }
    }
    Ok(checkpoint)
}

#[cfg(test)]
mod tests;
