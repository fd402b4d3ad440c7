//! Invariant: verifying on worker threads (what `iss verify` does) reports
//! exactly what the one-thread, line-by-line path reports (what live
//! watching will use), whatever the damage.

use iss_workstation::ledger::io::reader::LineReader;
use iss_workstation::ledger::legacy::verify::glyph_chain::GlyphChainVerifier;
use iss_workstation::ledger::legacy::verify::spice_chain::SpiceChainVerifier;
use iss_workstation::ledger::legacy::verify::time_checks::{TimeCheckConfig, TimeChecker};
use iss_workstation::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use iss_workstation::ledger::model::finding::Finding;
use iss_workstation::ledger::verify::{VerifyOptions, verify_path};
use proptest::prelude::*;
use std::fs;
use std::path::Path;

const CHAIN: &str = "data/spice_layer/spice_chain.jsonl";
const GLYPH: &str = "logs/forensic_logs/glyph_chain.jsonl";

/// A finding as a comparable tuple: kind, line, expected, found.
type Keyed = (String, Option<u64>, Option<String>, Option<String>);

/// The findings of one file, comparable.
fn keyed(findings: &[Finding]) -> Vec<Keyed> {
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                f.kind.name().to_owned(),
                f.line,
                f.expected.clone(),
                f.found.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

fn sequential(path: &Path, glyph: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut reader = LineReader::new(fs::File::open(path).unwrap());
    if glyph {
        // No run starts: the file is checked on its own, as the parallel
        // single-file run below does.
        let mut v = GlyphChainVerifier::new(TimeChecker::new(TimeCheckConfig::default()));
        while let Some(line) = reader.next_line().unwrap() {
            v.feed(&line, &mut out);
        }
        v.finish(&mut out);
    } else {
        let mut v = SpiceChainVerifier::new(true);
        while let Some(line) = reader.next_line().unwrap() {
            v.feed(&line, &mut out);
        }
        v.finish(&mut out);
    }
    out
}

fn parallel(path: &Path) -> Vec<Finding> {
    let report = verify_path(path, &VerifyOptions::default()).unwrap();
    report.files.into_iter().next().unwrap().findings
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn same_findings_on_damaged_files(
        glyph in any::<bool>(),
        edits in proptest::collection::vec((any::<usize>(), any::<usize>(), any::<u8>(), 0u8..4), 1..8),
    ) {
        // 1,500 descriptors: both files span several of the reader's 1 MiB
        // blocks, so results cross block and thread boundaries.
        let dir = tempfile::tempdir().unwrap();
        let spec = SampleSpec { descriptors: 1500, ..SampleSpec::default() };
        write_sample_ledger(dir.path(), &spec).unwrap();
        let path = dir.path().join(if glyph { GLYPH } else { CHAIN });
        let mut lines: Vec<Vec<u8>> = fs::read(&path).unwrap().split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
        for (a, b, byte, op) in edits {
            let n = lines.len();
            match op {
                0 => { lines.remove(a % n); }
                1 => lines.swap(a % n, b % n),
                2 => { let l = lines[a % n].clone(); lines.insert(b % n, l); }
                _ => { let l = &mut lines[a % n]; if !l.is_empty() { let k = b % l.len(); l[k] = byte; } }
            }
            if lines.is_empty() { lines.push(Vec::new()); }
        }
        fs::write(&path, lines.join(&b'\n')).unwrap();
        prop_assert_eq!(keyed(&sequential(&path, glyph)), keyed(&parallel(&path)));
    }
}
