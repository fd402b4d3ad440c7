//! Turning the builder's counters into the report's sections.

use super::{Extreme, MaturityBuilder, PROTECTED_USED, UNPROTECTED_USED};
use crate::analysis::maturity::aggregate::{OUTCOME_NAMES, ProcessAgg, coverage, distinct};
use crate::analysis::maturity::report::{
    DatasetInfo, Distinct, Distribution, EvidenceCoverage, Exclusions, FieldProtection,
    Inconsistencies, LevelCount, MaturityReport, NamedCount, OutcomeStats, Period, ProcessSummary,
    Processes, RecordCounts, SCHEMA, Scope, Stamp, UnrequiredItem,
};

impl MaturityBuilder {
    /// The report. `dataset` is what the caller measured while reading.
    pub fn finish(self, dataset: DatasetInfo) -> MaturityReport {
        let lim = self.limits.list_limit;
        let mut names: Vec<&str> = self.processes.keys().map(AsRef::as_ref).collect();
        names.sort_unstable();
        let items: Vec<ProcessSummary> = names
            .iter()
            .filter_map(|n| self.processes.get(*n).map(|a| a.summary(n, lim)))
            .collect();
        let distribution = self.distribution();
        let evidence = self.evidence();
        let processes = Processes {
            complete: self.untracked_process_records == 0,
            untracked_records: self.untracked_process_records,
            items,
        };
        let scope = self.scope(dataset, &processes.items);
        let kinds = self.findings.into_summaries();
        MaturityReport {
            schema: SCHEMA,
            scope,
            distribution,
            processes,
            evidence,
            inconsistencies: Inconsistencies {
                total: kinds.iter().map(|k| k.count).sum(),
                kinds,
            },
            limits: self.limits,
        }
    }

    fn scope(&self, dataset: DatasetInfo, items: &[ProcessSummary]) -> Scope {
        let lim = self.limits.list_limit;
        let mut by_process: Vec<NamedCount> = items
            .iter()
            .map(|p| NamedCount {
                name: p.process.clone(),
                count: p.assessments,
            })
            .collect();
        by_process.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        by_process.truncate(lim);
        let stamp = |e: &Option<Extreme>| {
            e.as_ref().map(|((at, line), text)| Stamp {
                line: *line,
                assessed_at: text.clone(),
                utc: at.to_string(),
            })
        };
        // A native record's hash covers every byte of its body.
        let every_byte = dataset.format == crate::ledger::native::format::meta::FORMAT;
        let field_protection = if every_byte {
            FieldProtection {
                protected: PROTECTED_USED
                    .iter()
                    .chain(&UNPROTECTED_USED)
                    .copied()
                    .collect(),
                unprotected: Vec::new(),
            }
        } else {
            FieldProtection {
                protected: PROTECTED_USED.to_vec(),
                unprotected: UNPROTECTED_USED.to_vec(),
            }
        };
        Scope {
            records: RecordCounts {
                read: dataset.records_read,
                verified: self.verified,
                excluded: self.excluded,
                not_analysed: dataset
                    .records_read
                    .saturating_sub(self.verified + self.excluded),
            },
            dataset,
            exclusions: Exclusions {
                by_kind: distinct(&self.exclusion_kinds, lim),
                first: self.first_excluded.clone().into_items(),
            },
            period: Period {
                first: stamp(&self.first),
                last: stamp(&self.last),
                invalid_timestamps: self.invalid_times.total(),
                invalid_lines: self.invalid_times.clone().into_items(),
            },
            processes: Distinct {
                distinct: self.processes.len() as u64,
                complete: self.untracked_process_records == 0,
                items: by_process,
            },
            assessors: distinct(&self.assessors, lim),
            methods: distinct(&self.methods, lim),
            field_protection,
        }
    }

    fn distribution(&self) -> Distribution {
        let mut by_latest = [0u64; 6];
        for l in self.processes.values().filter_map(ProcessAgg::latest_level) {
            if let Some(c) = usize::try_from(l).ok().and_then(|i| by_latest.get_mut(i)) {
                *c += 1;
            }
        }
        let (sum, n) = self
            .outcomes
            .iter()
            .fold((0, 0), |a, o| (a.0 + o.1, a.1 + o.2));
        Distribution {
            verified: self.verified,
            levels: level_rows(&self.levels, self.verified),
            out_of_range: self.level_out_of_range,
            average_level: mean(sum, n),
            outcomes: OUTCOME_NAMES
                .iter()
                .zip(self.outcomes)
                .map(|(name, (count, sum, n))| OutcomeStats {
                    outcome: name,
                    count,
                    percent: percent(count, self.verified),
                    average_level: mean(sum, n),
                })
                .collect(),
            processes_by_latest_level: level_rows(&by_latest, self.processes.len() as u64),
        }
    }

    fn evidence(&self) -> EvidenceCoverage {
        let lim = self.limits.list_limit;
        EvidenceCoverage {
            overall: coverage(self.required, self.provided, &self.missing_items, lim),
            records_without_required: self.without_required,
            required_items: distinct(&self.required_items, lim),
            provided_not_required: self
                .unrequired_items
                .top(lim)
                .into_iter()
                .map(|n| UnrequiredItem {
                    required_elsewhere: self.required_items.get(&n.name) > 0,
                    item: n.name,
                    count: n.count,
                })
                .collect(),
        }
    }
}

/// `n` of `d` in percent; 0 when `d` is 0, so the JSON never holds NaN.
fn percent(n: u64, d: u64) -> f64 {
    if d == 0 {
        0.0
    } else {
        n as f64 * 100.0 / d as f64
    }
}

fn mean(sum: u64, n: u64) -> Option<f64> {
    (n > 0).then(|| sum as f64 / n as f64)
}

fn level_rows(counts: &[u64; 6], total: u64) -> Vec<LevelCount> {
    (0i64..)
        .zip(counts)
        .map(|(level, &count)| LevelCount {
            level,
            count,
            percent: percent(count, total),
        })
        .collect()
}
