//! Time buckets for the histogram: a ladder of sizes (a minute up to a
//! year), each aligned to UTC (weeks start on Monday, months and years on
//! the calendar), and the counts per bucket taken from sorted times by
//! binary search: drawing never walks the records again, so a million of
//! them draw as fast as forty.

use crate::time::civil::{civil_from_days, days_from_civil};

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// A bucket size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A fixed number of seconds that divides a day (1 minute to 1 day).
    Secs(i64),
    /// A week, Monday 00:00 UTC to the next.
    Week,
    /// A number of calendar months (1, 3) from the first of a month.
    Months(i64),
    /// A calendar year.
    Year,
}

/// The sizes, finest first; `z`/`Z` move along it.
pub const LADDER: [Step; 13] = [
    Step::Secs(MINUTE),
    Step::Secs(5 * MINUTE),
    Step::Secs(15 * MINUTE),
    Step::Secs(30 * MINUTE),
    Step::Secs(HOUR),
    Step::Secs(3 * HOUR),
    Step::Secs(6 * HOUR),
    Step::Secs(12 * HOUR),
    Step::Secs(DAY),
    Step::Week,
    Step::Months(1),
    Step::Months(3),
    Step::Year,
];

/// Most buckets a histogram is cut into (zooming in stops before more):
/// counting them stays a few milliseconds however many records there are.
pub const MAX_BUCKETS: u64 = 10_000;

impl Step {
    /// What the user calls it (`1 hour`, `3 months`).
    pub fn name(self) -> String {
        match self {
            Step::Secs(s) if s % DAY == 0 => plural(s / DAY, "day"),
            Step::Secs(s) if s % HOUR == 0 => plural(s / HOUR, "hour"),
            Step::Secs(s) => plural(s / MINUTE, "minute"),
            Step::Week => "1 week".into(),
            Step::Months(n) => plural(n, "month"),
            Step::Year => "1 year".into(),
        }
    }

    /// The start of the bucket holding second `t` (Unix seconds, UTC).
    pub fn floor(self, t: i64) -> i64 {
        match self {
            Step::Secs(s) => t.div_euclid(s) * s,
            Step::Week => {
                let day = t.div_euclid(DAY);
                // 1970-01-01 was a Thursday: Monday is 3 days before.
                (day - (day + 3).rem_euclid(7)) * DAY
            }
            Step::Months(n) => {
                let (y, m, _) = civil_from_days(t.div_euclid(DAY));
                let index = (y * 12 + m - 1).div_euclid(n) * n;
                month_start(index)
            }
            Step::Year => {
                let (y, _, _) = civil_from_days(t.div_euclid(DAY));
                days_from_civil(y, 1, 1) * DAY
            }
        }
    }

    /// The start of the bucket after the one starting at `start`.
    pub fn next(self, start: i64) -> i64 {
        match self {
            Step::Secs(s) => start + s,
            Step::Week => start + 7 * DAY,
            Step::Months(n) => {
                let (y, m, _) = civil_from_days(start.div_euclid(DAY));
                month_start(y * 12 + m - 1 + n)
            }
            Step::Year => {
                let (y, _, _) = civil_from_days(start.div_euclid(DAY));
                days_from_civil(y + 1, 1, 1) * DAY
            }
        }
    }

    /// The start of the `i`-th bucket after the one starting at `first`.
    pub fn nth(self, first: i64, i: u64) -> i64 {
        let i = i64::try_from(i).unwrap_or(i64::MAX / (8 * DAY));
        match self {
            Step::Secs(s) => first + i * s,
            Step::Week => first + i * 7 * DAY,
            Step::Months(n) => {
                let (y, m, _) = civil_from_days(first.div_euclid(DAY));
                month_start(y * 12 + m - 1 + i * n)
            }
            Step::Year => {
                let (y, _, _) = civil_from_days(first.div_euclid(DAY));
                days_from_civil(y + i, 1, 1) * DAY
            }
        }
    }

    /// Buckets from the one holding `min` to the one holding `max`.
    pub fn count(self, min: i64, max: i64) -> u64 {
        let (lo, hi) = (self.floor(min), self.floor(max));
        let month = |t: i64| {
            let (year, m, _) = civil_from_days(t.div_euclid(DAY));
            year * 12 + m - 1
        };
        let steps = match self {
            Step::Secs(s) => (hi - lo) / s,
            Step::Week => (hi - lo) / (7 * DAY),
            Step::Months(n) => (month(hi) - month(lo)) / n,
            Step::Year => (month(hi) - month(lo)) / 12,
        };
        // `max` before `min` is no bucket.
        u64::try_from(steps + 1).unwrap_or(0)
    }

    /// How a bucket's start is labelled: as precise as the step needs.
    pub fn label(self, start: i64) -> String {
        let (y, m, d) = civil_from_days(start.div_euclid(DAY));
        let secs = start.rem_euclid(DAY);
        match self {
            Step::Secs(s) if s < DAY => format!(
                "{y:04}-{m:02}-{d:02} {:02}:{:02}",
                secs / HOUR,
                secs % HOUR / MINUTE
            ),
            Step::Secs(_) | Step::Week => format!("{y:04}-{m:02}-{d:02}"),
            Step::Months(_) => format!("{y:04}-{m:02}"),
            Step::Year => format!("{y:04}"),
        }
    }

    /// Whether buckets start and end at midnight (a range of them is
    /// then said in dates).
    pub fn whole_days(self) -> bool {
        !matches!(self, Step::Secs(s) if s < DAY)
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// The first second of month number `index` (year * 12 + month - 1).
fn month_start(index: i64) -> i64 {
    days_from_civil(index.div_euclid(12), index.rem_euclid(12) + 1, 1) * DAY
}

/// The finest step on the ladder that cuts `min..=max` into at most
/// `rows` buckets (the coarsest when none does), as a ladder index.
pub fn auto(min: i64, max: i64, rows: usize) -> usize {
    let rows = rows.max(1) as u64;
    LADDER
        .iter()
        .position(|s| s.count(min, max) <= rows)
        .unwrap_or(LADDER.len() - 1)
}

/// The finest ladder index whose buckets stay under [`MAX_BUCKETS`].
pub fn finest(min: i64, max: i64) -> usize {
    LADDER
        .iter()
        .position(|s| s.count(min, max) <= MAX_BUCKETS)
        .unwrap_or(LADDER.len() - 1)
}

/// How many of the sorted `times` fall in `from..to`.
pub fn between(times: &[i64], from: i64, to: i64) -> u64 {
    (times.partition_point(|t| *t < to) - times.partition_point(|t| *t < from)) as u64
}

/// The date or minute to write in a filter for the first instant of
/// `start` (`since=`), and for the last instant before `end` (`until=`):
/// a date stands for its whole day and `HH:MM` for its whole minute, so
/// `since=2026-11-01T09:00 until=2026-11-01T09:59` is the hour 09 exactly.
pub fn filter_bounds(step: Step, start: i64, end: i64) -> (String, String) {
    let word = |t: i64| {
        let (y, m, d) = civil_from_days(t.div_euclid(DAY));
        let s = t.rem_euclid(DAY);
        if step.whole_days() {
            format!("{y:04}-{m:02}-{d:02}")
        } else {
            format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}",
                s / HOUR,
                s % HOUR / MINUTE
            )
        }
    };
    let last = if step.whole_days() {
        end - DAY
    } else {
        end - MINUTE
    };
    (word(start), word(last))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Instant;

    fn at(s: &str) -> i64 {
        Instant::parse(s).unwrap().secs
    }

    #[test]
    fn buckets_are_aligned_to_utc_weeks_months_and_years() {
        let t = at("2026-11-04T13:47:12Z"); // a Wednesday
        let label = |s: Step, t| s.label(s.floor(t));
        assert_eq!(label(Step::Secs(MINUTE), t), "2026-11-04 13:47");
        assert_eq!(label(Step::Secs(15 * MINUTE), t), "2026-11-04 13:45");
        assert_eq!(label(Step::Secs(6 * HOUR), t), "2026-11-04 12:00");
        assert_eq!(label(Step::Secs(DAY), t), "2026-11-04");
        assert_eq!(label(Step::Week, t), "2026-11-02", "the Monday before");
        assert_eq!(label(Step::Months(1), t), "2026-11");
        assert_eq!(label(Step::Months(3), t), "2026-10");
        assert_eq!(label(Step::Year, t), "2026");
        assert_eq!(
            Step::Months(1).next(at("2026-12-01T00:00:00Z")),
            at("2027-01-01T00:00:00Z")
        );
        assert_eq!(
            Step::Year.next(Step::Year.floor(t)),
            at("2027-01-01T00:00:00Z")
        );
        let q = Step::Months(3);
        assert_eq!(q.nth(q.floor(t), 2), at("2027-04-01T00:00:00Z"));
        assert_eq!(
            Step::Week.nth(Step::Week.floor(t), 1),
            at("2026-11-09T00:00:00Z")
        );
        assert_eq!(
            Step::Week.floor(at("1969-12-31T23:00:00Z")),
            at("1969-12-29T00:00:00Z")
        );
    }

    #[test]
    fn the_step_fits_the_span_into_the_rows() {
        let (a, b) = (at("2026-11-01T09:00:00Z"), at("2026-11-01T09:00:59Z"));
        assert_eq!(LADDER[auto(a, b, 20)], Step::Secs(MINUTE));
        let b = at("2026-11-01T17:30:00Z");
        assert_eq!(
            LADDER[auto(a, b, 20)],
            Step::Secs(30 * MINUTE),
            "18 half hours"
        );
        assert_eq!(LADDER[auto(a, b, 10)], Step::Secs(HOUR), "9 hours");
        let b = at("2026-11-07T17:30:00Z");
        assert_eq!(LADDER[auto(a, b, 20)], Step::Secs(12 * HOUR));
        assert_eq!(LADDER[auto(a, b, 7)], Step::Secs(DAY));
        let b = at("2031-03-01T00:00:00Z");
        assert_eq!(LADDER[auto(a, b, 20)], Step::Months(3));
        assert_eq!(LADDER[auto(a, b, 3)], Step::Year, "the coarsest at least");
        assert!(LADDER[finest(a, b)].count(a, b) <= MAX_BUCKETS);
    }

    #[test]
    fn counts_come_from_the_sorted_times_and_bounds_are_whole_buckets() {
        let times = [10, 59, 60, 61, 119, 120];
        assert_eq!(between(&times, 0, 60), 2);
        assert_eq!(between(&times, 60, 120), 3);
        assert_eq!(between(&times, 120, 180), 1);
        let start = at("2026-11-01T09:00:00Z");
        let hour = Step::Secs(HOUR);
        assert_eq!(
            filter_bounds(hour, start, hour.next(hour.next(start))),
            ("2026-11-01T09:00".into(), "2026-11-01T10:59".into())
        );
        let day = Step::Secs(DAY);
        let d = day.floor(start);
        assert_eq!(
            filter_bounds(day, d, day.next(d)),
            ("2026-11-01".into(), "2026-11-01".into())
        );
        let m = Step::Months(1).floor(start);
        assert_eq!(
            filter_bounds(Step::Months(1), m, Step::Months(1).next(m)),
            ("2026-11-01".into(), "2026-11-30".into())
        );
    }
}
