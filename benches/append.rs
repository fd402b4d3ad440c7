//! Appends through the one append module (`ledger::append::append_lines`:
//! tail check, one write, `fdatasync`, read-back through a fresh handle),
//! each beside a baseline measured in the same run: a raw `write` of the
//! same bytes on a plain `O_APPEND` file followed by `fdatasync`, with no
//! check and no read-back. Single records (one fsync each) and batches of
//! `ISS_BENCH_BATCH` records (default 1000; one fsync per batch).
//!
//! The records are genuine legacy pulse lines (about 330 bytes). Both files
//! live in the same temporary folder, so they share a file system.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iss_workstation::ledger::append::{AppendOptions, LedgerLock, Tail, append_lines};
use iss_workstation::ledger::legacy::format::line_builder::{genesis_last, pulse_line};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// `n` chained pulse lines, without their newlines.
fn pulse_lines(n: usize) -> Vec<String> {
    let mut last = genesis_last();
    let mut micros = 1_793_523_600_000_000i64;
    let mut mono = 300_000_000_000i64;
    (0..n)
        .map(|_| {
            micros += 2_250;
            mono += 2_250_000;
            let p = pulse_line(mono, micros, "ISS_MODULE_V2", &last);
            last = p.next_last;
            p.line.trim_end_matches('\n').to_owned()
        })
        .collect()
}

fn raw_file(path: &Path) -> File {
    OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .expect("opens")
}

fn bench(c: &mut Criterion) {
    let batch: usize = std::env::var("ISS_BENCH_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().expect("temp dir");
    let ours = dir.path().join("ours.jsonl");
    let raw = dir.path().join("raw.jsonl");
    let lines = pulse_lines(batch);
    let mut lock = LedgerLock::acquire(dir.path()).expect("lock");
    let mut tail = Tail::EMPTY;
    let create = AppendOptions { create: true };

    let mut single = c.benchmark_group("append_single_fsync");
    single
        .sample_size(30)
        .measurement_time(Duration::from_secs(8))
        .throughput(Throughput::Elements(1));
    let line = &lines[0];
    single.bench_function("append module", |b| {
        b.iter(|| {
            let done = append_lines(&mut lock, &ours, &tail, &[line], create).expect("append");
            tail = done.new_tail;
        });
    });
    let mut file = raw_file(&raw);
    let mut bytes = line.clone().into_bytes();
    bytes.push(b'\n');
    single.bench_function("baseline: write + fdatasync", |b| {
        b.iter(|| {
            file.write_all(&bytes).expect("write");
            file.sync_data().expect("sync");
        });
    });
    single.finish();

    let mut group = c.benchmark_group(format!("append_batch_{batch}_fsync_once"));
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8))
        .throughput(Throughput::Elements(batch as u64));
    group.bench_function("append module", |b| {
        b.iter(|| {
            let done = append_lines(&mut lock, &ours, &tail, &lines, create).expect("append");
            tail = done.new_tail;
        });
    });
    let mut all = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for l in &lines {
        all.extend_from_slice(l.as_bytes());
        all.push(b'\n');
    }
    group.bench_function("baseline: write + fdatasync", |b| {
        b.iter(|| {
            file.write_all(&all).expect("write");
            file.sync_data().expect("sync");
        });
    });
    group.finish();

    // The disk is shared and fsync latency drifts by several times within
    // minutes, so the two criterion runs above can see different disks.
    // Interleaving ours and the baseline round by round gives each the
    // same conditions; the medians and their ratio are printed.
    let mut paired = |rounds: usize, ours_lines: &[String], raw_bytes: &[u8]| {
        let (mut a, mut r) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
        for _ in 0..rounds {
            let t = Instant::now();
            let done = append_lines(&mut lock, &ours, &tail, ours_lines, create).expect("append");
            a.push(t.elapsed());
            tail = done.new_tail;
            let t = Instant::now();
            file.write_all(raw_bytes).expect("write");
            file.sync_data().expect("sync");
            r.push(t.elapsed());
        }
        (median(&mut a), median(&mut r))
    };
    let (ours_1, raw_1) = paired(200, &lines[..1], &bytes);
    let (ours_n, raw_n) = paired(40, &lines, &all);
    eprintln!(
        "interleaved medians: single {ours_1:?} vs baseline {raw_1:?} (ours/baseline time {:.2}); \
         batch of {batch} {ours_n:?} vs baseline {raw_n:?} (ratio {:.2}; {:.0} records/s vs {:.0})",
        ours_1.as_secs_f64() / raw_1.as_secs_f64(),
        ours_n.as_secs_f64() / raw_n.as_secs_f64(),
        batch as f64 / ours_n.as_secs_f64(),
        batch as f64 / raw_n.as_secs_f64(),
    );
    native(batch);
}

/// Native appends (`NativeWriter::append`: tail check, the new lines run
/// through the verifier, then the append module) and native appends with a
/// signed checkpoint each, interleaved with the raw baseline of the same
/// bytes.
fn native(batch: usize) {
    use iss_workstation::ledger::native::format::meta::Chain;
    use iss_workstation::ledger::native::secret::read_signer;
    use iss_workstation::ledger::native::write::NativeWriter;
    use iss_workstation::ledger::native::write::init::{InitOptions, init};
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = dir.path().join("native");
    let key = dir.path().join("native.key");
    init(
        &ledger,
        &InitOptions {
            origin: "iss.bench/append".into(),
            key_path: key.clone(),
            mac_key_path: None,
            created: "2026-11-27T00:00:00Z".into(),
            genesis_extra: None,
        },
    )
    .expect("init");
    let mut w =
        NativeWriter::open(&ledger, Some(read_signer(&key).expect("key")), None).expect("open");
    let bodies: Vec<String> = (0..batch)
        .map(|i| {
            format!(
                r#"{{"descriptor_id":"{i:016x}","process_name":"Bench","process_version":"1.0","capability_level":3,"process_outcome":"compliant","compliance_score":0.75,"apriori_refs":[],"aposteriori_refs":[],"glyph_range_start":"","glyph_range_end":"","glyph_count":0,"evidence_required":["a"],"evidence_provided":["a"],"assessed_by":"bench","assessed_at":"2026-11-27T00:00:00.000000+00:00","assessment_method":"m","active_constraints":[],"advisory_notes":null}}"#
            )
        })
        .collect();
    // The baseline writes bytes of the same size as the native lines.
    let line_len = bodies[0].len() + 190;
    let one = vec![b'x'; line_len];
    let all = vec![b'x'; line_len * batch];
    let mut file = raw_file(&dir.path().join("raw.jsonl"));
    let mut raw = |bytes: &[u8]| {
        let t = Instant::now();
        file.write_all(bytes).expect("write");
        file.sync_data().expect("sync");
        t.elapsed()
    };
    let rounds = |n: usize,
                  f: &mut dyn FnMut() -> Duration,
                  base: &[u8],
                  raw: &mut dyn FnMut(&[u8]) -> Duration| {
        let (mut a, mut r) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            a.push(f());
            r.push(raw(base));
        }
        (median(&mut a), median(&mut r))
    };
    let (single, single_raw) = rounds(
        100,
        &mut || {
            let t = Instant::now();
            w.append(Chain::Descriptors, &bodies[..1]).expect("append");
            t.elapsed()
        },
        &one,
        &mut raw,
    );
    let (signed, signed_raw) = rounds(
        50,
        &mut || {
            let t = Instant::now();
            w.append(Chain::Descriptors, &bodies[..1]).expect("append");
            w.checkpoint(Chain::Descriptors).expect("checkpoint");
            t.elapsed()
        },
        &one,
        &mut raw,
    );
    let (many, many_raw) = rounds(
        20,
        &mut || {
            let t = Instant::now();
            w.append(Chain::Descriptors, &bodies).expect("append");
            t.elapsed()
        },
        &all,
        &mut raw,
    );
    eprintln!(
        "native, interleaved medians: single {single:?} vs baseline {single_raw:?} (ratio {:.2}); \
         single + signed checkpoint {signed:?} vs {signed_raw:?} (ratio {:.2}); \
         batch of {batch} {many:?} vs {many_raw:?} (ratio {:.2}; {:.0} records/s vs {:.0})",
        single.as_secs_f64() / single_raw.as_secs_f64(),
        signed.as_secs_f64() / signed_raw.as_secs_f64(),
        many.as_secs_f64() / many_raw.as_secs_f64(),
        batch as f64 / many.as_secs_f64(),
        batch as f64 / many_raw.as_secs_f64(),
    );
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

criterion_group!(benches, bench);
criterion_main!(benches);
