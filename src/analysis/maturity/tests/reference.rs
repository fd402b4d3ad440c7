//! The reference run's report agrees with figures computed here directly,
//! from `serde_json::Value`s, by the plainest method available.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::kind_of;
use crate::analysis::maturity::{
    DatasetInfo, Inclusion, InconsistencyKind as K, MaturityBuilder, MaturityReport,
};
use crate::ledger::model::descriptor::DescriptorRecord;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/legacy/reference-run/data/spice_layer/spice_chain.jsonl")
}

/// The fixture's text, or `None` (with the reason printed) when absent.
fn text() -> Option<String> {
    let path = fixture();
    let t = std::fs::read_to_string(&path);
    if t.is_err() {
        println!("skipped: reference run not found at {}", path.display());
    }
    t.ok()
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// Play the verifier: a record is verified when its descriptor hash
/// recomputes and links to the previous line's.
fn report_of(text: &str) -> MaturityReport {
    let mut b = MaturityBuilder::new();
    let mut prev = "0".repeat(64);
    for (i, line) in text.lines().enumerate() {
        let r: DescriptorRecord = serde_json::from_str(line).expect("reference record parses");
        let f = r.chain_fields();
        let stored_prev = f.prev.unwrap_or_default();
        let hash = sha256_hex(
            format!(
                "{}:{}:{}:{}",
                f.id.unwrap_or_default(),
                f.process_name.unwrap_or_default(),
                f.assessed_at.unwrap_or_default(),
                stored_prev
            )
            .as_bytes(),
        );
        let status = if stored_prev != prev {
            Inclusion::Excluded {
                reason: format!("CHAIN_BREAK at line {}", i + 1),
            }
        } else if Some(hash.as_str()) != f.hash {
            Inclusion::Excluded {
                reason: format!("HASH_MISMATCH at line {}", i + 1),
            }
        } else {
            Inclusion::Verified
        };
        prev = f.hash.unwrap_or_default().to_owned();
        b.add(&r, i as u64 + 1, status);
    }
    b.finish(DatasetInfo {
        path: fixture().display().to_string(),
        sha256: sha256_hex(text.as_bytes()),
        records_read: text.lines().count() as u64,
        format: "iss-legacy-v2",
        not_descriptors: 0,
        first_not_descriptors: Vec::new(),
    })
}

fn s<'v>(v: &'v Value, k: &str) -> &'v str {
    v[k].as_str().expect("string field")
}

fn set<'v>(v: &'v Value, k: &str) -> BTreeSet<&'v str> {
    v[k].as_array()
        .expect("list field")
        .iter()
        .map(|x| x.as_str().expect("string item"))
        .collect()
}

#[test]
fn reference_run_matches_a_direct_computation() {
    let Some(text) = text() else { return };
    let rep = report_of(&text);
    let recs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let n = recs.len() as u64;
    assert_eq!(n, 105);
    assert_eq!(
        rep.scope.records.verified, n,
        "every reference record verifies"
    );
    assert_eq!(rep.scope.dataset.sha256, sha256_hex(text.as_bytes()));

    // Distribution over levels and outcomes.
    let level = |v: &Value| v["capability_level"].as_i64().expect("level");
    let mut levels = [0u64; 6];
    for v in &recs {
        levels[usize::try_from(level(v)).expect("0-5")] += 1;
    }
    assert_eq!(levels, [9, 13, 28, 36, 9, 10]);
    let got: Vec<u64> = rep.distribution.levels.iter().map(|l| l.count).collect();
    assert_eq!(got, levels);
    for (row, c) in rep.distribution.levels.iter().zip(levels) {
        assert!((row.percent - c as f64 * 100.0 / n as f64).abs() < 1e-9);
    }
    let avg = recs.iter().map(level).sum::<i64>() as f64 / n as f64;
    assert!((rep.distribution.average_level.expect("some") - avg).abs() < 1e-12);
    for o in &rep.distribution.outcomes {
        let of: Vec<&Value> = recs
            .iter()
            .filter(|v| s(v, "process_outcome") == o.outcome)
            .collect();
        assert_eq!(o.count, of.len() as u64, "{}", o.outcome);
        if !of.is_empty() {
            let a = of.iter().map(|v| level(v)).sum::<i64>() as f64 / of.len() as f64;
            assert!((o.average_level.expect("some") - a).abs() < 1e-12);
        }
    }

    // Scope: distinct names and the period. All offsets are +00:00 with the
    // same precision, so text order is time order here.
    assert!(recs.iter().all(|v| s(v, "assessed_at").ends_with("+00:00")));
    let distinct = |k: &str| recs.iter().map(|v| s(v, k)).collect::<BTreeSet<_>>().len() as u64;
    assert_eq!(rep.scope.processes.distinct, distinct("process_name"));
    assert_eq!(rep.scope.assessors.distinct, distinct("assessed_by"));
    assert_eq!(rep.scope.methods.distinct, distinct("assessment_method"));
    let times: Vec<&str> = recs.iter().map(|v| s(v, "assessed_at")).collect();
    let period = &rep.scope.period;
    assert_eq!(
        period.first.as_ref().map(|p| p.assessed_at.as_str()),
        times.iter().min().copied()
    );
    assert_eq!(
        period.last.as_ref().map(|p| p.assessed_at.as_str()),
        times.iter().max().copied()
    );
    assert_eq!(period.invalid_timestamps, 0);

    per_process(&rep, &recs);
    evidence(&rep, &recs);
    inconsistencies(&rep, &recs);
}

fn per_process(rep: &MaturityReport, recs: &[Value]) {
    // name -> (latest (assessed_at, line, level), count, score sum)
    type Latest<'v> = (&'v str, usize, i64);
    let mut by: BTreeMap<&str, (Latest, u64, f64)> = BTreeMap::new();
    for (i, v) in recs.iter().enumerate() {
        let e = by
            .entry(s(v, "process_name"))
            .or_insert((("", 0, 0), 0, 0.0));
        let cand = (
            s(v, "assessed_at"),
            i + 1,
            v["capability_level"].as_i64().expect("level"),
        );
        if cand >= e.0 {
            e.0 = cand;
        }
        e.1 += 1;
        e.2 += v["compliance_score"].as_f64().expect("score");
    }
    assert_eq!(rep.processes.items.len(), by.len());
    for (p, (name, (latest, count, sum))) in rep.processes.items.iter().zip(&by) {
        assert_eq!(p.process, *name);
        assert_eq!(p.assessments, *count);
        let l = p.latest.as_ref().expect("latest");
        assert_eq!((l.line, l.level), (latest.1 as u64, latest.2), "{name}");
        let mean = p.mean_compliance_score.expect("mean");
        assert!((mean - sum / *count as f64).abs() < 1e-12);
    }
}

fn evidence(rep: &MaturityReport, recs: &[Value]) {
    let (mut req, mut prov) = (0u64, 0u64);
    let mut per: HashMap<&str, (u64, u64)> = HashMap::new();
    let mut missing: BTreeMap<&str, u64> = BTreeMap::new();
    let mut extra = 0u64;
    for v in recs {
        let (r, p) = (set(v, "evidence_required"), set(v, "evidence_provided"));
        let got = r.intersection(&p).count() as u64;
        req += r.len() as u64;
        prov += got;
        let e = per.entry(s(v, "process_name")).or_default();
        e.0 += r.len() as u64;
        e.1 += got;
        for m in r.difference(&p) {
            *missing.entry(m).or_default() += 1;
        }
        extra += p.difference(&r).count() as u64;
    }
    assert_eq!((req, prov), (315, 207));
    let o = &rep.evidence.overall;
    assert_eq!((o.required, o.provided), (req, prov));
    for p in &rep.processes.items {
        assert_eq!(
            (p.evidence.required, p.evidence.provided),
            per[p.process.as_str()]
        );
    }
    let got: BTreeMap<&str, u64> = o
        .missing
        .items
        .iter()
        .map(|n| (n.name.as_str(), n.count))
        .collect();
    assert_eq!(got, missing);
    assert_eq!(extra, 0);
    assert!(rep.evidence.provided_not_required.is_empty());
}

fn inconsistencies(rep: &MaturityReport, recs: &[Value]) {
    let (mut unsupported, mut b_low, mut b_gap, mut out_of_range, mut same) = (0, 0, 0, 0, 0);
    let mut last: HashMap<&str, &str> = HashMap::new();
    for v in recs {
        let (r, p) = (set(v, "evidence_required"), set(v, "evidence_provided"));
        let share = r.intersection(&p).count() as f64 / r.len() as f64;
        let level = v["capability_level"].as_i64().expect("level");
        let score = v["compliance_score"].as_f64().expect("score");
        let compliant = s(v, "process_outcome") == "compliant";
        if (level >= 1 && (r.is_empty() || share <= 0.5)) || (level >= 2 && share <= 0.85) {
            unsupported += 1;
        }
        if compliant && (0.0..0.5).contains(&score) {
            b_low += 1;
        }
        if compliant && !r.is_subset(&p) {
            b_gap += 1;
        }
        if !(0.0..=1.0).contains(&score) {
            out_of_range += 1;
        }
        let who = s(v, "assessed_by");
        if last.insert(s(v, "process_name"), who) == Some(who) {
            same += 1;
        }
    }
    assert_eq!(
        (unsupported, b_low, b_gap, out_of_range, same),
        (61, 13, 15, 0, 22)
    );
    let count = |k| kind_of(rep, k).count;
    assert_eq!(count(K::LevelUnsupportedByEvidence), unsupported);
    assert_eq!(count(K::CompliantLowScore), b_low);
    assert_eq!(count(K::CompliantMissingEvidence), b_gap);
    assert_eq!(count(K::ScoreOutOfRange), out_of_range);
    assert_eq!(count(K::SameAssessorConsecutive), same);
    assert_eq!(count(K::AttributeLevelMismatch), 0);
    assert_eq!(count(K::LevelOutOfRange), 0);
    let all = unsupported + b_low + b_gap + out_of_range + same;
    assert_eq!(rep.inconsistencies.total, all);
}

#[test]
fn a_tampered_reference_record_is_excluded_and_reported() {
    let Some(text) = text() else { return };
    // Renaming a process breaks its descriptor hash (process_name is covered).
    let tampered: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let l = if i == 11 {
                l.replacen("\"process_name\":\"", "\"process_name\":\"X", 1)
            } else {
                l.to_owned()
            };
            l + "\n"
        })
        .collect();
    let rep = report_of(&tampered);
    assert_eq!(rep.scope.records.verified, 104);
    assert_eq!(rep.scope.records.excluded, 1);
    assert_eq!(rep.distribution.verified, 104);
    assert_eq!(rep.scope.exclusions.by_kind.items[0].name, "HASH_MISMATCH");
    assert_eq!(rep.scope.exclusions.first[0].line, 12);
    assert!(
        rep.processes
            .items
            .iter()
            .all(|p| !p.process.starts_with('X'))
    );
}
