//! Bounded building blocks: everything the builder keeps grows with the
//! number of distinct names up to a cap, never with the number of records.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};

use super::report::NamedCount;
use crate::time::Instant;

/// Longest name (process, assessor, evidence item, reason kind) kept, in
/// characters. Longer ones are cut and marked with `…`, so a hostile file
/// cannot make one key arbitrarily large; two names equal in their first
/// characters then count together.
pub const KEY_MAX_CHARS: usize = 120;

/// `s` as stored: unchanged when short, cut otherwise.
pub fn key(s: &str) -> Cow<'_, str> {
    // A string of at most KEY_MAX_CHARS bytes has at most that many chars:
    // the common case needs no char count.
    if s.len() <= KEY_MAX_CHARS || s.chars().count() <= KEY_MAX_CHARS {
        Cow::Borrowed(s)
    } else {
        let mut out: String = s.chars().take(KEY_MAX_CHARS).collect();
        out.push('…');
        Cow::Owned(out)
    }
}

/// Occurrences per distinct name, for at most `cap` distinct names. Names
/// first seen after the cap is reached are not kept; their occurrences are
/// counted in `untracked`, and the distinct count becomes a lower bound.
#[derive(Debug, Clone)]
pub struct CappedCounter {
    map: HashMap<Box<str>, u64>,
    cap: usize,
    untracked: u64,
}

impl CappedCounter {
    /// An empty counter keeping at most `cap` names.
    pub fn new(cap: usize) -> Self {
        CappedCounter {
            map: HashMap::new(),
            cap,
            untracked: 0,
        }
    }

    /// Count one occurrence of `name`; `false` if it could not be kept.
    pub fn add(&mut self, name: &str) -> bool {
        let k = key(name);
        if let Some(n) = self.map.get_mut(k.as_ref()) {
            *n += 1;
            true
        } else if self.map.len() < self.cap {
            self.map.insert(k.into_owned().into_boxed_str(), 1);
            true
        } else {
            self.untracked += 1;
            false
        }
    }

    /// Occurrences of `name` (0 if unseen or untracked).
    pub fn get(&self, name: &str) -> u64 {
        self.map.get(key(name).as_ref()).copied().unwrap_or(0)
    }

    /// Distinct names kept.
    pub fn distinct(&self) -> usize {
        self.map.len()
    }

    /// Whether every name seen was kept (the distinct count is exact).
    pub fn complete(&self) -> bool {
        self.untracked == 0
    }

    /// The `n` most frequent names, ties by name, so reports are stable
    /// whatever the hash order.
    pub fn top(&self, n: usize) -> Vec<NamedCount> {
        let mut v: Vec<(&str, u64)> = self.map.iter().map(|(k, &c)| (k.as_ref(), c)).collect();
        v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        v.into_iter()
            .take(n)
            .map(|(name, count)| NamedCount {
                name: name.to_owned(),
                count,
            })
            .collect()
    }
}

/// The first `cap` items of a list, with the count of all of them.
#[derive(Debug, Clone)]
pub struct FirstN<T> {
    items: Vec<T>,
    total: u64,
    cap: usize,
}

impl<T> FirstN<T> {
    /// An empty list keeping at most `cap` items.
    pub fn new(cap: usize) -> Self {
        FirstN {
            items: Vec::new(),
            total: 0,
            cap,
        }
    }

    /// Count an item; build it (with `make`) only if it will be kept, so the
    /// millionth finding of a kind costs no allocation.
    pub fn push_with(&mut self, make: impl FnOnce() -> T) {
        self.total += 1;
        if self.items.len() < self.cap {
            self.items.push(make());
        }
    }

    /// All items counted.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The items kept, by value.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }
}

/// Where a record stands in time: by `assessed_at` as an instant, records
/// with an unparseable one before all others, ties broken by line so the
/// later record in the file wins.
pub type Order = (Option<Instant>, u64);

/// One point of a process's trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// Where the assessment stands in time.
    pub order: Order,
    /// The claimed capability level.
    pub level: i64,
}

/// The `cap` latest assessments of a process, in time order. Older ones are
/// dropped and counted: the recent history is what a reviewer compares with
/// the latest level, and a fixed number of points (unlike month buckets)
/// still shows change in a ledger written within one second.
#[derive(Debug, Clone)]
pub struct Recent {
    points: VecDeque<Point>,
    dropped: u64,
    cap: usize,
}

impl Recent {
    /// An empty trend keeping `cap` points.
    pub fn new(cap: usize) -> Self {
        Recent {
            points: VecDeque::new(),
            dropped: 0,
            cap,
        }
    }

    /// Add a point, keeping time order and dropping the oldest beyond `cap`.
    pub fn add(&mut self, p: Point) {
        if self.cap == 0 {
            self.dropped += 1;
            return;
        }
        // Ledgers are appended in time order: the usual insert is at the end.
        let at = if self.points.back().is_none_or(|b| b.order <= p.order) {
            self.points.len()
        } else {
            self.points.partition_point(|q| q.order <= p.order)
        };
        if self.points.len() == self.cap {
            if at == 0 {
                // Older than everything kept: it is the one to drop.
                self.dropped += 1;
                return;
            }
            self.points.pop_front();
            self.dropped += 1;
            self.points.insert(at - 1, p);
        } else {
            self.points.insert(at, p);
        }
    }

    /// The points kept, oldest first.
    pub fn points(&self) -> impl Iterator<Item = &Point> {
        self.points.iter()
    }

    /// How many points were dropped.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Order {
        (Some(Instant { secs, nanos: 0 }), 0)
    }

    #[test]
    fn recent_keeps_the_latest_in_time_order_whatever_the_arrival_order() {
        let mut r = Recent::new(3);
        for (s, level) in [(5, 5), (1, 1), (7, 7), (3, 3), (9, 9), (2, 2), (8, 8)] {
            r.add(Point {
                order: at(s),
                level,
            });
        }
        let kept: Vec<i64> = r.points().map(|p| p.level).collect();
        assert_eq!(kept, [7, 8, 9]);
        assert_eq!(r.dropped(), 4);
        let mut none = Recent::new(0);
        none.add(Point {
            order: at(1),
            level: 1,
        });
        assert_eq!((none.points().count(), none.dropped()), (0, 1));
    }

    #[test]
    fn counter_stops_at_its_cap_and_says_so() {
        let mut c = CappedCounter::new(2);
        for n in ["a", "b", "a", "c", "c", "b", "a"] {
            c.add(n);
        }
        assert_eq!((c.distinct(), c.complete(), c.get("c")), (2, false, 0));
        let top: Vec<_> = c.top(5).into_iter().map(|n| (n.name, n.count)).collect();
        assert_eq!(top, [("a".to_owned(), 3), ("b".to_owned(), 2)]);
    }

    #[test]
    fn first_n_counts_everything_and_builds_only_what_it_keeps() {
        let mut f = FirstN::new(2);
        let mut built = 0;
        for i in 0..10 {
            f.push_with(|| {
                built += 1;
                i
            });
        }
        assert_eq!((f.total(), built), (10, 2));
        assert_eq!(f.into_items(), [0, 1]);
    }
}
