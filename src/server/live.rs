//! The live verdict: set from each full verification, turned to failed at
//! once by an alert or a violated appended line, so the health answers
//! never lag behind what the watcher saw.

use super::state::{LiveVerdict, Verdict};
use crate::ledger::discover::FileKind;
use crate::ledger::model::report::VerifyReport;
use crate::ledger::watch::{Alert, RecordEvent, RecordStatus};
use serde_json::Value;

/// What the health and time-verdict answers are made of.
#[derive(Debug, Clone)]
pub struct Live {
    /// The verdicts.
    pub verdict: LiveVerdict,
    /// Violations of the time chain, in the legacy verdict's shape.
    pub time_violations: Vec<Value>,
    /// When the verdict was last established (UTC ISO with `Z`).
    pub verified_at: String,
}

fn is_time_file(name: &str) -> bool {
    name == FileKind::GlyphChain.name() || name == FileKind::NativePulses.name()
}

impl Live {
    /// The verdict of a full verification.
    pub fn from_report(report: &VerifyReport) -> Self {
        let time_violations = report
            .files
            .iter()
            .filter(|f| is_time_file(f.name))
            .flat_map(|f| f.findings.iter().filter(|x| x.is_violation()))
            .map(super::pulses::violation)
            .collect();
        Live {
            verdict: LiveVerdict::from_report(report),
            time_violations,
            verified_at: super::shapes::now_iso(),
        }
    }

    /// An alert: the part of the ledger it is about fails, now.
    pub fn alert(&mut self, a: &Alert) {
        if is_time_file(a.file) {
            self.verdict.time_chain = Verdict::Failed;
            self.time_violations
                .push(super::pulses::violation(&a.finding()));
        } else {
            self.verdict.spice = Verdict::Failed;
        }
        self.verdict.alert = Some(format!("{}: {}", a.path, a.detail));
        self.verified_at = super::shapes::now_iso();
    }

    /// An appended line, verified or not.
    pub fn record(&mut self, r: &RecordEvent) {
        if r.status == RecordStatus::Violated {
            if is_time_file(r.file) {
                self.verdict.time_chain = Verdict::Failed;
                self.time_violations.extend(
                    r.findings
                        .iter()
                        .filter(|f| f.is_violation())
                        .map(super::pulses::violation),
                );
            } else {
                self.verdict.spice = Verdict::Failed;
            }
        } else if r.status == RecordStatus::Verified {
            // A first record makes an empty part clean.
            let part = if is_time_file(r.file) {
                &mut self.verdict.time_chain
            } else {
                &mut self.verdict.spice
            };
            if *part == Verdict::Empty {
                *part = Verdict::Clean;
            }
        }
        self.verified_at = super::shapes::now_iso();
    }
}
