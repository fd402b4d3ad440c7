//! The IERS/IETF `leap-seconds.list`: TAI − UTC (ΔAT) with its validity.
//!
//! hifitime's built-in table ends in 2017 and applies 37 s forever, with no
//! sign that the table may be out of date (`TIME_AND_MATURITY.md` §2). A
//! forensic time stamp must say whether the ΔAT it used was *known* at that
//! instant or *assumed*, so the workstation ships a current list
//! (`assets/leap-seconds.list`, provenance in `assets/README.md`), embedded
//! in the binary, and reads its expiry date: past it, the IERS has not said
//! whether a leap second was inserted, and ΔAT is only assumed unchanged.
//!
//! The file format (published by the IERS and shipped in tzdata): lines
//! starting with `#` are comments except `#$` (last update, NTP seconds),
//! `#@` (expiry, NTP seconds) and `#h` (SHA-1, five 32-bit words in hex, of
//! the digits of the `#$` and `#@` values and of every data line's two
//! fields, whitespace and comments removed). A data line is
//! `NTP-seconds ΔAT [# comment]`; NTP seconds count from 1900-01-01 UTC.
//! The hash is checked, so a list edited by hand or cut short is refused.

use crate::time::civil::civil_from_days;
use sha1::{Digest, Sha1};
use std::path::Path;
use std::sync::OnceLock;

/// Seconds from 1900-01-01 (the NTP origin) to 1970-01-01 (the Unix origin).
pub const NTP_TO_UNIX_S: i64 = 2_208_988_800;

/// The list shipped with the workstation, as text.
pub const EMBEDDED_TEXT: &str = include_str!("../../assets/leap-seconds.list");

/// Where the embedded list comes from, for the records that cite it.
pub const EMBEDDED_SOURCE: &str =
    "iss-workstation assets/leap-seconds.list (IERS, via Debian tzdata 2026f)";

/// Where Debian-like systems keep the list (package `tzdata`).
pub const SYSTEM_LIST: &str = "/usr/share/zoneinfo/leap-seconds.list";

/// One entry: from `unix` on, TAI − UTC is `delta_at` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeapEntry {
    /// Unix time of the UTC midnight the entry starts at.
    pub unix: i64,
    /// TAI − UTC from then on, in seconds.
    pub delta_at: i32,
}

/// A parsed, hash-checked leap-second list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeapSecondList {
    /// Where the list was read from (a path, or [`EMBEDDED_SOURCE`]).
    pub source: String,
    /// Unix time of the list's last update (`#$`).
    pub updated_unix: i64,
    /// Unix time after which the list is no longer valid (`#@`).
    pub expires_unix: i64,
    /// The entries, in increasing time.
    pub entries: Vec<LeapEntry>,
    /// The list's SHA-1, as stated in `#h` and recomputed.
    pub sha1: [u8; 20],
}

/// What the list says about one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeapLookup {
    /// TAI − UTC at the instant (the last entry's value past the expiry).
    pub delta_at: i32,
    /// True when the instant is before the list's expiry, so ΔAT is known;
    /// false when it is assumed to have stayed the same.
    pub known: bool,
}

/// Why a leap-second list was refused. Lines are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LeapListError {
    /// The list could not be read.
    #[error("{source_name}: cannot read the leap-second list: {message}")]
    Unreadable {
        /// The file.
        source_name: String,
        /// The OS error.
        message: String,
    },
    /// A line is not what the format allows.
    #[error("{source_name}:{line}: expected {expected}, found {found:?}")]
    BadLine {
        /// The file.
        source_name: String,
        /// The line.
        line: usize,
        /// What the format allows there.
        expected: &'static str,
        /// The line as found (cut to 80 characters).
        found: String,
    },
    /// A required line (`#$`, `#@`, `#h`, or any data line) is missing.
    #[error("{source_name}: no {what} line: not a complete leap-seconds.list")]
    Missing {
        /// The file.
        source_name: String,
        /// Which line.
        what: &'static str,
    },
    /// Entries out of order.
    #[error("{source_name}:{line}: entry at NTP {ntp} is not after the one before it")]
    NotIncreasing {
        /// The file.
        source_name: String,
        /// The line.
        line: usize,
        /// Its NTP time.
        ntp: i64,
    },
    /// The recomputed SHA-1 is not the one the list states: it was edited or damaged.
    #[error(
        "{source_name}:{line}: the list's SHA-1 does not match its data: expected {expected} (recomputed), found {found} (stated); the list was edited or damaged"
    )]
    HashMismatch {
        /// The file.
        source_name: String,
        /// The `#h` line.
        line: usize,
        /// Recomputed from the data.
        expected: String,
        /// Stated on the `#h` line.
        found: String,
    },
}

impl LeapSecondList {
    /// The list shipped with the workstation (parsed once).
    pub fn embedded() -> Result<&'static LeapSecondList, LeapListError> {
        static EMBEDDED: OnceLock<Result<LeapSecondList, LeapListError>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| LeapSecondList::parse(EMBEDDED_TEXT, EMBEDDED_SOURCE))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The list valid the longest among the embedded one and the system's
    /// (`/usr/share/zoneinfo/leap-seconds.list`, when present and its hash
    /// checks): a machine whose tzdata is newer than this build extends the
    /// validity; an older or damaged one is ignored.
    pub fn best_available() -> Result<LeapSecondList, LeapListError> {
        Self::best_of(Path::new(SYSTEM_LIST))
    }

    /// [`Self::best_available`] with the system list at `system` (for tests).
    pub fn best_of(system: &Path) -> Result<LeapSecondList, LeapListError> {
        let embedded = Self::embedded()?;
        match Self::from_path(system) {
            Ok(sys) if sys.expires_unix > embedded.expires_unix => Ok(sys),
            _ => Ok(embedded.clone()),
        }
    }

    /// Read and check a list from a file (for example the system's
    /// `/usr/share/zoneinfo/leap-seconds.list`).
    pub fn from_path(path: &Path) -> Result<LeapSecondList, LeapListError> {
        let source_name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| LeapListError::Unreadable {
            source_name: source_name.clone(),
            message: e.to_string(),
        })?;
        LeapSecondList::parse(&text, &source_name)
    }

    /// Parse and check the text of a list; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<LeapSecondList, LeapListError> {
        let mut p = Parser {
            source,
            hashed: String::with_capacity(1024),
            updated: None,
            expires: None,
            stated: None,
            entries: Vec::new(),
        };
        for (i, raw) in text.lines().enumerate() {
            p.line(i + 1, raw)?;
        }
        p.finish()
    }

    /// ΔAT at Unix time `unix_s`, and whether it is known; `None` before
    /// the first entry (1972), where UTC had no whole-second ΔAT.
    pub fn lookup(&self, unix_s: i64) -> Option<LeapLookup> {
        let after = self.entries.partition_point(|e| e.unix <= unix_s);
        let entry = self.entries.get(after.checked_sub(1)?)?;
        Some(LeapLookup {
            delta_at: entry.delta_at,
            known: unix_s < self.expires_unix,
        })
    }

    /// The last entry (the latest leap second the list knows of).
    pub fn last_entry(&self) -> LeapEntry {
        // `parse` refuses a list without entries.
        self.entries.last().copied().unwrap_or(LeapEntry {
            unix: i64::MIN,
            delta_at: 0,
        })
    }

    /// Whether the list has expired at Unix time `unix_s`.
    pub fn expired_at(&self, unix_s: i64) -> bool {
        unix_s >= self.expires_unix
    }

    /// The SHA-1 as lower-case hex.
    pub fn sha1_hex(&self) -> String {
        hex::encode(self.sha1)
    }
}

/// `YYYY-MM-DD` of a Unix time (the list's dates are UTC midnights).
pub fn date_of_unix(unix_s: i64) -> String {
    let (y, m, d) = civil_from_days(unix_s.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

struct Parser<'a> {
    source: &'a str,
    /// The digits the `#h` hash covers, in file order.
    hashed: String,
    updated: Option<i64>,
    expires: Option<i64>,
    /// The `#h` line: its number and its hash.
    stated: Option<(usize, [u8; 20])>,
    entries: Vec<LeapEntry>,
}

impl Parser<'_> {
    fn bad(&self, line: usize, expected: &'static str, raw: &str) -> LeapListError {
        LeapListError::BadLine {
            source_name: self.source.to_owned(),
            line,
            expected,
            found: raw.chars().take(80).collect(),
        }
    }

    fn line(&mut self, n: usize, raw: &str) -> Result<(), LeapListError> {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = raw.strip_prefix("#$") {
            let v = self.ntp_value(
                n,
                raw,
                rest,
                "`#$` followed by the update time in NTP seconds",
            )?;
            self.updated = Some(v);
        } else if let Some(rest) = raw.strip_prefix("#@") {
            let v = self.ntp_value(n, raw, rest, "`#@` followed by the expiry in NTP seconds")?;
            self.expires = Some(v);
        } else if let Some(rest) = raw.strip_prefix("#h") {
            let hash = parse_hash(rest)
                .ok_or_else(|| self.bad(n, "`#h` followed by five 32-bit words in hex", raw))?;
            self.stated = Some((n, hash));
        } else if raw.starts_with('#') || raw.trim().is_empty() {
            // A comment.
        } else {
            self.data_line(n, raw)?;
        }
        Ok(())
    }

    fn ntp_value(
        &mut self,
        n: usize,
        raw: &str,
        rest: &str,
        expected: &'static str,
    ) -> Result<i64, LeapListError> {
        let digits = rest.trim();
        let v = parse_digits(digits).ok_or_else(|| self.bad(n, expected, raw))?;
        self.hashed.push_str(digits);
        Ok(v - NTP_TO_UNIX_S)
    }

    fn data_line(&mut self, n: usize, raw: &str) -> Result<(), LeapListError> {
        const EXPECTED: &str = "a data line `NTP-seconds TAI-UTC [# comment]`";
        let data = raw.split('#').next().unwrap_or("");
        let mut fields = data.split_whitespace();
        let (Some(ntp), Some(dat), None) = (fields.next(), fields.next(), fields.next()) else {
            return Err(self.bad(n, EXPECTED, raw));
        };
        let (Some(ntp_v), Some(dat_v)) = (parse_digits(ntp), parse_digits(dat)) else {
            return Err(self.bad(n, EXPECTED, raw));
        };
        let delta_at = i32::try_from(dat_v).map_err(|_| self.bad(n, EXPECTED, raw))?;
        let unix = ntp_v - NTP_TO_UNIX_S;
        if self.entries.last().is_some_and(|e| e.unix >= unix) {
            return Err(LeapListError::NotIncreasing {
                source_name: self.source.to_owned(),
                line: n,
                ntp: ntp_v,
            });
        }
        self.hashed.push_str(ntp);
        self.hashed.push_str(dat);
        self.entries.push(LeapEntry { unix, delta_at });
        Ok(())
    }

    fn finish(self) -> Result<LeapSecondList, LeapListError> {
        let missing = |what| LeapListError::Missing {
            source_name: self.source.to_owned(),
            what,
        };
        let updated_unix = self.updated.ok_or_else(|| missing("`#$` (last update)"))?;
        let expires_unix = self.expires.ok_or_else(|| missing("`#@` (expiry)"))?;
        let (hash_line, stated) = self.stated.ok_or_else(|| missing("`#h` (SHA-1)"))?;
        if self.entries.is_empty() {
            return Err(missing("data"));
        }
        let computed: [u8; 20] = Sha1::digest(self.hashed.as_bytes()).into();
        if computed != stated {
            return Err(LeapListError::HashMismatch {
                source_name: self.source.to_owned(),
                line: hash_line,
                expected: hex::encode(computed),
                found: hex::encode(stated),
            });
        }
        Ok(LeapSecondList {
            source: self.source.to_owned(),
            updated_unix,
            expires_unix,
            entries: self.entries,
            sha1: stated,
        })
    }
}

/// A non-negative decimal integer of at most 18 digits (so it fits an i64).
fn parse_digits(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Five whitespace-separated hex words of up to 8 digits (some published
/// lists drop a word's leading zeros, so shorter words are padded).
fn parse_hash(s: &str) -> Option<[u8; 20]> {
    let mut out = [0u8; 20];
    let mut words = s.split_whitespace();
    for chunk in out.chunks_exact_mut(4) {
        let w = words.next()?;
        if w.is_empty() || w.len() > 8 || !w.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let v = u32::from_str_radix(w, 16).ok()?;
        chunk.copy_from_slice(&v.to_be_bytes());
    }
    words.next().is_none().then_some(out)
}

#[cfg(test)]
mod tests;
