//! `assessed_at` as an instant.
//!
//! The report compares assessment times as instants, not as text: two
//! descriptors written with different UTC offsets sort by when they happened,
//! not by their local wall clock. Only the shape the legacy service writes
//! (Python's `isoformat()`, with an offset) is accepted; anything else is an
//! invalid timestamp, which the report counts rather than guesses at.

use super::civil::{civil_from_days, days_from_civil, days_in_month};
use std::fmt;

/// A point in time: seconds and nanoseconds since 1970-01-01T00:00:00Z.
///
/// Field order makes the derived `Ord` chronological.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    /// Whole seconds since the Unix epoch (negative before 1970).
    pub secs: i64,
    /// Nanoseconds within the second, `0..1_000_000_000`.
    pub nanos: u32,
}

impl Instant {
    /// Parse `YYYY-MM-DDTHH:MM:SS[.f+](Z|±HH:MM)`.
    ///
    /// Fraction digits past the ninth are dropped (truncated, not rounded,
    /// so an instant never moves into the next second). A leap second
    /// (`:60`) is accepted and lands on the first instant of the next minute,
    /// as POSIX time does.
    pub fn parse(s: &str) -> Option<Instant> {
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let d = b.get(r)?;
            if !d.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some(d.iter().fold(0, |acc, c| acc * 10 + i64::from(c - b'0')))
        };
        let sep = |i: usize, c: u8| b.get(i) == Some(&c);
        if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':')) {
            return None;
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return None;
        }
        let mut i = 19;
        let mut nanos: u32 = 0;
        if sep(i, b'.') {
            let start = i + 1;
            i = start;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                if i - start < 9 {
                    nanos = nanos * 10 + u32::from(b[i] - b'0');
                }
                i += 1;
            }
            if i == start {
                return None;
            }
            for _ in (i - start)..9 {
                nanos *= 10;
            }
        }
        let offset = match b.get(i..)? {
            [b'Z'] => 0,
            [sign @ (b'+' | b'-'), ..] if b.len() == i + 6 && sep(i + 3, b':') => {
                let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
                if oh > 23 || om > 59 {
                    return None;
                }
                let o = oh * 3600 + om * 60;
                if *sign == b'-' { -o } else { o }
            }
            _ => return None,
        };
        let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
        Some(Instant {
            secs: local - offset,
            nanos,
        })
    }
}

/// RFC 3339 in UTC, with the fraction only when there is one.
impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.secs.div_euclid(86_400);
        let sod = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            sod / 3600,
            sod / 60 % 60,
            sod % 60
        )?;
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

#[cfg(test)]
mod tests {
    use super::Instant;

    #[test]
    fn parses_offsets_as_the_same_instant() {
        let a = Instant::parse("2026-11-26T21:44:39.376785+00:00").unwrap();
        let b = Instant::parse("2026-11-26T23:44:39.376785+02:00").unwrap();
        let c = Instant::parse("2026-11-26T21:44:39.376785Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.nanos, 376_785_000);
        assert_eq!(a.to_string(), "2026-11-26T21:44:39.376785Z");
    }

    #[test]
    fn known_unix_times() {
        assert_eq!(Instant::parse("1970-01-01T00:00:00Z").unwrap().secs, 0);
        assert_eq!(
            Instant::parse("2000-01-01T12:00:00+00:00").unwrap().secs,
            946_728_000
        );
        assert_eq!(
            Instant::parse("1969-12-31T23:59:59-00:00").unwrap().secs,
            -1
        );
        let t = Instant::parse("2024-02-29T00:00:00Z").unwrap();
        assert_eq!(t.to_string(), "2024-02-29T00:00:00Z");
    }

    #[test]
    fn rejects_what_is_not_iso_with_offset() {
        for s in [
            "",
            "2026-11-26T21:44:39",
            "2026-11-26 21:44:39+00:00",
            "2026-11-26T21:44:39.+00:00",
            "2026-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2026-11-26T24:00:00Z",
            "2026-11-26T21:44:39+0000",
            "2026-11-26T21:44:39+00:00x",
            "2026-11-26T21:44:39+24:00",
            "２026-11-26T21:44:39Z",
        ] {
            assert_eq!(Instant::parse(s), None, "{s}");
        }
    }

    #[test]
    fn long_fractions_truncate() {
        let t = Instant::parse("2026-01-01T00:00:00.9999999999Z").unwrap();
        assert_eq!((t.secs % 60, t.nanos), (0, 999_999_999));
    }
}
