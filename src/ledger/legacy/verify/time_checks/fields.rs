//! Checks of one pulse's time fields against its own `utc_unix`: ISO 8601
//! text, `et_s`, `epoch_days` / `julian_date`, and the leap-second window.

use hifitime::Epoch;

use super::leap::{self, LeapTable};
use super::{PulseTimes, TimeCheckConfig, finding, shown};
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::time::civil::iso_from_micros;

/// Unix time of 2000-01-01T12:00:00Z, the legacy writer's "J2000".
const LEGACY_J2000_UNIX: f64 = 946_728_000.0;
/// TT − TAI, exact.
const TT_MINUS_TAI_S: f64 = 32.184;
/// The ΔAT the legacy writer hard-codes.
const LEGACY_DELTA_AT_S: f64 = 37.0;
/// Julian date of the legacy writer's J2000.
const J2000_JD: f64 = 2_451_545.0;
const SECONDS_PER_DAY: f64 = 86_400.0;
/// The offset the legacy writer always writes.
const UTC_OFFSET: &str = "+00:00";

/// The legacy writer's `et_s` for Unix time `u`.
pub(super) fn legacy_et(u: f64) -> f64 {
    (u - LEGACY_J2000_UNIX) + TT_MINUS_TAI_S + LEGACY_DELTA_AT_S
}

/// The legacy writer's `epoch_days` for Unix time `u`.
pub(super) fn legacy_epoch_days(u: f64) -> f64 {
    (u - LEGACY_J2000_UNIX) / SECONDS_PER_DAY
}

/// The legacy writer's `julian_date` (JD of UTC, not of TT) for `u`.
pub(super) fn legacy_julian_date(u: f64) -> f64 {
    J2000_JD + legacy_epoch_days(u)
}

/// What a well-formed `utc_iso` holds besides its instant.
struct IsoShape<'a> {
    second: u8,
    /// `""` when the text has no offset at all.
    offset: &'a str,
}

/// Accept exactly what Python's `isoformat()` writes
/// (`YYYY-MM-DDTHH:MM:SS[.ffffff]` and an offset), plus `Z` or no offset so
/// that those can be named. Checking the shape first also keeps hifitime's
/// parser away from inputs it panics on (more than 9 fraction digits).
fn iso_shape(s: &str) -> Option<IsoShape<'_>> {
    let b = s.as_bytes();
    let digits = |from: usize, to: usize| {
        b.get(from..to)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let is = |i: usize, c: u8| b.get(i) == Some(&c);
    let date_time = digits(0, 4)
        && is(4, b'-')
        && digits(5, 7)
        && is(7, b'-')
        && digits(8, 10)
        && is(10, b'T')
        && digits(11, 13)
        && is(13, b':')
        && digits(14, 16)
        && is(16, b':')
        && digits(17, 19);
    if !date_time {
        return None;
    }
    let rest = if is(19, b'.') {
        digits(20, 26).then_some(26)?
    } else {
        19
    };
    // Everything before `rest` is ASCII, so `rest` is a char boundary.
    let offset = s.get(rest..)?;
    let numeric_offset = offset.len() == 6
        && (is(rest, b'+') || is(rest, b'-'))
        && digits(rest + 1, rest + 3)
        && is(rest + 3, b':')
        && digits(rest + 4, rest + 6);
    if !(offset.is_empty() || offset == "Z" || numeric_offset) {
        return None;
    }
    let second = s.get(17..19)?.parse().ok()?;
    Some(IsoShape { second, offset })
}

/// Unix time of an ISO 8601 text with an offset (as in `forensic_audit.log`),
/// parsed by hifitime after a shape check; `None` if it is not of the form
/// `YYYY-MM-DDTHH:MM:SS[.ffffff](+HH:MM|-HH:MM|Z)` or not a valid date.
pub fn iso_to_unix(s: &str) -> Option<f64> {
    let shape = iso_shape(s)?;
    if shape.offset.is_empty() {
        return None;
    }
    Epoch::from_gregorian_str(s)
        .ok()
        .map(|e| e.to_unix_seconds())
}

/// `ISO_UNIX_MISMATCH`. Returns the second field of `utc_iso` when its shape is
/// right, for the leap-second check.
pub(super) fn check_iso(
    cfg: &TimeCheckConfig,
    p: &PulseTimes<'_>,
    out: &mut Vec<Finding>,
) -> Option<u8> {
    let u = p.utc_unix;
    // Formatted only when a finding needs it: most pulses raise none.
    let expected_iso = || {
        leap::format_unix_iso(u).map_or_else(
            || format!("the instant utc_unix = {u}"),
            |iso| format!("utc_iso = {iso}"),
        )
    };
    let mismatch = |detail: String, expected: String, found: String| {
        finding(p, FindingKind::IsoUnixMismatch, detail).expected_found(expected, found)
    };
    // Fast path: the legacy writer prints utc_iso and utc_unix from one
    // clock read, so a genuine pulse's utc_iso is exactly the text its
    // utc_unix formats to (whole microseconds, +00:00, never second 60).
    // Equal text implies every check below passes; anything else takes the
    // full path, which explains the difference.
    if let Some(micros) = whole_micros(u)
        && iso_from_micros(micros) == p.utc_iso
    {
        return p.utc_iso.get(17..19).and_then(|s| s.parse().ok());
    }
    let Some(shape) = iso_shape(p.utc_iso) else {
        out.push(mismatch(
            "utc_iso is not an ISO 8601 time of the form the legacy writer produces \
             (YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00), so it cannot be checked against utc_unix; \
             look at how this line was written or edited."
                .to_owned(),
            format!(
                "{} (form YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00)",
                expected_iso()
            ),
            shown(p.utc_iso),
        ));
        return None;
    };
    let parsed = match Epoch::from_gregorian_str(p.utc_iso) {
        Ok(epoch) => epoch.to_unix_seconds(),
        Err(err) => {
            out.push(mismatch(
                format!(
                    "utc_iso has the legacy shape but is not a valid UTC calendar time ({err}); \
                     the writer cannot produce it, so the field was edited or corrupted."
                ),
                expected_iso(),
                shown(p.utc_iso),
            ));
            return Some(shape.second);
        }
    };
    let off = parsed - u;
    let agrees = off.abs() <= cfg.iso_tolerance_s;
    if shape.offset != UTC_OFFSET {
        let named = if shape.offset.is_empty() {
            "no offset"
        } else {
            shape.offset
        };
        let instant = if agrees {
            "read as stated it is the same instant as utc_unix".to_owned()
        } else {
            format!("read as stated it is {off:+.6} s from utc_unix")
        };
        out.push(mismatch(
            format!(
                "utc_iso carries {named} where the legacy writer always writes +00:00 \
                 ({instant}): the line was rewritten by another tool or edited."
            ),
            format!("{} (offset +00:00)", expected_iso()),
            format!("{} (offset {named})", shown(p.utc_iso)),
        ));
    } else if !agrees {
        out.push(mismatch(
            format!(
                "utc_iso and utc_unix come from one clock read but are {off:+.6} s apart: one \
                 was edited (pulse_id covers utc_iso, glyph_hash covers utc_unix)."
            ),
            format!("{} (±{:e} s)", expected_iso(), cfg.iso_tolerance_s),
            format!("{} (off by {off:+.6} s)", shown(p.utc_iso)),
        ));
    }
    Some(shape.second)
}

/// `u` in whole microseconds, when it is a plausible Unix time.
fn whole_micros(u: f64) -> Option<i64> {
    // Years 1970..=9999: keeps the conversion exact and in range.
    (0.0..253_402_300_800.0)
        .contains(&u)
        .then(|| (u * 1e6).round() as i64)
}

/// `ET_MISMATCH`: `et_s` must reproduce the legacy formula from `utc_unix`;
/// when it does not, say which physical story (if any) fits the value.
pub(super) fn check_et(
    cfg: &TimeCheckConfig,
    table: &LeapTable,
    p: &PulseTimes<'_>,
    out: &mut Vec<Finding>,
) {
    let expected = legacy_et(p.utc_unix);
    let off = p.et_s - expected;
    // Written so that NaN fails the check.
    if off.abs() <= cfg.et_tolerance_s {
        // A reproducible et_s is physically right by construction: it is too
        // large by exactly 37 − ΔAT(u) s plus TT − TDB (< 1.7 ms).
        return;
    }
    let detail = format!(
        "et_s does not follow from utc_unix by the legacy formula (u − 946728000) + 32.184 + 37: {}",
        explain_et(cfg, table, p.utc_unix, p.et_s, off)
    );
    out.push(finding(p, FindingKind::EtMismatch, detail).expected_found(
        format!("et_s = {expected} (±{:e} s)", cfg.et_tolerance_s),
        format!("{} (off by {off:+.6} s)", p.et_s),
    ));
}

/// The second half of an `ET_MISMATCH` detail: which writer or edit explains
/// an `et_s` that is `off` from the legacy value.
fn explain_et(cfg: &TimeCheckConfig, table: &LeapTable, u: f64, et_s: f64, off: f64) -> String {
    if !off.is_finite() {
        return "a value is not a finite number; the line was corrupted or edited.".to_owned();
    }
    let (Some(tdb), Some(delta_at)) = (leap::tdb_seconds(u), table.delta_at(u)) else {
        return format!(
            "they are {off:+.6} s apart and this date is outside 1972..2200, so ΔAT and TDB \
             cannot be used to say more; one of the two fields was edited."
        );
    };
    // ΔAT after the table ends is hifitime's assumption, not knowledge; say
    // so wherever the explanation leans on it.
    let assumed = if u >= cfg.delta_at_known_until_unix {
        let since = leap::format_unix_iso(cfg.delta_at_known_until_unix)
            .and_then(|iso| iso.get(..10).map(str::to_owned))
            .unwrap_or_else(|| "its end".to_owned());
        format!(" (assumed, not known: the leap-second table is valid until {since})")
    } else {
        String::new()
    };
    let whole = off.round();
    if (et_s - tdb).abs() <= cfg.tdb_minus_tt_max_s + cfg.et_tolerance_s {
        format!(
            "it is the true TT/TDB for this instant with ΔAT = {delta_at} s{assumed}, not the \
             legacy fixed-37 s value, so another writer produced it or it was recomputed; check \
             the line's origin."
        )
    } else if whole != 0.0 && (off - whole).abs() <= cfg.et_tolerance_s {
        format!(
            "it is off by exactly {whole:+} s, as written by a writer assuming ΔAT = {} s where \
             ΔAT is {delta_at} s{assumed}: a wrong leap-second era, or utc_unix shifted by {:+} s \
             after et_s was written.",
            LEGACY_DELTA_AT_S + whole,
            -whole
        )
    } else {
        format!(
            "they are {off:+.6} s apart, which no leap-second count explains: one of the two \
             fields was edited (pulse_id covers et_s, glyph_hash covers utc_unix)."
        )
    }
}

/// `JD_MISMATCH`: `epoch_days` and `julian_date` recomputed from `utc_unix`.
pub(super) fn check_jd(cfg: &TimeCheckConfig, p: &PulseTimes<'_>, out: &mut Vec<Finding>) {
    let fields = [
        ("epoch_days", p.epoch_days, legacy_epoch_days(p.utc_unix)),
        ("julian_date", p.julian_date, legacy_julian_date(p.utc_unix)),
    ];
    let (mut expected, mut found, mut names) = (Vec::new(), Vec::new(), Vec::new());
    for (name, value, want) in fields {
        let off = value - want;
        if off.abs() <= cfg.jd_tolerance_days {
            continue;
        }
        names.push(name);
        expected.push(format!("{name} = {want} (±{:e} d)", cfg.jd_tolerance_days));
        found.push(format!(
            "{name} = {value} (off by {off:+.3e} d = {:+.6} s)",
            off * SECONDS_PER_DAY
        ));
    }
    if names.is_empty() {
        return;
    }
    let (subject, verb) = match names.as_slice() {
        [one] => ((*one).to_owned(), "does"),
        _ => (names.join(" and "), "do"),
    };
    let detail = format!(
        "{subject} {verb} not follow from utc_unix (epoch_days = (u − 946728000)/86400, \
         julian_date = 2451545 + epoch_days); no hash covers these two fields, so this check is \
         the only sign that they (or utc_unix) were edited."
    );
    out.push(
        finding(p, FindingKind::JdMismatch, detail)
            .expected_found(expected.join("; "), found.join("; ")),
    );
}

/// `LEAP_SECOND_WINDOW`: near a leap second, or showing second 60.
pub(super) fn check_leap_window(
    cfg: &TimeCheckConfig,
    table: &LeapTable,
    p: &PulseTimes<'_>,
    second: Option<u8>,
    out: &mut Vec<Finding>,
) {
    let u = p.utc_unix;
    let expected = format!("no pulse within ±{} s of a leap second", cfg.leap_window_s);
    if let Some(step) = table.near(u, cfg.leap_window_s) {
        let day = leap::format_unix_iso(step.unix - 1.0)
            .and_then(|iso| iso.get(..10).map(str::to_owned))
            .unwrap_or_default();
        let from = u - step.unix;
        out.push(
            finding(
                p,
                FindingKind::LeapSecondWindow,
                format!(
                    "This pulse is {:.3} s {} the leap second {day}T23:59:60Z (ΔAT becomes {} s); \
                     Unix time repeats a second there, so check its order, intervals and et_s \
                     by hand.",
                    from.abs(),
                    if from < 0.0 { "before" } else { "after" },
                    step.delta_at
                ),
            )
            .expected_found(
                expected,
                format!("utc_unix = {u} ({from:+.3} s from {day}T23:59:60Z)"),
            ),
        );
    } else if second == Some(60) {
        out.push(
            finding(
                p,
                FindingKind::LeapSecondWindow,
                "utc_iso shows second 60, which exists only during a leap second and which \
                 Python's isoformat never writes; review this pulse by hand.",
            )
            .expected_found(expected, format!("utc_iso = {}", shown(p.utc_iso))),
        );
    }
}
