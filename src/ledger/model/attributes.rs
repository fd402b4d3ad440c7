//! The attribute ratings a SPICE descriptor can carry: the nine process
//! attributes of ISO/IEC 33020, the level each belongs to, and the N/P/L/F
//! rating scale (`TIME_AND_MATURITY.md` §4). Part of the native record body;
//! the level rule that reads them is analysis (`analysis::maturity`).

use serde::Serialize;
use std::fmt;

/// An attribute rating on the ISO/IEC 33020 ordinal scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Rating {
    /// Not achieved, 0-15 %.
    N,
    /// Partially achieved, >15-50 %.
    P,
    /// Largely achieved, >50-85 %.
    L,
    /// Fully achieved, >85-100 %.
    F,
}

impl Rating {
    /// Parse `N`, `P`, `L`, `F`; the refined `P-`/`P+`/`L-`/`L+` of the
    /// optional split count as P and L, since the level rule looks only at
    /// the four classes.
    pub fn parse(s: &str) -> Option<Rating> {
        match s.trim() {
            "N" => Some(Rating::N),
            "P" | "P-" | "P+" => Some(Rating::P),
            "L" | "L-" | "L+" => Some(Rating::L),
            "F" => Some(Rating::F),
            _ => None,
        }
    }

    /// The rating of an achievement of `num` out of `den`, by the 33020
    /// bands. Integer arithmetic keeps the band edges exact (2 of 4 is 50 %,
    /// which is P, not L). `None` when there is nothing to measure.
    pub fn from_share(num: u64, den: u64) -> Option<Rating> {
        if den == 0 {
            return None;
        }
        let pct100 = u128::from(num.min(den)) * 100;
        let den = u128::from(den);
        Some(if pct100 <= 15 * den {
            Rating::N
        } else if pct100 <= 50 * den {
            Rating::P
        } else if pct100 <= 85 * den {
            Rating::L
        } else {
            Rating::F
        })
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rating::N => "N",
            Rating::P => "P",
            Rating::L => "L",
            Rating::F => "F",
        })
    }
}

/// The nine process attributes of ISO/IEC 33020, levels 1-5.
pub const ATTRIBUTES: [&str; 9] = [
    "PA1.1", "PA2.1", "PA2.2", "PA3.1", "PA3.2", "PA4.1", "PA4.2", "PA5.1", "PA5.2",
];

/// The capability level each entry of [`ATTRIBUTES`] belongs to.
pub const LEVEL_OF: [i64; 9] = [1, 2, 2, 3, 3, 4, 4, 5, 5];

/// Attribute ratings for one assessment (a native record's `PA id → N/P/L/F`
/// map). Legacy descriptors have none. Unrated attributes are `None`, which
/// the level rule treats as not achieved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttributeRatings {
    ratings: [Option<Rating>; 9],
}

impl AttributeRatings {
    /// No attribute rated.
    pub fn new() -> Self {
        Self::default()
    }

    /// Build from `(PA id, rating)` pairs such as `("PA2.1", "L")`.
    ///
    /// Returns the first pair that is not a known attribute id or rating,
    /// as `(id, rating)`, so the caller can report it.
    pub fn from_pairs<'s>(
        pairs: impl IntoIterator<Item = (&'s str, &'s str)>,
    ) -> Result<Self, (String, String)> {
        let mut out = Self::new();
        for (id, r) in pairs {
            match (attribute_index(id), Rating::parse(r)) {
                (Some(i), Some(r)) => out.ratings[i] = Some(r),
                _ => return Err((id.to_owned(), r.to_owned())),
            }
        }
        Ok(out)
    }

    /// Rate one attribute; `false` if `id` is not an attribute id.
    pub fn set(&mut self, id: &str, rating: Rating) -> bool {
        attribute_index(id).is_some_and(|i| {
            self.ratings[i] = Some(rating);
            true
        })
    }

    /// The rating of `id`, if rated.
    pub fn get(&self, id: &str) -> Option<Rating> {
        attribute_index(id).and_then(|i| self.ratings[i])
    }

    /// Every attribute with its rating, in level order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, Option<Rating>)> + '_ {
        ATTRIBUTES.iter().copied().zip(self.ratings.iter().copied())
    }

    /// Whether no attribute is rated.
    pub fn is_empty(&self) -> bool {
        self.ratings.iter().all(Option::is_none)
    }
}

/// The canonical index of an attribute id; accepts `PA1.1`, `PA 1.1`,
/// `pa1.1` and bare `1.1`, since hand-written ratings vary in spelling.
fn attribute_index(id: &str) -> Option<usize> {
    let t = id.trim();
    let t = t
        .strip_prefix("PA")
        .or_else(|| t.strip_prefix("pa"))
        .unwrap_or(t)
        .trim_start();
    ATTRIBUTES.iter().position(|a| &a[2..] == t)
}
