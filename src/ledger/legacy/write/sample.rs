//! Deterministic generator of complete legacy ledgers, for tests, demos
//! and benchmarks.
//!
//! [`write_sample_ledger`] replays what the ISS Module v2.0 service does over
//! a number of service starts: each start writes a forensic audit line, a
//! constitutional binding (log line plus manifest line with the same
//! timestamp), then for every descriptor a run of time pulses, the
//! descriptor and its manifest line. Content is varied but fully determined
//! by the seed; every hash is genuine, so the result verifies like a real
//! file. Output streams through buffered writers in constant memory.

use crate::ledger::legacy::format::line_builder::{
    DEFAULT_SOURCE_NODE, GENESIS_PREV_HASH, ManifestState, constitutional_line, descriptor_line,
    forensic_audit_line, genesis_last, pulse_line, utc_unix_from_micros,
};
use crate::ledger::model::new_descriptor::{CompleteDescriptor, descriptor_id};
use crate::time::civil::iso_from_micros;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// 2026-11-01T09:00:00Z in Unix microseconds: the default start time.
pub const DEFAULT_START_UTC_MICROS: i64 = 1_793_523_600_000_000;

/// What to generate. Start from [`SampleSpec::default`] and override fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleSpec {
    /// Seed of the generator: same seed and spec, same bytes.
    pub seed: u64,
    /// Number of SPICE descriptors (default 40).
    pub descriptors: u64,
    /// Number of service starts the descriptors are spread over (default 3;
    /// 0 is treated as 1, since nothing is written without a start).
    pub restarts: u32,
    /// Pulses written before each descriptor (default 4, as the reference
    /// run; 0 is treated as 1, since a descriptor needs a glyph range).
    pub glyph_count: u32,
    /// Wall-clock time of the first event, Unix microseconds.
    pub start_utc_micros: i64,
    /// `source_node` of the pulses and `node` of the audit lines.
    pub source_node: String,
}

impl Default for SampleSpec {
    fn default() -> Self {
        Self {
            seed: 0x155_2026,
            descriptors: 40,
            restarts: 3,
            glyph_count: 4,
            start_utc_micros: DEFAULT_START_UTC_MICROS,
            source_node: DEFAULT_SOURCE_NODE.to_string(),
        }
    }
}

/// The five files of a ledger in the service's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamplePaths {
    /// `data/spice_layer/spice_chain.jsonl`
    pub spice_chain: PathBuf,
    /// `data/spice_layer/integrity_manifest.jsonl`
    pub integrity_manifest: PathBuf,
    /// `data/spice_layer/constitutional_log.jsonl`
    pub constitutional_log: PathBuf,
    /// `logs/forensic_logs/glyph_chain.jsonl`
    pub glyph_chain: PathBuf,
    /// `logs/forensic_logs/forensic_audit.log`
    pub forensic_audit: PathBuf,
}

impl SamplePaths {
    /// The paths of a ledger rooted at `dir`.
    pub fn new(dir: &Path) -> Self {
        let spice = dir.join("data").join("spice_layer");
        let logs = dir.join("logs").join("forensic_logs");
        Self {
            spice_chain: spice.join("spice_chain.jsonl"),
            integrity_manifest: spice.join("integrity_manifest.jsonl"),
            constitutional_log: spice.join("constitutional_log.jsonl"),
            glyph_chain: logs.join("glyph_chain.jsonl"),
            forensic_audit: logs.join("forensic_audit.log"),
        }
    }

    /// All five paths, in the order of the fields.
    pub fn all(&self) -> [&Path; 5] {
        [
            &self.spice_chain,
            &self.integrity_manifest,
            &self.constitutional_log,
            &self.glyph_chain,
            &self.forensic_audit,
        ]
    }
}

/// What [`write_sample_ledger`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleSummary {
    /// Lines of `spice_chain.jsonl`.
    pub descriptors: u64,
    /// Lines of `integrity_manifest.jsonl` (one per start and per descriptor).
    pub manifest_lines: u64,
    /// Lines of `constitutional_log.jsonl` (one per start).
    pub constitutional_lines: u64,
    /// Lines of `glyph_chain.jsonl`.
    pub pulses: u64,
    /// Lines of `forensic_audit.log` (one per start).
    pub audit_lines: u64,
    /// `descriptor_hash` of the last descriptor ([`GENESIS_PREV_HASH`] if none).
    pub last_descriptor_hash: String,
    /// Final manifest `chain_hash` (`""` if no descriptor).
    pub chain_hash: String,
    /// The files written.
    pub paths: SamplePaths,
}

/// Writes a complete, genuinely hash-chained legacy ledger under `dir`
/// (creating the directories, replacing existing files), fully determined
/// by `spec`. Memory use does not grow with `spec.descriptors`.
pub fn write_sample_ledger(dir: &Path, spec: &SampleSpec) -> io::Result<SampleSummary> {
    let paths = SamplePaths::new(dir);
    for path in paths.all() {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
    }
    let open = |p: &Path| File::create(p).map(|f| BufWriter::with_capacity(1 << 20, f));
    let mut out = Outputs {
        chain: open(&paths.spice_chain)?,
        manifest: open(&paths.integrity_manifest)?,
        constitutional: open(&paths.constitutional_log)?,
        glyphs: open(&paths.glyph_chain)?,
        audit: open(&paths.forensic_audit)?,
    };
    let mut service = Generator::new(spec);
    let starts = u64::from(spec.restarts.max(1));
    for start in 0..starts {
        // Spread the descriptors evenly; earlier runs take the remainder.
        let from = spec.descriptors * start / starts;
        let to = spec.descriptors * (start + 1) / starts;
        service.service_start(&mut out)?;
        for index in from..to {
            service.descriptor(index, &mut out)?;
        }
    }
    for w in [
        &mut out.chain,
        &mut out.manifest,
        &mut out.constitutional,
        &mut out.glyphs,
        &mut out.audit,
    ] {
        w.flush()?;
    }
    Ok(SampleSummary {
        descriptors: spec.descriptors,
        manifest_lines: starts + spec.descriptors,
        constitutional_lines: starts,
        pulses: service.pulses,
        audit_lines: starts,
        last_descriptor_hash: service.prev_hash,
        chain_hash: service.manifest.chain_hash(),
        paths,
    })
}

struct Outputs {
    chain: BufWriter<File>,
    manifest: BufWriter<File>,
    constitutional: BufWriter<File>,
    glyphs: BufWriter<File>,
    audit: BufWriter<File>,
}

/// splitmix64: tiny, fast, and good enough to vary sample content.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform-enough integer in `0..n` (`n > 0`); the modulo bias is
    /// irrelevant for sample data.
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Integer in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo).unsigned_abs() + 1;
        lo + i64::try_from(self.below(span)).unwrap_or(0)
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    /// `k` distinct items of `pool` in random order.
    fn distinct(&mut self, pool: &[&str], k: usize) -> Vec<String> {
        let mut idx: Vec<usize> = (0..pool.len()).collect();
        let k = k.min(pool.len());
        for i in 0..k {
            let j = i + self.below((pool.len() - i) as u64) as usize;
            idx.swap(i, j);
        }
        idx[..k].iter().map(|&i| pool[i].to_string()).collect()
    }
}

const PROCESSES: &[&str] = &[
    "Order_Fulfilment",
    "Inventory_Receipt",
    "Change_Management",
    "Incident_Response",
    "Backup_Restore",
    "Access_Review",
];
const VERSIONS: &[&str] = &["1.0.0", "1.1.0", "2.0.0", "2.1.0"];
const OUTCOMES: &[&str] = &["compliant", "non_compliant", "partial", "not_assessed"];
const ASSESSORS: &[&str] = &[
    "auditor.jane",
    "auditor.okafor",
    "CALI_AUDIT_MODULE",
    "dashboard_service",
];
const METHODS: &[&str] = &[
    "document_review",
    "deterministic_replay_verification",
    "automated",
    "interview",
];
const APRIORI: &[&str] = &[
    "apriori:deterministic_replay",
    "apriori:glyph_logging",
    "apriori:two_person_rule",
];
const APOSTERIORI: &[&str] = &[
    "aposteriori:job_success_rate",
    "aposteriori:defect_density",
    "aposteriori:mean_time_to_restore",
];
const EVIDENCE: &[&str] = &[
    "execution_log",
    "job_output",
    "forensic_timestamp",
    "job_input",
    "operator_signoff",
    "scan_record",
];
/// The second descriptor always gets this note, so every sample exercises
/// the `\uXXXX` escapes.
const NON_ASCII_NOTE: &str = "Prüfung ausstehend — Nachweis fehlt";
const NOTES: &[&str] = &[
    "Evidence gap: operator sign-off missing",
    "Process demonstrates Level 4 capability",
    NON_ASCII_NOTE,
    "Ticket \"CHG-1042\" closed; see C:\\audit\\2026",
    "Revue planifiée à l’échéance ✓",
    "Replay diverged at step 3 (tolerance 1e-05)",
];

/// The simulated service: clocks, chain heads and content randomness.
struct Generator<'a> {
    spec: &'a SampleSpec,
    rng: SplitMix64,
    /// Wall clock, Unix microseconds.
    utc_micros: i64,
    /// Monotonic clock minus wall clock, in ns: fixed for the sample (one
    /// machine, never rebooted), so `tai_ns` advances with the wall clock.
    mono_offset_ns: i64,
    last: String,
    prev_hash: String,
    manifest: ManifestState,
    pulses: u64,
    starts: u64,
}

impl<'a> Generator<'a> {
    fn new(spec: &'a SampleSpec) -> Self {
        let mut rng = SplitMix64(spec.seed);
        // Like the reference run: the monotonic clock reads a few minutes
        // since boot at the first event.
        let since_boot_ns = rng.between(60_000_000_000, 900_000_000_000);
        let start_ns = spec.start_utc_micros.saturating_mul(1000);
        Self {
            spec,
            rng,
            utc_micros: spec.start_utc_micros,
            mono_offset_ns: since_boot_ns.wrapping_sub(start_ns),
            last: genesis_last(),
            prev_hash: GENESIS_PREV_HASH.to_string(),
            manifest: ManifestState::new(),
            pulses: 0,
            starts: 0,
        }
    }

    /// Advances the wall clock by `lo..=hi` µs and returns its ISO text.
    fn tick(&mut self, lo: i64, hi: i64) -> String {
        let step = self.rng.between(lo, hi);
        self.utc_micros = self.utc_micros.saturating_add(step);
        iso_from_micros(self.utc_micros)
    }

    /// Audit line, then constitutional binding in log and manifest.
    fn service_start(&mut self, out: &mut Outputs) -> io::Result<()> {
        // The first start happens exactly at the start time, so samples also
        // carry Python's fraction-less `isoformat()` (whole second).
        let audit_ts = if self.starts == 0 {
            iso_from_micros(self.utc_micros)
        } else {
            self.tick(2_000, 6_000)
        };
        self.starts += 1;
        out.audit
            .write_all(forensic_audit_line(&audit_ts, &self.spec.source_node).as_bytes())?;
        let bind_ts = self.tick(300, 700);
        out.constitutional
            .write_all(constitutional_line(&bind_ts).as_bytes())?;
        out.manifest
            .write_all(self.manifest.binding_line(&bind_ts).as_bytes())?;
        Ok(())
    }

    fn pulse(&mut self, out: &mut Outputs) -> io::Result<String> {
        // A few µs of disagreement between the two clock reads, never
        // enough to reorder pulses that are milliseconds apart.
        let jitter = self.rng.between(-3_000, 3_000);
        let tai_ns = self
            .utc_micros
            .saturating_mul(1000)
            .wrapping_add(self.mono_offset_ns)
            .wrapping_add(jitter);
        let pulse = pulse_line(tai_ns, self.utc_micros, &self.spec.source_node, &self.last);
        out.glyphs.write_all(pulse.line.as_bytes())?;
        self.pulses += 1;
        self.last = pulse.next_last;
        Ok(pulse.glyph_hash)
    }

    fn descriptor(&mut self, index: u64, out: &mut Outputs) -> io::Result<()> {
        let glyph_count = self.spec.glyph_count.max(1);
        self.tick(200, 2_500);
        let glyph_range_start = self.pulse(out)?;
        let mut glyph_range_end = glyph_range_start.clone();
        for _ in 1..glyph_count {
            // Mostly ~2.2 ms apart, sometimes a slower tick.
            let slow = if self.rng.percent(10) { 2_000 } else { 0 };
            self.tick(2_100 + slow, 2_300 + slow);
            glyph_range_end = self.pulse(out)?;
        }

        let assessed_at = self.tick(200, 800);
        let d = self.content(index, assessed_at, glyph_range_start, glyph_range_end);
        let built = descriptor_line(&d, &self.prev_hash);
        out.chain.write_all(built.line.as_bytes())?;

        let manifest_ts = self.tick(800, 1_700);
        let line = self.manifest.create_descriptor_line(
            &manifest_ts,
            &d.descriptor_id,
            &built.descriptor_hash,
        );
        out.manifest.write_all(line.as_bytes())?;
        self.prev_hash = built.descriptor_hash;
        Ok(())
    }

    /// Varied, plausible descriptor content; some of it deliberately
    /// inconsistent (missing evidence, scores off their outcome's band)
    /// so that analyses have something to find.
    fn content(
        &mut self,
        index: u64,
        assessed_at: String,
        glyph_range_start: String,
        glyph_range_end: String,
    ) -> CompleteDescriptor {
        let glyph_count = self.spec.glyph_count.max(1);
        let rng = &mut self.rng;
        let process_name = rng.pick(PROCESSES).to_string();
        let process_version = rng.pick(VERSIONS).to_string();
        // The first four descriptors cover all outcomes whatever the seed.
        let outcome = if index < 4 {
            OUTCOMES[((index + self.spec.seed) % 4) as usize]
        } else {
            rng.pick(OUTCOMES)
        };
        let (lo, hi) = match outcome {
            "compliant" => (70, 100),
            "partial" => (40, 80),
            "non_compliant" => (0, 50),
            _ => (0, 100),
        };
        let percent = if rng.percent(10) {
            rng.between(0, 100)
        } else {
            rng.between(lo, hi)
        };
        let apriori_len = rng.below(3) as usize;
        let aposteriori_len = 1 + rng.below(2) as usize;
        let required_len = 2 + rng.below(3) as usize;
        let evidence_required = rng.distinct(EVIDENCE, required_len);
        let mut evidence_provided = rng.distinct(
            &evidence_required
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            evidence_required.len(),
        );
        if rng.percent(35) {
            let missing = 1 + rng.below(evidence_provided.len() as u64) as usize;
            evidence_provided.truncate(evidence_provided.len() - missing.min(2));
        }
        let active_constraints = match rng.below(3) {
            0 => vec![],
            1 => vec!["immutable_memory".to_string()],
            _ => vec![
                "immutable_memory".to_string(),
                "constitutional_article_vii".to_string(),
            ],
        };
        let advisory_notes = if index == 1 {
            Some(NON_ASCII_NOTE.to_string())
        } else if rng.percent(50) {
            Some(rng.pick(NOTES).to_string())
        } else {
            None
        };
        CompleteDescriptor {
            // Like the service: hash of name, version and the clock read.
            descriptor_id: descriptor_id(
                &process_name,
                &process_version,
                utc_unix_from_micros(self.utc_micros),
            ),
            process_name,
            process_version,
            capability_level: rng.below(6) as u8,
            process_outcome: outcome.to_string(),
            compliance_score: percent as f64 / 100.0,
            apriori_refs: rng.distinct(APRIORI, apriori_len),
            aposteriori_refs: rng.distinct(APOSTERIORI, aposteriori_len),
            glyph_range_start,
            glyph_range_end,
            glyph_count,
            evidence_required,
            evidence_provided,
            assessed_by: rng.pick(ASSESSORS).to_string(),
            assessed_at,
            assessment_method: rng.pick(METHODS).to_string(),
            active_constraints,
            advisory_notes,
        }
    }
}

#[cfg(test)]
mod tests;
