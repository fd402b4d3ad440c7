//! What one record contributes ([`Facts`]) and the per-process aggregate
//! ([`ProcessAgg`]) that absorbs it in constant space.

use super::attributes::AttributeRatings;
use super::report::{
    Assessment, AttributeProfile, Coverage, Distinct, OutcomeCounts, ProcessSummary, Trend,
    TrendPoint,
};
use super::tally::{CappedCounter, Order, Point, Recent, key};
use crate::ledger::json::JStr;
use crate::ledger::model::descriptor::DescriptorRecord;
use crate::time::Instant;

/// The legacy outcomes, then the bucket for anything else.
pub const OUTCOME_NAMES: [&str; 5] = [
    "compliant",
    "non_compliant",
    "partial",
    "not_assessed",
    "other",
];

/// Index into [`OUTCOME_NAMES`].
pub fn outcome_index(s: &str) -> usize {
    OUTCOME_NAMES[..4].iter().position(|o| *o == s).unwrap_or(4)
}

/// Whether a claimed level is on the 0-5 scale.
pub fn level_in_range(level: i64) -> bool {
    (0..=5).contains(&level)
}

/// Whether a compliance score is a number within 0..1.
pub fn score_in_range(score: f64) -> bool {
    (0.0..=1.0).contains(&score)
}

/// The fields of one record the report needs, with the evidence lists
/// already compared.
#[derive(Debug, Clone)]
pub struct Facts<'r> {
    /// 1-based line.
    pub line: u64,
    /// `descriptor_id`.
    pub id: &'r str,
    /// `process_name`.
    pub process: &'r str,
    /// `assessed_by`.
    pub assessor: &'r str,
    /// `assessment_method`.
    pub method: &'r str,
    /// `capability_level` as claimed.
    pub level: i64,
    /// `process_outcome` as written.
    pub outcome: &'r str,
    /// `compliance_score` as written.
    pub score: f64,
    /// `assessed_at` as written.
    pub assessed_at: &'r str,
    /// `assessed_at` as an instant.
    pub at: Option<Instant>,
    /// Distinct required items, sorted.
    pub required: Vec<&'r str>,
    /// Required items not provided, sorted.
    pub missing: Vec<&'r str>,
    /// Provided items not required, distinct and sorted.
    pub unrequired: Vec<&'r str>,
}

impl<'r> Facts<'r> {
    /// Extract the facts of `r`, read at `line`.
    pub fn of(r: &'r DescriptorRecord<'_>, line: u64) -> Self {
        // Lists are compared as sets: a required item written twice is one
        // requirement, and the order of the lists carries no meaning.
        let set = |l: &'r [JStr<'_>]| {
            let mut v: Vec<&'r str> = l.iter().map(JStr::as_str).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let required = set(&r.evidence_required);
        let provided = set(&r.evidence_provided);
        let missing = required
            .iter()
            .copied()
            .filter(|i| provided.binary_search(i).is_err())
            .collect();
        let unrequired = provided
            .iter()
            .copied()
            .filter(|i| required.binary_search(i).is_err())
            .collect();
        Facts {
            line,
            id: r.descriptor_id.as_str(),
            process: r.process_name.as_str(),
            assessor: r.assessed_by.as_str(),
            method: r.assessment_method.as_str(),
            level: r.capability_level,
            outcome: r.process_outcome.as_str(),
            score: r.compliance_score,
            assessed_at: r.assessed_at.as_str(),
            at: Instant::parse(r.assessed_at.as_str()),
            required,
            missing,
            unrequired,
        }
    }

    /// Required items that were provided.
    pub fn provided(&self) -> usize {
        self.required.len() - self.missing.len()
    }

    /// Where this record stands in time.
    pub fn order(&self) -> Order {
        (self.at, self.line)
    }
}

/// A kept copy of one assessment (the latest or the earliest of a process).
#[derive(Debug, Clone)]
struct Snapshot {
    order: Order,
    id: String,
    assessed_at: String,
    level: i64,
    outcome: String,
    score: f64,
    assessor: String,
}

impl Snapshot {
    fn of(f: &Facts<'_>) -> Self {
        Snapshot {
            order: f.order(),
            id: key(f.id).into_owned(),
            assessed_at: key(f.assessed_at).into_owned(),
            level: f.level,
            outcome: key(f.outcome).into_owned(),
            score: f.score,
            assessor: key(f.assessor).into_owned(),
        }
    }

    /// Overwrite with `f`, reusing the buffers: in a time-ordered ledger
    /// the latest snapshot changes with every record.
    fn set(&mut self, f: &Facts<'_>) {
        fn assign(buf: &mut String, s: &str) {
            buf.clear();
            buf.push_str(&key(s));
        }
        self.order = f.order();
        assign(&mut self.id, f.id);
        assign(&mut self.assessed_at, f.assessed_at);
        self.level = f.level;
        assign(&mut self.outcome, f.outcome);
        self.score = f.score;
        assign(&mut self.assessor, f.assessor);
    }

    fn report(&self) -> Assessment {
        Assessment {
            line: self.order.1,
            descriptor_id: self.id.clone(),
            assessed_at: self.assessed_at.clone(),
            level: self.level,
            outcome: self.outcome.clone(),
            compliance_score: self.score.is_finite().then_some(self.score),
            assessed_by: self.assessor.clone(),
        }
    }
}

/// The latest rated assessment of a process.
#[derive(Debug, Clone, Copy)]
struct Rated {
    order: Order,
    ratings: AttributeRatings,
    claimed: i64,
}

/// Everything kept about one process: counters, two snapshots, a bounded
/// trend and a bounded missing-item counter.
#[derive(Debug, Clone)]
pub struct ProcessAgg {
    assessments: u64,
    outcomes: [u64; 5],
    score_sum: f64,
    score_n: u64,
    score_bad: u64,
    required: u64,
    provided: u64,
    missing: CappedCounter,
    latest: Option<Snapshot>,
    earliest: Option<Snapshot>,
    trend: Recent,
    rated: Option<Rated>,
    /// The assessor of the previous verified assessment in file order, and
    /// its line (rule d).
    pub last_assessor: Option<(String, u64)>,
}

impl ProcessAgg {
    /// An empty aggregate with the given bounds.
    pub fn new(trend_points: usize, max_items: usize) -> Self {
        ProcessAgg {
            assessments: 0,
            outcomes: [0; 5],
            score_sum: 0.0,
            score_n: 0,
            score_bad: 0,
            required: 0,
            provided: 0,
            missing: CappedCounter::new(max_items),
            latest: None,
            earliest: None,
            trend: Recent::new(trend_points),
            rated: None,
            last_assessor: None,
        }
    }

    /// Absorb one verified assessment.
    pub fn add(&mut self, f: &Facts<'_>, ratings: Option<&AttributeRatings>) {
        self.assessments += 1;
        self.outcomes[outcome_index(f.outcome)] += 1;
        if score_in_range(f.score) {
            self.score_sum += f.score;
            self.score_n += 1;
        } else {
            self.score_bad += 1;
        }
        self.required += f.required.len() as u64;
        self.provided += f.provided() as u64;
        for m in &f.missing {
            self.missing.add(m);
        }
        let order = f.order();
        match &mut self.latest {
            Some(s) if s.order <= order => s.set(f),
            Some(_) => {}
            None => self.latest = Some(Snapshot::of(f)),
        }
        // An unparseable timestamp ranks first in time order, but is not a
        // useful "earliest" while any assessment has a real one.
        let early = |o: Order| (o.0.is_none(), o);
        match &mut self.earliest {
            Some(s) if early(order) < early(s.order) => s.set(f),
            Some(_) => {}
            None => self.earliest = Some(Snapshot::of(f)),
        }
        self.trend.add(Point {
            order,
            level: f.level,
        });
        if let Some(r) = ratings
            && self.rated.is_none_or(|x| x.order <= order)
        {
            self.rated = Some(Rated {
                order,
                ratings: *r,
                claimed: f.level,
            });
        }
        match &mut self.last_assessor {
            // Reuse the buffer: in a long run by one assessor nothing allocates.
            Some((name, line)) => {
                if name != f.assessor {
                    name.clear();
                    name.push_str(&key(f.assessor));
                }
                *line = f.line;
            }
            None => self.last_assessor = Some((key(f.assessor).into_owned(), f.line)),
        }
    }

    /// The latest claimed level, if any assessment was seen.
    pub fn latest_level(&self) -> Option<i64> {
        self.latest.as_ref().map(|s| s.level)
    }

    /// The report entry for this process.
    pub fn summary(&self, name: &str, list_limit: usize) -> ProcessSummary {
        let [compliant, non_compliant, partial, not_assessed, other] = self.outcomes;
        ProcessSummary {
            process: name.to_owned(),
            assessments: self.assessments,
            latest: self.latest.as_ref().map(Snapshot::report),
            earliest: self.earliest.as_ref().map(Snapshot::report),
            mean_compliance_score: (self.score_n > 0).then(|| self.score_sum / self.score_n as f64),
            scores_out_of_range: self.score_bad,
            outcomes: OutcomeCounts {
                compliant,
                non_compliant,
                partial,
                not_assessed,
                other,
            },
            evidence: coverage(self.required, self.provided, &self.missing, list_limit),
            trend: Trend {
                points: self
                    .trend
                    .points()
                    .map(|p| TrendPoint {
                        line: p.order.1,
                        utc: p.order.0.map(|t| t.to_string()),
                        level: p.level,
                    })
                    .collect(),
                dropped: self.trend.dropped(),
            },
            attributes: self.rated.map(|r| AttributeProfile {
                line: r.order.1,
                ratings: r.ratings.iter().collect(),
                claimed_level: r.claimed,
                derived: super::attributes::derive_level(&r.ratings),
            }),
        }
    }
}

/// A coverage entry from its counters.
pub fn coverage(
    required: u64,
    provided: u64,
    missing: &CappedCounter,
    list_limit: usize,
) -> Coverage {
    Coverage {
        required,
        provided,
        percent: (required > 0).then(|| provided as f64 * 100.0 / required as f64),
        missing: distinct(missing, list_limit),
    }
}

/// A [`Distinct`] from a counter.
pub fn distinct(c: &CappedCounter, list_limit: usize) -> Distinct {
    Distinct {
        distinct: c.distinct() as u64,
        complete: c.complete(),
        items: c.top(list_limit),
    }
}
