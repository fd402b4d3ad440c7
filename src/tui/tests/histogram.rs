//! The time histogram (`H`, issue 15 item 2): records and findings per
//! time bucket over a ledger whose records span a week, one of them
//! tampered (a violation that is placed) and one whose `assessed_at` was
//! replaced by words (a violation that cannot be placed: counted apart).
//! Selecting buckets and pressing Enter filters the browser; the rows it
//! then shows are checked against the chain file read independently.

use super::harness::{Harness, walk};
use crate::ledger::legacy::write::append::{NewDescriptor, append_descriptors};
use crate::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use crate::time::Instant;
use crate::tui::histogram::buckets::Step;
use insta::assert_snapshot;
use std::path::{Path, PathBuf};

const CHAIN: &str = "data/spice_layer/spice_chain.jsonl";

/// Times of the appended records: every 7 hours from 2026-11-01T10:00Z,
/// the fifth written with a +02:00 offset (placed by its instant).
fn appended_time(index: i64) -> String {
    let at = Instant::parse("2026-11-01T10:00:00Z").unwrap().secs + index * 7 * 3600;
    // The fifth: the same instant, two hours ahead.
    let (offset, zone) = if index == 4 {
        (2 * 3600, "+02:00")
    } else {
        (0, "+00:00")
    };
    let local = at + offset;
    let (year, month, day) = crate::time::civil::civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:00.000000{zone}",
        secs / 3600,
        secs % 3600 / 60
    )
}

/// The sample ledger (40 records at 2026-11-01T09:00) and 24 appended
/// over a week; line 45's process name and line 50's time edited.
fn spread_ledger() -> (tempfile::TempDir, PathBuf) {
    let tmp = super::harness::redactable_tempdir("iss-hist-");
    let root = tmp.path().join("spread-ledger");
    write_sample_ledger(&root, &SampleSpec::default()).unwrap();
    let inputs: Vec<NewDescriptor> = (0..24)
        .map(|i| {
            serde_json::from_value(serde_json::json!({
                "process_name": format!("Spread_{i}"), "process_version": "1.0",
                "capability_level": 2, "process_outcome": "partial",
                "compliance_score": 0.5, "assessed_by": "hist-test",
                "assessment_method": "test", "assessed_at": appended_time(i),
            }))
            .unwrap()
        })
        .collect();
    append_descriptors(&root, inputs, 1_795_000_000_000_000, &mut |_| {}).unwrap();
    let chain = root.join(CHAIN);
    let text = std::fs::read_to_string(&chain).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[44] = lines[44].replace("Spread_4\"", "Forged_4\"");
    let at = appended_time(9);
    lines[49] = lines[49].replace(&at, "last tuesday");
    assert!(lines[44].contains("Forged_4") && lines[49].contains("last tuesday"));
    std::fs::write(&chain, lines.join("\n") + "\n").unwrap();
    (tmp, root)
}

fn open(w: u16, h: u16) -> (Harness, PathBuf) {
    let (tmp, root) = spread_ledger();
    let t = Harness::open(&root, w, h).keeping(tmp);
    (t, root)
}

/// The 0-based lines of the chain whose time is in `from..to` (Unix
/// seconds), read from the file with `serde_json`.
fn lines_between(root: &Path, from: i64, to: i64) -> Vec<u64> {
    std::fs::read_to_string(root.join(CHAIN))
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["assessed_at"]
                .as_str()
                .and_then(Instant::parse)
                .is_some_and(|t| (from..to).contains(&t.secs))
        })
        .map(|(i, _)| i as u64)
        .collect()
}

#[test]
fn the_histogram_shows_records_and_findings_per_bucket_at_80_and_120() {
    for (w, h) in [(80, 24), (120, 40)] {
        let (mut t, _) = open(w, h);
        t.keys("H");
        let screen = t.screen();
        assert!(
            screen.contains("63 records in") && screen.contains("✘ 1 violated"),
            "{screen}"
        );
        assert!(
            screen.contains(
                "1 of 64 records not placed: 1 with no readable assessed_at, ✘ 1 of them"
            ),
            "{screen}"
        );
        assert!(
            screen.contains("▓"),
            "the finding's part of a bar: {screen}"
        );
        assert_snapshot!(format!("histogram_{w}x{h}"), screen);
        // A range marked.
        t.keys("j<space>jj");
        assert_snapshot!(format!("histogram_range_{w}x{h}"), t.screen());
    }
}

#[test]
fn the_bucket_size_fits_the_screen_and_z_zooms() {
    let (mut t, _) = open(120, 40);
    t.keys("H");
    let rows = crate::tui::histogram::rows_in(t.app.body());
    let g = t.app.histogram.grid(rows).unwrap();
    assert!(g.len <= rows as u64, "{g:?} in {rows} rows");
    // 2026-11-01T09:00 to 2026-11-08T03:00: 12-hour buckets fit 35 rows.
    assert_eq!(g.step, Step::Secs(6 * 3600), "{g:?}");
    t.keys("z");
    let finer = t.app.histogram.grid(rows).unwrap();
    assert_eq!(finer.step, Step::Secs(3 * 3600));
    assert!(t.screen().contains("buckets of 3 hours"), "{}", t.screen());
    t.keys("ZZ");
    assert_eq!(
        t.app.histogram.grid(rows).unwrap().step,
        Step::Secs(12 * 3600)
    );
    // The counts of every bucket add up to the records placed.
    let c = t.app.histogram.counts().unwrap();
    let g = t.app.histogram.grid(rows).unwrap();
    let sum: u64 = (0..g.len)
        .map(|i| crate::tui::histogram::buckets::between(&c.times, g.start(i), g.start(i + 1)))
        .sum();
    assert_eq!(sum, 63);
}

#[test]
fn enter_on_a_range_filters_the_browser_to_exactly_its_records() {
    let (mut t, root) = open(120, 40);
    t.keys("H");
    let rows = crate::tui::histogram::rows_in(t.app.body());
    let g = t.app.histogram.grid(rows).unwrap();
    // Buckets 2 to 4 (6-hour buckets from 06:00: 2026-11-01T18:00 to
    // 2026-11-02T12:00).
    t.keys("jj<space>jj");
    assert_eq!(t.app.histogram.selection(), (2, 4));
    let (from, to) = (g.start(2), g.start(5));
    let want = lines_between(&root, from, to);
    assert!(want.len() >= 2, "{want:?}");
    let screen = t.screen();
    assert!(
        screen.contains(&format!("{} records", want.len())),
        "the selection line counts them: {screen}"
    );
    t.keys("<enter>");
    assert!(!t.app.histogram.is_open(), "back to the table");
    let text = "since=2026-11-01T18:00 until=2026-11-02T11:59";
    assert_eq!(
        t.app.current().filter.as_ref().map(|f| f.text.as_str()),
        Some(text)
    );
    assert_eq!(walk(&mut t), want);
    assert!(
        t.screen().contains(text),
        "the title shows it: {}",
        t.screen()
    );
    // It is a filter like any other: :filter says it, clear clears it.
    t.keys(":filter<enter>");
    assert!(t.screen().contains(text), "{}", t.screen());
    t.keys(":filter clear<enter>");
    assert_eq!(walk(&mut t).len(), 64);
}

#[test]
fn a_single_bucket_filters_alone_and_a_filter_in_effect_is_kept() {
    let (mut t, root) = open(120, 40);
    // Counted under a filter: only its records; Enter adds the bounds.
    t.keys(":filter assessor=hist-test<enter>H");
    let c = t.app.histogram.counts().unwrap();
    assert_eq!(c.total(), 24, "the appended records only");
    let rows = crate::tui::histogram::rows_in(t.app.body());
    let g = t.app.histogram.grid(rows).unwrap();
    t.keys("G<enter>");
    let last = g.len - 1;
    let text = t.app.current().filter.as_ref().unwrap().text.clone();
    assert!(text.starts_with("assessor=hist-test since="), "{text}");
    let want = lines_between(&root, g.start(last), g.start(last + 1));
    assert!(!want.is_empty());
    assert_eq!(walk(&mut t), want);
}

#[test]
fn the_count_runs_off_the_ui_thread_and_shows_its_progress() {
    let (mut t, _) = open(80, 24);
    t.keys_pending("H");
    assert!(
        t.screen().contains("counting records by time"),
        "{}",
        t.screen()
    );
    assert!(t.app.busy(), "the spinner turns");
    let jobs = t.take_jobs();
    assert!(
        jobs.iter()
            .any(|j| matches!(j, crate::tui::panes::Job::Histogram(_))),
        "{jobs:?}"
    );
    // Closing and opening again on the same records does not count again.
    for j in jobs {
        crate::tui::update::update(&mut t.app, j.run());
    }
    t.keys_pending("HH");
    assert!(t.take_jobs().is_empty());
    assert!(t.screen().contains("63 records in"));
    assert!(!t.screen().contains("since changed"));
    // A filter set meanwhile: the box says its counts are of before.
    t.keys(":filter level=2<enter>");
    assert!(
        t.screen().contains("since changed (H H counts again)"),
        "{}",
        t.screen()
    );
    t.keys("HH");
    assert!(t.screen().contains("filter level=2"), "{}", t.screen());
    assert!(!t.screen().contains("since changed"), "{}", t.screen());
}

#[test]
fn the_histogram_is_of_descriptors_and_esc_closes_it() {
    let (mut t, _) = open(80, 24);
    t.keys("H<esc>");
    assert!(!t.app.histogram.is_open());
    t.keys("c");
    assert_ne!(t.app.current().kind.name(), "spice_chain");
    t.keys("H");
    assert!(!t.app.histogram.is_open());
    assert!(
        t.screen().contains("the histogram is of descriptors"),
        "{}",
        t.screen()
    );
}

#[test]
fn the_help_lists_the_histogram_keys() {
    let mut t = Harness::sample(120, 40);
    t.keys("?");
    let mut all = String::new();
    for _ in 0..60 {
        all.push_str(&t.screen());
        t.keys("jjjj");
    }
    assert!(all.contains("Time histogram"), "{all}");
    assert!(
        all.contains("filter the browser to the bucket or range"),
        "{all}"
    );
}

#[test]
fn the_histogram_moves_by_bucket_page_and_end_with_every_key_it_lists() {
    let (mut t, _) = open(80, 24);
    // Buckets finer than the screen has rows: a page is less than all.
    t.keys("Hzz");
    let rows = crate::tui::histogram::rows_in(t.app.body());
    let last = t.app.histogram.grid(rows).unwrap().len - 1;
    assert!(last > rows as u64, "{last} buckets past {rows} rows");
    let page = rows as u64;
    let cursor = |t: &Harness| t.app.histogram.selection().0;
    for (keys, want) in [
        ("g", 0),
        ("j", 1),
        ("<down>", 2),
        ("k", 1),
        ("<up>", 0),
        ("<pgdn>", page),
        ("<c-f>", 2 * page),
        ("<pgup>", page),
        ("<c-b>", 0),
        ("G", last),
        ("<home>", 0),
        ("<end>", last),
        ("j", last),
        ("gk", 0),
    ] {
        t.keys(keys);
        assert_eq!(cursor(&t), want.min(last), "after {keys}");
    }
    // The screen follows the cursor to the last bucket.
    t.keys("G");
    assert!(t.app.histogram.top() + page > last && t.app.histogram.top() > 0);
}
