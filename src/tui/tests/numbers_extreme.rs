//! Every pane (chain browser, integrity, time, maturity, audit), on a
//! legacy and a native ledger, at 80x24 and 120x40, with extreme values
//! wherever a number or an id is shown: intervals of days and negative
//! ones, a 24-digit score, `1E+2` as written, 64-character ids, a
//! 60-character process name, and counts past a billion. Pinned by
//! snapshots, and checked: no value shows as its last digits only
//! (issue 10, item 8).

use super::harness::Harness;
use super::native::pin_os_attribute;
use super::numbers::assert_no_tail;
use crate::ledger::legacy::write::pulse::{PulseClock, append_pulse};
use crate::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use crate::ledger::model::finding::{Finding, FindingKind};
use crate::tui::app::Loading;
use insta::assert_snapshot;
use std::io::Write;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// Values a pane may draw, whole or as their leading digits: never as
/// their last digits.
const EXTREMES: [&str; 7] = [
    "784693.454663",
    "28000000.000000",
    "123456789012345678901234.5678",
    "1234567890",
    "9876543210",
    "12345678",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
];

/// A 64-character id and a 60-character process name, in records written
/// by hand: a hostile ledger may hold anything.
const LONG_ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const LONG_NAME: &str = "A_Process_Name_Of_Sixty_Characters_For_The_Narrow_Columns_60";

fn append_raw(path: &Path, line: &str) {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    writeln!(f, "{line}").unwrap();
}

/// The generated legacy ledger, then: a pulse 784693.454663 s after the
/// last (the interval of the issue), one 28,000,000 s before it, one 40
/// years on; and two descriptors written by hand (violations, still shown)
/// with a 64-character id, a 60-character name, a 24-digit score and a
/// level written `1E+2`.
fn extreme_legacy() -> (TempDir, PathBuf) {
    let tmp = tempfile::Builder::new()
        .prefix("iss-extreme-")
        .tempdir()
        .unwrap();
    let root = tmp.path().join("ledger");
    write_sample_ledger(&root, &SampleSpec::default()).unwrap();
    // The sample's last pulse: 2026-11-01T09:00:00.422781Z, tai_ns 279615304002.
    let last = 1_793_523_600_422_781_i64;
    let mono = 279_615_304_002_i64;
    for (utc, mono) in [
        (last + 784_693_454_663, mono + 1_000_000_000),
        (
            last + 784_693_454_663 - 28_000_000_000_000,
            mono + 2_000_000_000,
        ),
        (last + 1_262_304_000_000_000, mono + 3_000_000_000),
    ] {
        append_pulse(
            &root,
            PulseClock {
                utc_micros: utc,
                monotonic_ns: mono,
            },
            None,
        )
        .unwrap();
    }
    let chain = root.join("data/spice_layer/spice_chain.jsonl");
    append_raw(
        &chain,
        &format!(
            r#"{{"descriptor_id":"{LONG_ID}","process_name":"{LONG_NAME}","process_version":"1","capability_level":1E+2,"process_outcome":"compliant","compliance_score":123456789012345678901234.5678,"assessed_at":"2026-11-01T09:00:01.000000+00:00"}}"#
        ),
    );
    append_raw(
        &chain,
        &format!(
            r#"{{"descriptor_id":"{LONG_ID}","process_name":"Short","process_version":"1","capability_level":-3,"process_outcome":"partial","compliance_score":-0.000000123456789,"assessed_at":"2026-11-01T09:00:02.000000+00:00"}}"#
        ),
    );
    (tmp, root)
}

/// A native ledger: the generated sample migrated, then a native pulse
/// 784693.454663 s after the last, one 28,000,000 s before it (another
/// boot), and a descriptor line written by hand with the long id, name and
/// score (a violation, still shown).
fn extreme_native() -> (TempDir, PathBuf) {
    use crate::ledger::native::format::pulse::{BootId, ClockReading};
    use crate::ledger::native::secret::read_signer;
    use crate::ledger::native::write::NativeWriter;
    use crate::ledger::native::write::pulse::append_pulse as native_pulse;
    use crate::time::leap_seconds::LeapSecondList;
    let (tmp, ledger) = super::native::native_ledger();
    let signer = read_signer(&tmp.path().join("native-ledger.key")).unwrap();
    let mut w = NativeWriter::open(&ledger, Some(signer), None).unwrap();
    let last_ns = 1_793_523_600_422_781_000_i64;
    for (utc, mono, boot) in [
        (last_ns + 784_693_454_663_000, 5_000_000_000_u64, "a"),
        (
            last_ns + 784_693_454_663_000 - 28_000_000_000_000_000,
            6_000_000_000,
            "b",
        ),
    ] {
        let reading = ClockReading {
            utc_unix_ns: utc,
            mono_ns: mono,
            boot_id: BootId::Known(boot.to_owned()),
        };
        native_pulse(&mut w, &reading, LeapSecondList::embedded().unwrap()).unwrap();
    }
    drop(w);
    append_raw(
        &ledger.join("descriptors.jsonl"),
        &format!(
            r#"{{"seq":40,"prev":"00","body":{{"descriptor_id":"{LONG_ID}","process_name":"{LONG_NAME}","capability_level":1E+2,"process_outcome":"compliant","compliance_score":123456789012345678901234.5678,"assessed_at":"2026-11-01T09:00:01.000000+00:00"}},"hash":"00"}}"#
        ),
    );
    (tmp, ledger)
}

/// Counts past a billion where the ledger cannot hold them in a test:
/// records per file, a finding's line, a process's assessments, the pulse
/// count; drawn as the panes draw any report.
fn inflate(t: &mut Harness) {
    if let Loading::Ready(r) = &mut t.app.report {
        for (i, f) in r.files.iter_mut().enumerate() {
            f.records = 1_234_567_890 + i as u64;
            if let Some(n) = &mut f.native {
                n.tree_size = 1_234_567_890;
                n.signed_size = Some(1_234_567_889);
                n.unsigned_records = 1;
            }
        }
        let at = Finding::new(FindingKind::HashMismatch, "a finding far down the file")
            .at(9_876_543_210, 0);
        r.files[0].findings.push(at);
        // Listed first in the findings, and selected.
        let i = r.files[0].findings.len() - 1;
        t.app.integrity.findings_mut().insert(0, (0, i));
    }
    if let Loading::Ready(m) = t.app.maturity.report_mut()
        && let Some(p) = m.processes.items.first_mut()
    {
        p.assessments = 12_345_678;
    }
    if let Loading::Ready(o) = t.app.time.overview_mut() {
        o.summary.pulses = 1_234_567_890;
        o.summary.verified = 1_234_567_890;
    }
}

fn each_pane(name: &str, make: fn() -> (TempDir, PathBuf)) {
    for (w, h) in SIZES {
        for (pane, keys) in [
            ("browser", "G"),
            ("browser_pulses", "cG"),
            ("integrity", "2"),
            ("time", "3G"),
            ("time_back", "3Gk"),
            ("maturity", "4"),
            ("audit", "1G5"),
        ] {
            let (tmp, ledger) = make();
            let mut t = Harness::open_owned(tmp, &ledger, w, h);
            pin_os_attribute(&mut t);
            // The browser's `c` goes to the pulses; the panes start anew.
            t.keys(keys);
            inflate(&mut t);
            let screen = t.screen();
            for value in EXTREMES {
                assert_no_tail(&screen, value);
            }
            assert_snapshot!(format!("extreme_{name}_{pane}_{w}x{h}"), screen);
        }
    }
}

#[test]
fn every_pane_of_a_legacy_ledger_with_extreme_values() {
    each_pane("legacy", extreme_legacy);
}

#[test]
fn every_pane_of_a_native_ledger_with_extreme_values() {
    each_pane("native", extreme_native);
}
