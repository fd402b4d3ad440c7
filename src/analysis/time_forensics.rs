//! TEMPORARY placeholder while the real module is written; never committed.
#![allow(missing_docs, clippy::pedantic)]
use crate::ledger::finding::Finding;
#[derive(Debug, Clone, Default)]
pub struct TimeCheckConfig;
#[derive(Debug)]
pub struct TimeChecker;
pub struct PulseTimes<'a> {
    pub line: u64,
    pub offset: u64,
    pub pulse_id: &'a str,
    pub monotonic_ns: i64,
    pub utc_iso: &'a str,
    pub utc_unix: f64,
    pub et_s: f64,
    pub epoch_days: f64,
    pub julian_date: f64,
    pub payload_sha256: [u8; 32],
}
impl TimeChecker {
    pub fn new(_: TimeCheckConfig) -> Self {
        TimeChecker
    }
    pub fn with_run_starts(self, _: Vec<f64>) -> Self {
        self
    }
    pub fn check(&mut self, _: &PulseTimes<'_>, _: &mut Vec<Finding>) {}
}
pub fn parse_iso_unix(_: &str) -> Option<f64> {
    None
}
