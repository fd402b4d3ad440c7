//! Pulses a migration copied from a legacy ledger into a native one
//! (`{"legacy_pulse": {...}}`, `docs/FORMAT.md` §10.2), judged by the legacy
//! time checks exactly as on their source: with the time keeper's start
//! log, which the migration copied into the ledger's `events` chain, so
//! that its restarts delimit the same run segments.

use super::PulseFields;
use crate::ledger::legacy::verify::time_checks::{
    PulseTimes, TimeCheckConfig, TimeChecker, iso_to_unix,
};
use crate::ledger::model::finding::Finding;
use crate::ledger::native::format::legacy_starts::read_start_records;
use crate::ledger::native::format::meta::Chain;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::io;
use std::path::{Path, PathBuf};

/// A migrated pulse's body: the legacy object, kept as it was.
#[derive(Deserialize)]
pub(super) struct MigratedPulse<'a> {
    #[serde(borrow)]
    pub legacy_pulse: &'a RawValue,
}

/// The legacy checks over the migrated pulses of one native chain.
pub(super) struct MigratedChecks {
    config: TimeCheckConfig,
    events: PathBuf,
    max_line: usize,
    /// Built at the first migrated pulse (a ledger without any never reads
    /// its start records).
    checker: Option<TimeChecker>,
}

impl MigratedChecks {
    /// Checks for the pulse chain at `pulses`, reading the start records of
    /// the `events` chain beside it.
    pub(super) fn new(pulses: &Path, config: &TimeCheckConfig, max_line: usize) -> Self {
        MigratedChecks {
            config: config.clone(),
            events: pulses.with_file_name(Chain::Events.file_name()),
            max_line,
            checker: None,
        }
    }

    /// Check one migrated pulse at `line` (byte `offset`), in file order.
    pub(super) fn check(
        &mut self,
        line: u64,
        offset: u64,
        p: &PulseFields,
        payload_fingerprint: u64,
        out: &mut Vec<Finding>,
    ) -> io::Result<()> {
        let checker = match &mut self.checker {
            Some(c) => c,
            None => self.checker.insert(
                TimeChecker::new(self.config.clone())
                    .with_run_starts(run_starts(&self.events, self.max_line)?),
            ),
        };
        let times = PulseTimes {
            line,
            offset,
            pulse_id: &p.pulse_id,
            monotonic_ns: p.tai_ns,
            utc_iso: &p.utc_iso,
            utc_unix: p.utc_unix,
            et_s: p.et_s,
            epoch_days: p.epoch_days,
            julian_date: p.julian_date,
            payload_fingerprint,
        };
        checker.check(&times, out);
        Ok(())
    }

    /// The run segments of the migrated pulses.
    pub(super) fn into_segments(self) -> Vec<crate::ledger::model::segments::RunSegment> {
        self.checker
            .map(|c| c.segments().to_vec())
            .unwrap_or_default()
    }
}

/// The Unix times of the legacy time keeper's starts recorded in `events`,
/// read as the legacy verification reads `forensic_audit.log`.
fn run_starts(events: &Path, max_line: usize) -> io::Result<Vec<f64>> {
    Ok(read_start_records(events, max_line)?
        .iter()
        .filter_map(|r| iso_to_unix(&r.timestamp()?))
        .collect())
}
