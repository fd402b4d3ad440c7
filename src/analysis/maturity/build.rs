//! The one-pass builder.

mod finish;

use std::collections::HashMap;

use super::aggregate::{Facts, ProcessAgg, level_in_range, outcome_index};
use super::attributes::AttributeRatings;
use super::report::{ExcludedRecord, Limits};
use super::rules::{Findings, check_assessor, check_record};
use super::tally::{CappedCounter, FirstN, KEY_MAX_CHARS, key};
use super::{LIST_LIMIT, MAX_DISTINCT_NAMES, MAX_ITEMS_PER_PROCESS, MAX_PROCESSES, TREND_POINTS};
use crate::ledger::json::clip;
use crate::ledger::model::descriptor::DescriptorRecord;

/// Whether a record counts in a report: the verifier's verdict on it, as
/// the analyses take it (the live watcher's per-line status is
/// `ledger::watch::RecordStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inclusion {
    /// The record verified: it counts.
    Verified,
    /// The record failed verification: it is reported, not counted.
    Excluded {
        /// Why, e.g. `HASH_MISMATCH at line 12`; the first word is its kind.
        reason: String,
    },
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            list_limit: LIST_LIMIT,
            max_processes: MAX_PROCESSES,
            max_distinct_names: MAX_DISTINCT_NAMES,
            max_items_per_process: MAX_ITEMS_PER_PROCESS,
            trend_points: TREND_POINTS,
            key_max_chars: KEY_MAX_CHARS,
        }
    }
}

/// Fields the report reads, by whether the legacy hash covers them.
const PROTECTED_USED: [&str; 3] = ["descriptor_id", "process_name", "assessed_at"];
const UNPROTECTED_USED: [&str; 7] = [
    "capability_level",
    "process_outcome",
    "compliance_score",
    "evidence_required",
    "evidence_provided",
    "assessed_by",
    "assessment_method",
];

/// An `assessed_at` extreme: instant and line for comparing, text for showing.
type Extreme = ((super::Instant, u64), String);

/// Builds a [`MaturityReport`](super::MaturityReport) in one pass over a ledger's descriptors.
#[derive(Debug, Clone)]
pub struct MaturityBuilder {
    limits: Limits,
    verified: u64,
    excluded: u64,
    exclusion_kinds: CappedCounter,
    first_excluded: FirstN<ExcludedRecord>,
    levels: [u64; 6],
    level_out_of_range: u64,
    /// Per outcome: records, sum of in-range levels, records with one.
    outcomes: [(u64, u64, u64); 5],
    first: Option<Extreme>,
    last: Option<Extreme>,
    invalid_times: FirstN<u64>,
    processes: HashMap<Box<str>, ProcessAgg>,
    untracked_process_records: u64,
    assessors: CappedCounter,
    methods: CappedCounter,
    required: u64,
    provided: u64,
    without_required: u64,
    required_items: CappedCounter,
    missing_items: CappedCounter,
    unrequired_items: CappedCounter,
    findings: Findings,
}

impl Default for MaturityBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl MaturityBuilder {
    /// A builder with the default [`Limits`].
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A builder with other bounds (`key_max_chars` is fixed and ignored).
    pub fn with_limits(limits: Limits) -> Self {
        let names = || CappedCounter::new(limits.max_distinct_names);
        MaturityBuilder {
            limits: Limits {
                key_max_chars: KEY_MAX_CHARS,
                ..limits
            },
            verified: 0,
            excluded: 0,
            exclusion_kinds: names(),
            first_excluded: FirstN::new(limits.list_limit),
            levels: [0; 6],
            level_out_of_range: 0,
            outcomes: [(0, 0, 0); 5],
            first: None,
            last: None,
            invalid_times: FirstN::new(limits.list_limit),
            processes: HashMap::new(),
            untracked_process_records: 0,
            assessors: names(),
            methods: names(),
            required: 0,
            provided: 0,
            without_required: 0,
            required_items: names(),
            missing_items: names(),
            unrequired_items: names(),
            findings: Findings::new(limits.list_limit),
        }
    }

    /// Add a legacy record (no attribute ratings) read at `line`.
    pub fn add(&mut self, record: &DescriptorRecord<'_>, line: u64, status: Inclusion) {
        self.add_rated(record, line, status, None);
    }

    /// Add a record with its ISO/IEC 33020 attribute ratings, if it has any.
    pub fn add_rated(
        &mut self,
        record: &DescriptorRecord<'_>,
        line: u64,
        status: Inclusion,
        ratings: Option<&AttributeRatings>,
    ) {
        if let Inclusion::Excluded { reason } = status {
            self.exclude(line, &reason);
            return;
        }
        let f = Facts::of(record, line);
        self.verified += 1;
        self.count_levels(&f);
        self.count_time(&f);
        self.assessors.add(f.assessor);
        self.methods.add(f.method);
        self.count_evidence(&f);
        check_record(&f, ratings, &mut self.findings);
        let agg = if let Some(a) = self.processes.get_mut(f.process) {
            Some(a)
        } else if self.processes.len() < self.limits.max_processes {
            let a = ProcessAgg::new(self.limits.trend_points, self.limits.max_items_per_process);
            Some(
                self.processes
                    .entry(key(f.process).into_owned().into_boxed_str())
                    .or_insert(a),
            )
        } else {
            None
        };
        match agg {
            Some(a) => {
                let prev = a.last_assessor.as_ref().map(|(w, l)| (w.as_str(), *l));
                check_assessor(&f, prev, &mut self.findings);
                a.add(&f, ratings);
            }
            None => self.untracked_process_records += 1,
        }
    }

    fn exclude(&mut self, line: u64, reason: &str) {
        self.excluded += 1;
        let kind = reason
            .split(|c: char| c.is_whitespace() || c == ':')
            .find(|w| !w.is_empty())
            .unwrap_or("(no reason given)");
        self.exclusion_kinds.add(kind);
        self.first_excluded.push_with(|| ExcludedRecord {
            line,
            reason: clip(reason, 200),
        });
    }

    fn count_levels(&mut self, f: &Facts<'_>) {
        let o = &mut self.outcomes[outcome_index(f.outcome)];
        o.0 += 1;
        match usize::try_from(f.level) {
            Ok(l) if level_in_range(f.level) => {
                self.levels[l] += 1;
                o.1 += l as u64;
                o.2 += 1;
            }
            _ => self.level_out_of_range += 1,
        }
    }

    fn count_time(&mut self, f: &Facts<'_>) {
        let Some(at) = f.at else {
            self.invalid_times.push_with(|| f.line);
            return;
        };
        let k = (at, f.line);
        if self.first.as_ref().is_none_or(|(o, _)| k < *o) {
            self.first = Some((k, key(f.assessed_at).into_owned()));
        }
        // Equal instants: the later line is the last.
        if self.last.as_ref().is_none_or(|(o, _)| *o <= k) {
            match &mut self.last {
                Some((o, s)) => {
                    *o = k;
                    s.clear();
                    s.push_str(&key(f.assessed_at));
                }
                None => self.last = Some((k, key(f.assessed_at).into_owned())),
            }
        }
    }

    fn count_evidence(&mut self, f: &Facts<'_>) {
        self.required += f.required.len() as u64;
        self.provided += f.provided() as u64;
        if f.required.is_empty() {
            self.without_required += 1;
        }
        for i in &f.required {
            self.required_items.add(i);
        }
        for i in &f.missing {
            self.missing_items.add(i);
        }
        for i in &f.unrequired {
            self.unrequired_items.add(i);
        }
    }
}
