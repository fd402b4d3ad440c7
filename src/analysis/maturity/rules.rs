//! The inconsistency rules (justified in the parent module's docs). Each
//! looks at one verified record (and, for the assessor rule, the previous
//! assessment of the same process) and says what it expected and what it
//! found; the texts are built only for the findings a report will show.

use super::aggregate::{Facts, level_in_range, score_in_range};
use super::attributes::{AttributeRatings, Rating};
use super::report::{Inconsistency, InconsistencyKind, KindSummary};
use super::tally::{FirstN, key};

/// The inconsistencies found so far: per kind, a count and the first few.
#[derive(Debug, Clone)]
pub struct Findings {
    by_kind: [FirstN<Inconsistency>; 7],
}

impl Findings {
    /// Keep at most `limit` inconsistencies of each kind.
    pub fn new(limit: usize) -> Self {
        Findings {
            by_kind: std::array::from_fn(|_| FirstN::new(limit)),
        }
    }

    /// Record one; the texts are built only if it will be kept.
    fn push(
        &mut self,
        kind: InconsistencyKind,
        f: &Facts<'_>,
        texts: impl FnOnce() -> (String, String),
    ) {
        self.by_kind[kind.index()].push_with(|| {
            let (expected, found) = texts();
            Inconsistency {
                kind,
                line: f.line,
                descriptor_id: key(f.id).into_owned(),
                process: key(f.process).into_owned(),
                expected,
                found,
            }
        });
    }

    /// The report section's entries, every kind listed.
    pub fn into_summaries(self) -> Vec<KindSummary> {
        InconsistencyKind::ALL
            .into_iter()
            .zip(self.by_kind)
            .map(|(kind, list)| KindSummary {
                kind,
                rule: kind.rule(),
                count: list.total(),
                shown: list.into_items(),
            })
            .collect()
    }
}

/// The PA 1.1 rating the evidence of `f` gives (`None`: nothing required,
/// so not rateable) and the highest level that rating supports (`None`: no
/// cap, as F leaves levels 2-5 to attributes the evidence does not show).
fn evidence_ceiling(f: &Facts<'_>) -> (Option<Rating>, Option<i64>) {
    let pa11 = Rating::from_share(f.provided() as u64, f.required.len() as u64);
    let cap = match pa11 {
        None | Some(Rating::N | Rating::P) => Some(0),
        Some(Rating::L) => Some(1),
        Some(Rating::F) => None,
    };
    (pa11, cap)
}

/// Apply the record-level rules (a, b, c, e and the level range) to `f`.
pub fn check_record(f: &Facts<'_>, ratings: Option<&AttributeRatings>, out: &mut Findings) {
    let claim = f.level;
    if !level_in_range(claim) {
        out.push(InconsistencyKind::LevelOutOfRange, f, || {
            ("an integer 0-5".into(), format!("level {claim}"))
        });
    } else if let (pa11, Some(cap)) = evidence_ceiling(f)
        && claim > cap
    {
        out.push(InconsistencyKind::LevelUnsupportedByEvidence, f, || {
            let basis = match pa11 {
                Some(r) => format!(
                    "PA 1.1 = {r}: {} of {} required items provided ({:.0} %)",
                    f.provided(),
                    f.required.len(),
                    f.provided() as f64 * 100.0 / f.required.len() as f64
                ),
                None => "PA 1.1 not rateable: no evidence required".into(),
            };
            (format!("level ≤ {cap} ({basis})"), format!("level {claim}"))
        });
    }
    let score = f.score;
    if !score_in_range(score) {
        out.push(InconsistencyKind::ScoreOutOfRange, f, || {
            ("a number within 0..1".into(), format!("{score}"))
        });
    }
    if f.outcome == "compliant" {
        // An out-of-range score is reported once, by the rule above.
        if score_in_range(score) && score < 0.5 {
            out.push(InconsistencyKind::CompliantLowScore, f, || {
                (
                    "compliance score ≥ 0.5 for outcome compliant".into(),
                    format!("compliance score {score}"),
                )
            });
        }
        if !f.missing.is_empty() {
            out.push(InconsistencyKind::CompliantMissingEvidence, f, || {
                (
                    format!("all {} required items provided", f.required.len()),
                    format!("missing: {}", list(&f.missing)),
                )
            });
        }
    }
    if let Some(r) = ratings {
        let d = super::attributes::derive_level(r);
        if d.level != claim {
            out.push(InconsistencyKind::AttributeLevelMismatch, f, || {
                let why = if d.blocked_by.is_empty() {
                    String::new()
                } else {
                    let b: Vec<String> = d.blocked_by.iter().map(ToString::to_string).collect();
                    format!("; level {} blocked by {}", d.level + 1, b.join("; "))
                };
                (
                    format!("level {} by the ISO/IEC 33020 rule{why}", d.level),
                    format!("level {claim}"),
                )
            });
        }
    }
}

/// Rule (d): `prev` is the previous verified assessment of the same process
/// in ledger order, as (assessor, line).
pub fn check_assessor(f: &Facts<'_>, prev: Option<(&str, u64)>, out: &mut Findings) {
    if let Some((who, line)) = prev
        && who == key(f.assessor)
    {
        out.push(InconsistencyKind::SameAssessorConsecutive, f, || {
            (
                format!("a different assessor than line {line}"),
                format!("{who:?} again (lines {line} and {})", f.line),
            )
        });
    }
}

/// Items for a message: at most ten, then how many more.
fn list(items: &[&str]) -> String {
    let mut s: Vec<String> = items.iter().take(10).map(|i| key(i).into_owned()).collect();
    if items.len() > 10 {
        s.push(format!("… {} more", items.len() - 10));
    }
    s.join(", ")
}
