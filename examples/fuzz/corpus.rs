//! The genuine ledgers the fuzzer mutates, built with the project's own
//! writers: legacy (`iss sample`), migrated (`iss migrate` of a legacy
//! sample) and native (`iss init`, then descriptors and pulses appended by
//! the native writer at a fixed clock). Each verifies clean before use.

use crate::rng::Rng;
use iss_workstation::ledger::clock::{Clock, FixedClock};
use iss_workstation::ledger::legacy::write::append::NewDescriptor;
use iss_workstation::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use iss_workstation::ledger::model::report::LedgerStatus;
use iss_workstation::ledger::native::secret::read_signer;
use iss_workstation::ledger::native::write::NativeWriter;
use iss_workstation::ledger::native::write::descriptors::append_descriptors;
use iss_workstation::ledger::native::write::init::{InitOptions, init};
use iss_workstation::ledger::native::write::migrate::migrate;
use iss_workstation::ledger::native::write::pulse::append_pulse;
use iss_workstation::ledger::verify::{VerifyOptions, verify_path};
use iss_workstation::time::leap_seconds::LeapSecondList;
use std::path::{Path, PathBuf};

/// What kind of ledger a baseline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The legacy service's layout.
    Legacy,
    /// `iss-native-v1`, written natively.
    Native,
    /// `iss-native-v1`, migrated from a legacy ledger.
    Migrated,
}

impl Kind {
    /// Its name in reports and reproducer folders.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Legacy => "legacy",
            Kind::Native => "native",
            Kind::Migrated => "migrated",
        }
    }

    /// Whether it is a native ledger.
    pub fn is_native(self) -> bool {
        self != Kind::Legacy
    }
}

/// A genuine ledger to copy and mutate.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// What it is.
    pub kind: Kind,
    /// Its folder (its signing key, if any, is beside it: `<dir>.key`).
    pub dir: PathBuf,
    /// A descriptor id it holds (for `iss audit` and `iss show`).
    pub id: String,
}

/// Two genuine ledgers of each kind under `work`, their sizes drawn from
/// `seed`.
pub fn build(work: &Path, seed: u64) -> Vec<Baseline> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for i in 0..2 {
        let spec = SampleSpec {
            seed: rng.next(),
            descriptors: rng.between(2, 12) as u64,
            restarts: rng.between(1, 3) as u32,
            glyph_count: rng.between(1, 4) as u32,
            ..SampleSpec::default()
        };
        let legacy = work.join(format!("legacy-{i}"));
        write_sample_ledger(&legacy, &spec).expect("a sample ledger");
        out.push(baseline(Kind::Legacy, legacy.clone()));

        let migrated = work.join(format!("migrated-{i}"));
        migrate(&legacy, &migrated, &options(&migrated)).expect("a migrated ledger");
        out.push(baseline(Kind::Migrated, migrated));

        let native = work.join(format!("native-{i}"));
        native_ledger(&native, &mut rng);
        out.push(baseline(Kind::Native, native));
    }
    out
}

fn options(dir: &Path) -> InitOptions {
    InitOptions {
        origin: "iss.fuzz/ledger".to_owned(),
        key_path: key_path(dir),
        mac_key_path: None,
        created: "2026-11-01T08:00:00Z".to_owned(),
        genesis_extra: None,
    }
}

/// Where the signing key of the ledger at `dir` is kept.
pub fn key_path(dir: &Path) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_owned();
    name.push(".key");
    dir.with_file_name(name)
}

/// `iss init`, then 2-8 descriptors and 2-8 pulses, signed.
fn native_ledger(dir: &Path, rng: &mut Rng) {
    init(dir, &options(dir)).expect("a native ledger");
    let signer = read_signer(&key_path(dir)).expect("its key");
    let mut w = NativeWriter::open(dir, Some(signer), None).expect("its writer");
    let names = ["Order_Fulfilment", "Backup_Restore", "Access_Review"];
    let inputs: Vec<NewDescriptor> = (0..rng.between(2, 8))
        .map(|i| {
            serde_json::from_value(serde_json::json!({
                "process_name": names[i % names.len()],
                "process_version": format!("1.{i}"),
                "capability_level": i % 6,
                "process_outcome": "partial",
                "compliance_score": 0.5,
                "evidence_required": ["execution_log"],
                "evidence_provided": ["execution_log"],
                "assessed_by": "fuzz",
                "assessment_method": "generated",
            }))
            .expect("a descriptor")
        })
        .collect();
    append_descriptors(&mut w, inputs, 1_793_523_600_000_000, true).expect("descriptors");
    let clock = FixedClock::at(1_793_523_600_000_000_000, 3_600_000_000_000);
    let leaps = LeapSecondList::embedded().expect("the embedded leap seconds");
    for _ in 0..rng.between(2, 8) {
        append_pulse(&mut w, &clock.read(), leaps).expect("a pulse");
    }
}

fn baseline(kind: Kind, dir: PathBuf) -> Baseline {
    let report = verify_path(&dir, &VerifyOptions::default()).expect("it verifies");
    assert_eq!(
        report.status,
        LedgerStatus::Clean,
        "the {} baseline {} is not clean",
        kind.name(),
        dir.display()
    );
    let id = first_descriptor_id(kind, &dir).unwrap_or_else(|| "0".repeat(16));
    Baseline { kind, dir, id }
}

fn first_descriptor_id(kind: Kind, dir: &Path) -> Option<String> {
    let (file, pointer) = if kind.is_native() {
        (dir.join("descriptors.jsonl"), "/body/descriptor_id")
    } else {
        (
            dir.join("data/spice_layer/spice_chain.jsonl"),
            "/descriptor_id",
        )
    };
    let text = std::fs::read_to_string(file).ok()?;
    let first: serde_json::Value = serde_json::from_str(text.lines().next()?).ok()?;
    first.pointer(pointer)?.as_str().map(str::to_owned)
}

/// Every file of the ledger at `dir`, relative to it (the lock file aside).
pub fn files(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, at: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(at) else {
            return;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for e in entries {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if e.file_name() != ".iss-lock" {
                out.push(p.strip_prefix(root).unwrap_or(&p).to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

/// Copy the ledger at `from` (and its key beside it) to `to`.
pub fn copy(from: &Path, to: &Path) {
    for rel in files(from) {
        let dst = to.join(&rel);
        std::fs::create_dir_all(dst.parent().expect("a parent")).expect("a folder");
        std::fs::copy(from.join(&rel), &dst).expect("a copy");
    }
    let key = key_path(from);
    if key.exists() {
        std::fs::copy(&key, key_path(to)).expect("the key");
    }
}
