//! Proleptic Gregorian civil dates as day counts since 1970-01-01, and a
//! count of microseconds since the epoch as Python's UTC `isoformat()`.
//!
//! Howard Hinnant's `days_from_civil` / `civil_from_days`: exact for every
//! date an `i64` day count can hold after the era shift, no tables. Years
//! are counted in 400-year eras (146 097 days) starting on 0000-03-01, so
//! that the leap day falls at the end of each era-year.

/// Days since 1970-01-01 of the proleptic Gregorian date `y-m-d`
/// (`m` in 1..=12, `d` in 1..=31; not checked against the month's length:
/// callers validate with [`days_in_month`]).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Proleptic Gregorian `(year, month, day)` of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Whether `y` is a Gregorian leap year.
pub fn is_leap_year(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// The number of days of month `m` (1..=12) of year `y`.
pub fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap_year(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Python's `datetime.fromtimestamp(micros / 1e6, timezone.utc).isoformat()`
/// for an integer number of microseconds: `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`,
/// without the `.ffffff` part when the microseconds are 0, as Python does.
///
/// Years outside 1..=9999 (where Python raises) are written with as many
/// digits as needed.
pub fn iso_from_micros(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let sub = micros.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let mut out = String::with_capacity(32);
    if (0..=9999).contains(&y) {
        push_digits(&mut out, y.unsigned_abs(), 4);
    } else {
        out.push_str(&y.to_string());
    }
    // Hand-rolled rather than `format!`: this runs for every record written
    // and the formatting machinery dominated bulk generation.
    for (sep, value, width) in [
        ('-', m, 2),
        ('-', d, 2),
        ('T', sod / 3600, 2),
        (':', sod / 60 % 60, 2),
        (':', sod % 60, 2),
        ('.', sub, 6),
    ] {
        // Python's isoformat() leaves out a zero microsecond part.
        if sep == '.' && value == 0 {
            break;
        }
        out.push(sep);
        push_digits(&mut out, value.unsigned_abs(), width);
    }
    out.push_str("+00:00");
    out
}

/// Appends `value` as exactly `width` decimal digits (callers guarantee
/// it fits).
fn push_digits(out: &mut String, value: u64, width: u32) {
    let mut div = 10u64.pow(width.saturating_sub(1));
    while div > 0 {
        let digit = (value / div % 10) as u8;
        out.push(char::from(b'0' + digit));
        div /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn round_trips_every_day_of_eight_centuries() {
        let start = days_from_civil(1600, 1, 1);
        let end = days_from_civil(2400, 12, 31);
        let (mut y, mut m, mut d) = (1600, 1, 1);
        for days in start..=end {
            assert_eq!(civil_from_days(days), (y, m, d), "day {days}");
            assert_eq!(days_from_civil(y, m, d), days);
            d += 1;
            if d > days_in_month(y, m) {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
    }

    #[test]
    fn leap_years() {
        assert!(is_leap_year(2000) && is_leap_year(2024) && is_leap_year(1600));
        assert!(!is_leap_year(1900) && !is_leap_year(2100) && !is_leap_year(2023));
    }
}
