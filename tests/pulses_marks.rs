//! Invariant: `iss pulses` marks each pulse as the workstation's time pane
//! does (one rule, `tui::marks::symbol`): ✘ for a violation on the line,
//! ⚠ for warnings only (with their kinds), ✔ for none — the verification
//! report's findings being the oracle.

mod common;

use common::{generated_ledger, iss_json, iss_stdout};
use std::collections::BTreeMap;

const PULSES: &str = "logs/forensic_logs/glyph_chain.jsonl";

/// Move pulse line `n` (1-based) `by` seconds later in `utc_unix`: its hash
/// no longer recomputes, and the next pulse steps back in time (warnings).
fn shift_pulse(dir: &std::path::Path, n: usize, by: f64) {
    let path = dir.join(PULSES);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let line = &mut lines[n - 1];
    let key = "\"utc_unix\": ";
    let start = line.find(key).unwrap() + key.len();
    let end = start + line[start..].find(',').unwrap();
    let value: f64 = line[start..end].parse().unwrap();
    line.replace_range(start..end, &format!("{:.6}", value + by));
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn pulses_are_marked_warning_where_only_warnings_are_found() {
    let dir = generated_ledger(41);
    shift_pulse(dir.path(), 30, 5.0);
    // The oracle: the worst severity of the time chain's findings, by line.
    let report = iss_json(&["verify", "--json"], dir.path(), 1);
    let mut worst: BTreeMap<u64, (bool, Vec<String>)> = BTreeMap::new();
    for f in report["files"].as_array().unwrap() {
        if f["name"] != "glyph_chain" {
            continue;
        }
        for x in f["findings"].as_array().unwrap() {
            let Some(line) = x["line"].as_u64() else {
                continue;
            };
            let e = worst.entry(line).or_default();
            e.0 |= x["severity"] == "violation";
            e.1.push(x["kind"].as_str().unwrap().to_owned());
        }
    }
    assert!(
        worst.values().any(|(bad, _)| !bad),
        "the edit leaves a line with warnings only: {worst:?}"
    );
    let text = iss_stdout(&["pulses", "--limit", "0"], dir.path(), &[], 1);
    let mut rows = 0;
    for row in text.lines().skip(2) {
        let Some(line) = row
            .split_whitespace()
            .next()
            .and_then(|w| w.parse::<u64>().ok())
        else {
            continue;
        };
        rows += 1;
        let status = row.rsplit("  ").next().unwrap();
        match worst.get(&line) {
            None => assert_eq!(status, "✔ verified", "line {line}: {row}"),
            Some((true, _)) => assert!(status.starts_with("✘ "), "line {line}: {row}"),
            Some((false, kinds)) => {
                assert!(status.starts_with("⚠ "), "line {line}: {row}");
                for k in kinds {
                    assert!(status.contains(k.as_str()), "line {line} names {k}: {row}");
                }
            }
        }
    }
    assert!(rows >= 40, "every pulse listed: {text}");
}
