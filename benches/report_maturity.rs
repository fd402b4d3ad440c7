//! The maturity report over a generated ledger's descriptors (default
//! 1,000,000; `ISS_BENCH_DESCRIPTORS` for a quicker run), beside the same
//! pass that only parses each record: what the report adds to reading.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iss_workstation::analysis::maturity::{DatasetInfo, Inclusion, MaturityBuilder};
use iss_workstation::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use iss_workstation::ledger::model::descriptor::DescriptorRecord;
use std::io::{BufRead, BufReader};
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let n = std::env::var("ISS_BENCH_DESCRIPTORS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000u64);
    let dir = tempfile::tempdir().expect("temp dir");
    let summary = write_sample_ledger(
        dir.path(),
        &SampleSpec {
            descriptors: n,
            ..SampleSpec::default()
        },
    )
    .expect("sample");
    let chain = summary.paths.spice_chain.clone();
    let each = |f: &mut dyn FnMut(&DescriptorRecord<'_>, u64)| {
        let reader = BufReader::with_capacity(1 << 20, std::fs::File::open(&chain).expect("opens"));
        for (i, line) in reader.lines().enumerate() {
            let line = line.expect("reads");
            let record: DescriptorRecord = serde_json::from_str(&line).expect("parses");
            f(&record, i as u64 + 1);
        }
    };
    let mut group = c.benchmark_group(format!("maturity_{n}_descriptors"));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(n));
    group.bench_function("parse + MaturityBuilder", |b| {
        b.iter(|| {
            let mut builder = MaturityBuilder::new();
            each(&mut |r, line| builder.add(r, line, Inclusion::Verified));
            builder.finish(DatasetInfo {
                path: String::new(),
                sha256: String::new(),
                records_read: n,
                format: "iss-legacy-v2",
                not_descriptors: 0,
                first_not_descriptors: Vec::new(),
            })
        });
    });
    group.bench_function("baseline: parse only", |b| {
        b.iter(|| {
            let mut count = 0u64;
            each(&mut |r, _| count += u64::from(r.capability_level >= 0));
            count
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
