//! ISO/IEC 33020 process attributes, the N/P/L/F rating scale and the level
//! rule (`TIME_AND_MATURITY.md` §4).
//!
//! Level n is achieved when every attribute of level n is rated L or F and
//! every attribute of all lower levels is rated F. Achievement is monotone
//! (level n implies level n-1), so the achieved level is found by climbing
//! until a level fails; the attributes that made it fail are what blocked it.

use serde::Serialize;
use std::fmt;

use crate::ledger::model::attributes::LEVEL_OF;
pub use crate::ledger::model::attributes::{ATTRIBUTES, AttributeRatings, Rating};

/// Names of capability levels 0-5 (ISO/IEC 33020).
pub const LEVEL_NAMES: [&str; 6] = [
    "Incomplete",
    "Performed",
    "Managed",
    "Established",
    "Predictable",
    "Innovating",
];

/// The capability level `ratings` achieve by the 33020 rule, and what
/// stopped the next level.
pub fn derive_level(ratings: &AttributeRatings) -> LevelDerivation {
    let mut level = 0;
    for next in 1..=5 {
        let blocked_by: Vec<Blocker> = ratings
            .iter()
            .zip(LEVEL_OF)
            .filter(|&(_, lvl)| lvl <= next)
            .filter_map(|((id, rating), lvl)| {
                let needed = if lvl == next { Rating::L } else { Rating::F };
                (rating < Some(needed)).then_some(Blocker {
                    attribute: id,
                    rating,
                    needed,
                })
            })
            .collect();
        if !blocked_by.is_empty() {
            return LevelDerivation { level, blocked_by };
        }
        level = next;
    }
    LevelDerivation {
        level,
        blocked_by: Vec::new(),
    }
}

/// The result of the 33020 level rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelDerivation {
    /// The achieved capability level, 0-5.
    pub level: i64,
    /// The attributes that kept the next level from being achieved, in
    /// level order; empty at level 5.
    pub blocked_by: Vec<Blocker>,
}

/// One attribute rated below what the next level needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Blocker {
    /// The attribute id, e.g. `PA3.2`.
    pub attribute: &'static str,
    /// Its rating; `None` when it was not rated.
    pub rating: Option<Rating>,
    /// The least rating the next level needs (L at that level, F below it).
    pub needed: Rating,
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rating {
            Some(r) => write!(f, "{} = {r}", self.attribute)?,
            None => write!(f, "{} not rated", self.attribute)?,
        }
        match self.needed {
            Rating::F => f.write_str(", needs F"),
            n => write!(f, ", needs ≥ {n}"),
        }
    }
}
