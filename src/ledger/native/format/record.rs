//! One native record line: its exact framing, its hash, and the checks a
//! verifier makes on it alone (`docs/FORMAT.md` §4).
//!
//! The line is `{"seq":SEQ,"prev":"PREV","body":BODY[,"mac":"KEYID:MAC"],"hash":"HASH"}`
//! and nothing else. The hash covers a domain tag, the chain name, `SEQ`,
//! `PREV` and the body's bytes exactly as written; the framing around them
//! is checked by rebuilding the line and comparing bytes, so no byte of a
//! line can change unnoticed.

use crate::ledger::hash::{hex_str, to_hex};
use crate::ledger::native::secret::MacKey;
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

/// The domain tag that starts every record hash's message.
pub const DOMAIN: &str = "iss-native-v1/record\n";

/// `PREV` of the first record of a chain.
pub const GENESIS_PREV: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Feed a record's message (`docs/FORMAT.md` §4.2), which both `HASH` and
/// `MAC` are computed over, to `sink` part by part.
pub fn feed_message(chain: &str, seq: u64, prev: &str, body: &str, mut sink: impl FnMut(&[u8])) {
    let mut buf = [0u8; 20];
    let seq = decimal(seq, &mut buf);
    for part in [
        DOMAIN.as_bytes(),
        chain.as_bytes(),
        b"\n",
        seq,
        b"\n",
        prev.as_bytes(),
        b"\n",
        body.as_bytes(),
    ] {
        sink(part);
    }
}

/// `HASH` of a record (`docs/FORMAT.md` §4.2), as lower-case hex.
pub fn record_hash(chain: &str, seq: u64, prev: &str, body: &str) -> String {
    hex_str(&record_hash_hex(chain, seq, prev, body)).to_owned()
}

/// [`record_hash`] on the stack (the verifier's hot path).
fn record_hash_hex(
    chain: &str,
    seq: u64,
    prev: &str,
    body: &str,
) -> crate::ledger::hash::HexDigest {
    let mut h = Sha256::new();
    feed_message(chain, seq, prev, body, |p| h.update(p));
    to_hex(&h.finalize().into())
}

/// The exact line (without `\n`) for a record.
pub fn format_line(
    seq: u64,
    prev: &str,
    body: &str,
    mac: Option<(&str, &str)>,
    hash: &str,
) -> String {
    let mac = mac.map_or_else(String::new, |(id, m)| format!(",\"mac\":\"{id}:{m}\""));
    format!("{{\"seq\":{seq},\"prev\":\"{prev}\",\"body\":{body}{mac},\"hash\":\"{hash}\"}}")
}

/// Build a new record line: the body is written compactly (its bytes are
/// then what the hash covers, for ever).
pub fn build_line(
    chain: &str,
    seq: u64,
    prev: &str,
    body: &serde_json::Value,
) -> Result<(String, String), RecordError> {
    build_line_keyed(chain, seq, prev, body, None)
}

/// [`build_line`], with a MAC under `key` when one is given (§5).
pub fn build_line_keyed(
    chain: &str,
    seq: u64,
    prev: &str,
    body: &serde_json::Value,
    key: Option<&MacKey>,
) -> Result<(String, String), RecordError> {
    if !body.is_object() {
        return Err(RecordError::BodyNotObject);
    }
    let body = serde_json::to_string(body).map_err(|e| RecordError::Json(e.to_string()))?;
    let hash = record_hash(chain, seq, prev, &body);
    let mac = key.map(|k| (k.id(), record_mac(k, chain, seq, prev, &body)));
    let mac = mac.as_ref().map(|(id, m)| (*id, m.as_str()));
    Ok((format_line(seq, prev, &body, mac, &hash), hash))
}

/// Build a record line around a body already serialised: `body` must be
/// one JSON object on one line; its bytes are kept exactly.
pub fn build_line_raw(
    chain: &str,
    seq: u64,
    prev: &str,
    body: &str,
    key: Option<&MacKey>,
) -> Result<(String, String), RecordError> {
    // Validated without building a tree: the writer checks the whole line
    // with the verifier's own parser next anyway.
    let raw: &RawValue =
        serde_json::from_str(body).map_err(|e| RecordError::Json(e.to_string()))?;
    if raw.get().len() != body.len() || !body.starts_with('{') || !body.ends_with('}') {
        return Err(RecordError::BodyNotObject);
    }
    if body.contains(['\n', '\r']) {
        return Err(RecordError::Json(
            "the body spans more than one line".into(),
        ));
    }
    let hash = record_hash(chain, seq, prev, body);
    let mac = key.map(|k| (k.id(), record_mac(k, chain, seq, prev, body)));
    let mac = mac.as_ref().map(|(id, m)| (*id, m.as_str()));
    Ok((format_line(seq, prev, body, mac, &hash), hash))
}

/// `MAC` of a record under `key` (§5), as lower-case hex.
pub fn record_mac(key: &MacKey, chain: &str, seq: u64, prev: &str, body: &str) -> String {
    let mut parts: Vec<Vec<u8>> = Vec::with_capacity(8);
    feed_message(chain, seq, prev, body, |p| parts.push(p.to_vec()));
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    key.mac_hex(&refs)
}

/// A record line taken apart, borrowing from the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRecord<'a> {
    /// `SEQ`.
    pub seq: u64,
    /// `PREV`.
    pub prev: &'a str,
    /// `BODY`, exactly as written.
    pub body: &'a str,
    /// `KEYID` and `MAC`, when present.
    pub mac: Option<(&'a str, &'a str)>,
    /// `HASH`.
    pub hash: &'a str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Frame<'a> {
    seq: u64,
    prev: &'a str,
    #[serde(borrow)]
    body: &'a RawValue,
    #[serde(default)]
    mac: Option<&'a str>,
    hash: &'a str,
}

/// Why a line is not a well-formed native record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// Not JSON, or not the record's fields with their types.
    #[error("not a native record: {0}")]
    Json(String),
    /// `BODY` is not a JSON object.
    #[error("the body is not a JSON object")]
    BodyNotObject,
    /// `PREV` or `HASH` is not 64 lower-case hex characters.
    #[error("`{field}` is not 64 lower-case hex characters")]
    BadHex {
        /// Which field.
        field: &'static str,
    },
    /// `mac` is not `KEYID:MAC` (8 and 64 lower-case hex characters).
    #[error("`mac` is not KEYID:MAC (8 and 64 lower-case hex characters)")]
    BadMac,
    /// The bytes around the hashed parts differ from the one allowed framing.
    #[error("the line's framing is not canonical: expected {expected}")]
    NonCanonical {
        /// The line as it must be written.
        expected: String,
    },
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Take a line apart, checking its framing byte for byte.
pub fn parse_line(line: &str) -> Result<ParsedRecord<'_>, RecordError> {
    let (record, canonical) = parse_fields(line)?;
    match canonical {
        None => Ok(record),
        Some(expected) => Err(RecordError::NonCanonical { expected }),
    }
}

/// Take a line apart; also return the canonical line when the line is not
/// it (a verifier reports that, and still checks the record's values).
pub fn parse_fields(line: &str) -> Result<(ParsedRecord<'_>, Option<String>), RecordError> {
    let f: Frame<'_> = serde_json::from_str(line).map_err(|e| RecordError::Json(e.to_string()))?;
    let body = f.body.get();
    if !body.starts_with('{') {
        return Err(RecordError::BodyNotObject);
    }
    for (field, v) in [("prev", f.prev), ("hash", f.hash)] {
        if !is_hex(v, 64) {
            return Err(RecordError::BadHex { field });
        }
    }
    let mac = match f.mac {
        None => None,
        Some(m) => match m.split_once(':') {
            Some((id, mac)) if is_hex(id, 8) && is_hex(mac, 64) => Some((id, mac)),
            _ => return Err(RecordError::BadMac),
        },
    };
    let record = ParsedRecord {
        seq: f.seq,
        prev: f.prev,
        body,
        mac,
        hash: f.hash,
    };
    // The common case compares in place; the expected line is built only
    // for a report.
    let expected = (!is_canonical(line, &record))
        .then(|| format_line(record.seq, record.prev, body, mac, record.hash));
    Ok((record, expected))
}

/// Whether `line` is exactly the template filled with `r`'s parts.
fn is_canonical(line: &str, r: &ParsedRecord<'_>) -> bool {
    let mut seq_buf = [0u8; 20];
    let seq = decimal(r.seq, &mut seq_buf);
    let mut rest = line.as_bytes();
    let mut take = |part: &[u8]| match rest.strip_prefix(part) {
        Some(after) => {
            rest = after;
            true
        }
        None => false,
    };
    let head = take(b"{\"seq\":")
        && take(seq)
        && take(b",\"prev\":\"")
        && take(r.prev.as_bytes())
        && take(b"\",\"body\":")
        && take(r.body.as_bytes());
    let mac = match r.mac {
        None => true,
        Some((id, m)) => {
            take(b",\"mac\":\"")
                && take(id.as_bytes())
                && take(b":")
                && take(m.as_bytes())
                && take(b"\"")
        }
    };
    head && mac
        && take(b",\"hash\":\"")
        && take(r.hash.as_bytes())
        && take(b"\"}")
        && rest.is_empty()
}

/// `n` in decimal, written into `buf`.
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

impl ParsedRecord<'_> {
    /// Whether `HASH` recomputes for `chain`.
    pub fn hash_ok(&self, chain: &str) -> bool {
        record_hash_hex(chain, self.seq, self.prev, self.body) == self.hash.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(seq: u64, prev: &str) -> (String, String) {
        build_line(
            "descriptors",
            seq,
            prev,
            &serde_json::json!({"process_name": "P", "level": 3, "note": "Prüfung"}),
        )
        .unwrap()
    }

    #[test]
    fn built_lines_parse_and_verify() {
        let (l, h) = line(0, GENESIS_PREV);
        let p = parse_line(&l).unwrap();
        assert_eq!((p.seq, p.prev, p.hash), (0, GENESIS_PREV, h.as_str()));
        assert!(p.hash_ok("descriptors"));
        assert!(!p.hash_ok("events"), "the chain name is part of the hash");
    }

    #[test]
    fn the_hash_message_is_as_specified() {
        // FORMAT.md §4.2, computed by hand here.
        let body = r#"{"a":1}"#;
        let mut h = Sha256::new();
        h.update(b"iss-native-v1/record\nevents\n7\n");
        h.update(GENESIS_PREV.as_bytes());
        h.update(b"\n{\"a\":1}");
        assert_eq!(
            record_hash("events", 7, GENESIS_PREV, body),
            hex::encode(h.finalize())
        );
    }

    #[test]
    fn framing_outside_the_hash_is_still_checked() {
        let (l, _) = line(5, GENESIS_PREV);
        let spaced = l.replacen("\"seq\":5", "\"seq\": 5", 1);
        assert!(matches!(
            parse_line(&spaced),
            Err(RecordError::NonCanonical { .. })
        ));
        let reordered =
            l.replacen("{\"seq\":5,", "{", 1)
                .replacen("\"hash\"", "\"seq\":5,\"hash\"", 1);
        assert!(parse_line(&reordered).is_err());
        let extra = l.replacen("\"hash\"", "\"x\":1,\"hash\"", 1);
        assert!(matches!(parse_line(&extra), Err(RecordError::Json(_))));
        let leading_zero = l.replacen("\"seq\":5", "\"seq\":05", 1);
        assert!(parse_line(&leading_zero).is_err());
    }

    proptest! {
        #[test]
        fn any_single_byte_change_is_detected(pos in any::<usize>(), byte in any::<u8>()) {
            let (l, _) = line(42, &"ab".repeat(32));
            let mut bytes = l.clone().into_bytes();
            let k = pos % bytes.len();
            if bytes[k] == byte { return Ok(()); }
            bytes[k] = byte;
            let Ok(changed) = String::from_utf8(bytes) else { return Ok(()) };
            match parse_line(&changed) {
                Err(_) => {}
                Ok(p) => prop_assert!(!p.hash_ok("descriptors") || p.seq != 42 || p.prev != "ab".repeat(32), "undetected: {changed}"),
            }
        }
    }
}
