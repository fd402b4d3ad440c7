//! Verifying a generated legacy ledger (default 1,000,000 descriptors; set
//! `ISS_BENCH_DESCRIPTORS` for a quicker run), beside baselines measured in
//! the same run: reading the file and hashing its bytes once with SHA-256,
//! and parsing each line into a generic JSON value (what a naive verifier
//! pays before any check). The Python baseline is in `scripts/bench_verify.py`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iss_workstation::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use iss_workstation::ledger::model::report::LedgerStatus;
use iss_workstation::ledger::verify::{VerifyOptions, verify_path};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read};
use std::time::Duration;

fn descriptors() -> u64 {
    std::env::var("ISS_BENCH_DESCRIPTORS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn bench(c: &mut Criterion) {
    let n = descriptors();
    let dir = tempfile::tempdir().expect("temp dir");
    let summary = write_sample_ledger(
        dir.path(),
        &SampleSpec {
            descriptors: n,
            ..SampleSpec::default()
        },
    )
    .expect("sample ledger");
    let chain = summary.paths.spice_chain.clone();

    let mut group = c.benchmark_group(format!("verify_{n}_descriptors"));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(n));
    group.bench_function("iss verify spice_chain.jsonl", |b| {
        b.iter(|| {
            let report = verify_path(&chain, &VerifyOptions::default()).expect("opens");
            assert_eq!(report.status, LedgerStatus::Clean);
        });
    });
    group.bench_function("baseline: read + sha256 of the bytes", |b| {
        b.iter(|| {
            let mut file = std::fs::File::open(&chain).expect("opens");
            let mut hasher = Sha256::new();
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let k = file.read(&mut buf).expect("reads");
                if k == 0 {
                    break;
                }
                hasher.update(&buf[..k]);
            }
            hasher.finalize()
        });
    });
    group.bench_function("baseline: serde_json::Value per line", |b| {
        b.iter(|| {
            let reader =
                BufReader::with_capacity(1 << 20, std::fs::File::open(&chain).expect("opens"));
            let mut count = 0u64;
            for line in reader.lines() {
                let v: serde_json::Value =
                    serde_json::from_str(&line.expect("reads")).expect("json");
                count += u64::from(v.is_object());
            }
            assert_eq!(count, n);
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
