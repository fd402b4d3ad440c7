//! Invariant: `iss find` takes the level and time bounds the workstation's
//! `:filter` takes (`--level >=3`, `--since 2026-11-26`), parsed by the same
//! code, and finds exactly the records a direct scan finds.

mod common;

use common::{generated_ledger, iss_json, read_lines};
use iss_workstation::time::Instant;
use serde_json::Value;
use std::path::Path;

const CHAIN: &str = "data/spice_layer/spice_chain.jsonl";

/// The 1-based lines `iss find --json ARGS --limit 0` reports.
fn found(path: &Path, args: &[&str]) -> Vec<u64> {
    let mut all = vec!["find", "--json", "--limit", "0"];
    all.extend_from_slice(args);
    let v = iss_json(&all, path, 0);
    let lines: Vec<u64> = v["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["line"].as_u64().unwrap())
        .collect();
    assert_eq!(v["total"], lines.len(), "{args:?}");
    lines
}

/// The 1-based lines whose record satisfies `keep`.
fn scan(lines: &[String], keep: impl Fn(&Value) -> bool) -> Vec<u64> {
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| keep(&serde_json::from_str(l).unwrap()))
        .map(|(i, _)| i as u64 + 1)
        .collect()
}

/// Whether a level is kept.
type Keep = fn(i64) -> bool;

#[test]
fn level_bounds_take_every_operator_of_filter_level() {
    let dir = generated_ledger(41);
    let lines = read_lines(&dir.path().join(CHAIN));
    let level = |v: &Value| v["capability_level"].as_i64().unwrap();
    let cases: [(&str, Keep); 6] = [
        (">=3", |l| l >= 3),
        (">3", |l| l > 3),
        ("<=2", |l| l <= 2),
        ("<2", |l| l < 2),
        ("=4", |l| l == 4),
        ("4", |l| l == 4),
    ];
    let mut nonempty = 0;
    for (arg, keep) in cases {
        let expected = scan(&lines, |v| keep(level(v)));
        nonempty += usize::from(!expected.is_empty() && expected.len() < lines.len());
        assert_eq!(
            found(dir.path(), &["--level", arg]),
            expected,
            "--level {arg}"
        );
    }
    assert!(
        nonempty >= 4,
        "the ledger spreads its levels: the cases tell something"
    );
}

#[test]
fn a_level_outside_0_to_5_or_not_a_number_is_refused_with_what_is_expected() {
    let dir = generated_ledger(41);
    for (arg, says) in [
        ("9", "levels are 0 to 5"),
        (">=9", "levels are 0 to 5"),
        (">=x", "\"x\" is not a whole number"),
    ] {
        let out = common::iss_cmd()
            .args(["find", "--level", arg])
            .arg(dir.path())
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(says), "--level {arg}: {err}");
        assert!(err.contains(&format!("--level {arg:?}")), "{err}");
    }
}

#[test]
fn a_date_as_since_and_until_covers_its_whole_utc_day() {
    let dir = generated_ledger(41);
    let lines = read_lines(&dir.path().join(CHAIN));
    let at = |v: &Value| Instant::parse(v["assessed_at"].as_str().unwrap()).unwrap();
    // A day in the middle of the chain, as UTC sees it.
    let mid: Value = serde_json::from_str(&lines[lines.len() / 2]).unwrap();
    let day = at(&mid).to_string()[..10].to_owned();
    let start = Instant::parse(&format!("{day}T00:00:00Z")).unwrap();
    let next = Instant {
        secs: start.secs + 86_400,
        nanos: 0,
    };

    let since = scan(&lines, |v| at(v) >= start);
    assert_eq!(found(dir.path(), &["--since", &day]), since);
    let until = scan(&lines, |v| at(v) < next);
    assert_eq!(found(dir.path(), &["--until", &day]), until);
    let within = scan(&lines, |v| at(v) >= start && at(v) < next);
    assert!(!within.is_empty());
    assert_eq!(
        found(dir.path(), &["--since", &day, "--until", &day]),
        within
    );
    // The days around it hold nothing of it.
    let after = Instant::parse(&format!("{day}T00:00:00Z")).unwrap().secs + 86_400;
    let next_day = Instant {
        secs: after,
        nanos: 0,
    }
    .to_string()[..10]
        .to_owned();
    assert_eq!(
        found(dir.path(), &["--since", &next_day]),
        scan(&lines, |v| at(v) >= next)
    );
    // A time without offset is UTC, as in `:filter since=`.
    let t = format!("{day}T12:00:00");
    let noon = Instant::parse(&format!("{t}Z")).unwrap();
    assert_eq!(
        found(dir.path(), &["--since", &t]),
        scan(&lines, |v| at(v) >= noon)
    );
}
