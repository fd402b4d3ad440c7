//! The bounds a reviewer types to narrow records, parsed once for both
//! `iss find` and the workstation's `:filter`: a time bound that may be a
//! bare date (`2026-11-26`) or a time without offset (read as UTC), and a
//! capability-level bound with an operator (`>=3`, `<2`, `=4`, `3`).

use crate::time::Instant;

/// A range of capability levels (both ends inclusive; `None`: open).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LevelRange {
    /// Lowest level kept.
    pub min: Option<i64>,
    /// Highest level kept.
    pub max: Option<i64>,
}

impl LevelRange {
    /// Whether `level` lies in the range.
    pub fn contains(&self, level: i64) -> bool {
        self.min.is_none_or(|m| level >= m) && self.max.is_none_or(|m| level <= m)
    }

    /// Narrow this range by `other` (both must hold).
    #[must_use]
    pub fn and(self, other: LevelRange) -> LevelRange {
        LevelRange {
            min: self.min.max(other.min),
            max: match (self.max, other.max) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        }
    }
}

/// The operators a level bound may start with, longest first.
const OPERATORS: [&str; 5] = [">=", "<=", "=", ">", "<"];

/// A level bound typed as operator and number (`>=3`, `<2`, `=4`, or a
/// bare `3` meaning `=3`). Levels are 0 to 5 (ISO/IEC 33020); anything
/// else is refused with what was expected.
pub fn parse_level(text: &str) -> Result<LevelRange, String> {
    let text = text.trim();
    let op = OPERATORS
        .into_iter()
        .find(|op| text.starts_with(op))
        .unwrap_or("=");
    let value = text.strip_prefix(op).unwrap_or(text).trim();
    level_bound(op, value)
}

/// A level bound from its operator (`>=`, `<=`, `=`, `>`, `<`) and value.
pub fn level_bound(op: &str, value: &str) -> Result<LevelRange, String> {
    let n: i64 = value
        .parse()
        .map_err(|_| format!("level {value:?} is not a whole number"))?;
    if !(0..=5).contains(&n) {
        return Err(format!(
            "level {n} is not a capability level: levels are 0 to 5 (ISO/IEC 33020)"
        ));
    }
    let (min, max) = match op {
        "=" => (Some(n), Some(n)),
        ">=" => (Some(n), None),
        ">" => (Some(n + 1), None),
        "<=" => (None, Some(n)),
        "<" => (None, Some(n - 1)),
        other => return Err(format!("{other:?} is not one of >=, <=, =, >, <")),
    };
    Ok(LevelRange { min, max })
}

/// A time bound: a full ISO 8601 time, one without offset (UTC), a
/// date, or a date and minute (`2026-11-01T09:59`, UTC): a date or a
/// minute stands for its first instant as a start, its last as an end.
pub fn time_bound(value: &str, start: bool) -> Option<Instant> {
    if let Some(t) = Instant::parse(value) {
        return Some(t);
    }
    if value.len() == 16 && value.as_bytes()[13] == b':' {
        let secs = if start { ":00Z" } else { ":59.999999999Z" };
        return Instant::parse(&format!("{value}{secs}"));
    }
    if value.len() == 10 {
        let time = if start {
            "T00:00:00Z"
        } else {
            "T23:59:59.999999999Z"
        };
        return Instant::parse(&format!("{value}{time}"));
    }
    Instant::parse(&format!("{value}Z"))
}

/// What a time bound accepts, for messages.
pub const TIME_FORMS: &str = "a date (2026-11-01), a minute (2026-11-01T09:59) or an ISO 8601 time";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_take_every_operator_and_a_bare_number() {
        let r = |min, max| Ok(LevelRange { min, max });
        assert_eq!(parse_level(">=3"), r(Some(3), None));
        assert_eq!(parse_level(">3"), r(Some(4), None));
        assert_eq!(parse_level("<=2"), r(None, Some(2)));
        assert_eq!(parse_level("<2"), r(None, Some(1)));
        assert_eq!(parse_level("=4"), r(Some(4), Some(4)));
        assert_eq!(parse_level("4"), r(Some(4), Some(4)));
        let e = parse_level("9").unwrap_err();
        assert!(e.contains("levels are 0 to 5"), "{e}");
        let e = parse_level(">=x").unwrap_err();
        assert!(e.contains("\"x\" is not a whole number"), "{e}");
    }

    #[test]
    fn a_date_bounds_its_whole_day() {
        let since = time_bound("2026-11-26", true).unwrap();
        let until = time_bound("2026-11-26", false).unwrap();
        assert_eq!(since, Instant::parse("2026-11-26T00:00:00Z").unwrap());
        assert!(until > Instant::parse("2026-11-26T23:59:59Z").unwrap());
        assert!(until < Instant::parse("2026-11-27T00:00:00Z").unwrap());
        assert_eq!(
            time_bound("2026-11-26T09:00:00", true),
            Instant::parse("2026-11-26T09:00:00Z")
        );
        assert_eq!(time_bound("26 Nov", true), None);
    }

    #[test]
    fn ranges_narrow() {
        let a = parse_level(">=2").unwrap();
        let b = parse_level("<=4").unwrap();
        assert!(a.and(b).contains(3));
        assert!(!a.and(b).contains(5));
        assert!(!a.and(b).contains(1));
    }
}
