//! Moving through wide and long chains and narrowing them (issue 15 items
//! 1-2), driven by key strings: `←`/`→`/`<`/`>` scroll the columns,
//! `Space`/`b` page, `F` follows, `s`/`S` sort, and `:filter` takes
//! regular expressions, negations and verification statuses. Each result
//! is checked against the sample ledger read independently of the TUI.

use super::harness::{Harness, walk};
use crate::tui::strings;
use insta::assert_snapshot;
use serde_json::Value;

const CHAIN: &str = "data/sample-ledger/data/spice_layer/spice_chain.jsonl";

/// The sample ledger's descriptors, parsed independently of the TUI, with
/// their lines as stored.
fn records() -> Vec<(String, Value)> {
    std::fs::read_to_string(CHAIN)
        .unwrap()
        .lines()
        .map(|l| (l.to_owned(), serde_json::from_str(l).unwrap()))
        .collect()
}

/// The table's heading row.
fn header(t: &Harness) -> String {
    t.screen()
        .lines()
        .find(|l| {
            l.contains(" line ")
                || l.contains(" line│")
                || l.trim_start().starts_with("│ line")
                || l.contains("line ")
        })
        .filter(|l| !l.contains("spice_chain"))
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn right_and_greater_than_scroll_the_columns_until_assessed_at_shows_at_80() {
    let first_time = records()[0].1["assessed_at"].as_str().unwrap().to_owned();
    let mut t = Harness::sample(80, 24);
    assert!(!t.screen().contains("assessed_at"), "{}", t.screen());
    t.keys("<right>");
    assert!(!header(&t).contains(" id "), "{}", header(&t));
    assert!(t.screen().contains(&strings::columns_left(1)));
    t.keys(">");
    let screen = t.screen();
    assert!(screen.contains("assessed_at"), "{screen}");
    assert!(screen.contains(&first_time[..19]), "{screen}");
    // No further than the last column, and back with ← and <.
    t.keys(">>>>>>>>");
    assert_eq!(t.app.current().first_column, 5);
    t.keys("<left><lt><lt><lt><lt><lt>");
    assert_eq!(t.app.current().first_column, 0);
    assert!(header(&t).contains("id"), "{}", header(&t));
}

#[test]
fn space_and_b_page_as_in_less_and_f_follows_the_end() {
    let mut t = Harness::sample(80, 24);
    let page = t.app.table_rows() as u64;
    t.keys("<space>");
    assert_eq!(t.app.current().cursor, page);
    t.keys("b");
    assert_eq!(t.app.current().cursor, 0);
    t.keys("F");
    assert_eq!(t.app.current().cursor, 39, "the last record");
    // In the open detail, Space and b scroll it.
    t.keys("g<enter><space>");
    assert!(t.app.browser.detail().is_some_and(|d| d.scroll > 0));
    t.keys("b");
    assert_eq!(t.app.browser.detail().map(|d| d.scroll), Some(0));
}

#[test]
fn s_sorts_by_each_column_in_turn_and_capital_s_reverses() {
    let recs = records();
    let by = |f: &dyn Fn(&Value) -> f64| {
        let mut lines: Vec<u64> = (0..recs.len() as u64).collect();
        lines.sort_by(|a, b| {
            f(&recs[*a as usize].1)
                .partial_cmp(&f(&recs[*b as usize].1))
                .unwrap()
                .then(a.cmp(b))
        });
        lines
    };
    let level = by(&|r| r["capability_level"].as_f64().unwrap());
    let mut t = Harness::sample(120, 40);
    t.keys("s");
    assert!(header(&t).contains("lv▲"), "{}", header(&t));
    assert!(t.screen().contains("sorted: level▲"), "{}", t.screen());
    assert_eq!(walk(&mut t), level);
    t.keys("S");
    assert!(header(&t).contains("lv▼"), "{}", header(&t));
    let mut desc = level.clone();
    desc.reverse();
    assert_eq!(walk(&mut t), desc, "reversed: the same rows the other way");
    t.keys("s");
    assert!(header(&t).contains("scor▲"), "{}", header(&t));
    assert_eq!(
        walk(&mut t),
        by(&|r| r["compliance_score"].as_f64().unwrap())
    );
    t.keys("s");
    assert!(header(&t).contains("assessed_at▲"), "{}", header(&t));
    let mut time: Vec<u64> = (0..recs.len() as u64).collect();
    time.sort_by_key(|l| {
        let at = recs[*l as usize].1["assessed_at"].as_str().unwrap();
        (crate::time::Instant::parse(at).unwrap(), *l)
    });
    assert_eq!(walk(&mut t), time);
    t.keys("s");
    assert!(header(&t).contains("process▲"), "{}", header(&t));
    let mut process: Vec<u64> = (0..recs.len() as u64).collect();
    process.sort_by_key(|l| (recs[*l as usize].1["process_name"].to_string(), *l));
    assert_eq!(walk(&mut t), process);
    t.keys("s");
    assert!(header(&t).contains("status▲"), "{}", header(&t));
    t.keys("s");
    assert!(
        !header(&t).contains('▲'),
        "file order again: {}",
        header(&t)
    );
    assert_eq!(walk(&mut t), (0..recs.len() as u64).collect::<Vec<_>>());
    t.keys("S");
    assert_eq!(t.app.message.as_ref().unwrap().1, strings::NO_SORT);
}

#[test]
fn status_sort_puts_the_violation_first_and_a_filter_keeps_only_it() {
    let mut t = Harness::tampered(120, 40);
    t.keys("sssss");
    assert!(header(&t).contains("status▲"), "{}", header(&t));
    t.keys("g");
    assert_eq!(
        t.app.current().cursor,
        9,
        "line 10, the HASH_MISMATCH, first"
    );
    t.keys("sS");
    // `:filter violated` keeps the violated records only.
    t.keys(":filter violated<enter>");
    let kept = walk(&mut t);
    assert!(kept.contains(&9), "{kept:?}");
    let marks = t.app.current().marks.clone();
    for l in &kept {
        assert!(
            crate::tui::sort::status_rank(marks.as_ref(), *l) <= 1,
            "line {l}"
        );
    }
    t.keys(":filter !violated<enter>");
    assert!(!walk(&mut t).contains(&9));
}

#[test]
fn a_regex_filter_keeps_the_lines_it_matches_and_a_sort_applies_to_them() {
    let recs = records();
    let re = regex::Regex::new("Backup_Restore|Incident").unwrap();
    let want: Vec<u64> = (0..recs.len() as u64)
        .filter(|l| re.is_match(&recs[*l as usize].0))
        .collect();
    assert!(!want.is_empty() && want.len() < recs.len());
    let mut t = Harness::sample(120, 40);
    t.keys(":filter /Backup_Restore|Incident/<enter>");
    assert_eq!(walk(&mut t), want);
    assert!(
        t.screen().contains(&strings::filter_active(
            "/Backup_Restore|Incident/",
            want.len(),
            40
        )),
        "{}",
        t.screen()
    );
    // Sorted: the same kept lines, by level.
    t.keys("s");
    let mut sorted = want.clone();
    sorted.sort_by_key(|l| (recs[*l as usize].1["capability_level"].as_i64(), *l));
    assert_eq!(walk(&mut t), sorted);
    // A new filter under a sort sorts the new rows again.
    t.keys(":filter level>=3<enter>");
    let mut kept: Vec<u64> = (0..recs.len() as u64)
        .filter(|l| recs[*l as usize].1["capability_level"].as_i64().unwrap() >= 3)
        .collect();
    kept.sort_by_key(|l| (recs[*l as usize].1["capability_level"].as_i64(), *l));
    assert_eq!(walk(&mut t), kept);
    t.keys(":filter clear<enter>");
    assert_eq!(walk(&mut t).len(), recs.len());
    assert!(header(&t).contains("lv▲"), "still sorted: {}", header(&t));
}

#[test]
fn a_negated_filter_keeps_what_its_condition_does_not_match() {
    let recs = records();
    let want: Vec<u64> = (0..recs.len() as u64)
        .filter(|l| recs[*l as usize].1["process_name"] != "Backup_Restore")
        .collect();
    let mut t = Harness::sample(120, 40);
    t.keys(":filter !process=Backup_Restore<enter>");
    assert_eq!(walk(&mut t), want);
    t.keys(":filter !/level\":[0-2],/ !process=Access_Review<enter>");
    let want: Vec<u64> = (0..recs.len() as u64)
        .filter(|l| {
            let r = &recs[*l as usize].1;
            r["capability_level"].as_i64().unwrap() >= 3 && r["process_name"] != "Access_Review"
        })
        .collect();
    assert_eq!(walk(&mut t), want);
    t.keys(":filter /(/<enter>");
    let msg = t.app.message.as_ref().unwrap().1.clone();
    assert!(msg.contains("not a regular expression"), "{msg}");
}

#[test]
fn a_sort_runs_in_the_background_with_its_progress_on_the_status_line() {
    let mut t = Harness::sample(120, 40);
    t.keys_pending("s");
    assert!(t.app.browser.narrowing().is_some());
    let screen = t.screen();
    assert!(
        screen.contains("sorting by level ▲ ascending… 0%"),
        "{screen}"
    );
    // Panes switch while it runs; its answer still lands in the browser.
    t.keys_pending("2");
    assert!(t.screen().contains("sorting by level"));
    t.finish_jobs();
    assert!(t.app.browser.narrowing().is_none());
    t.keys("1");
    assert!(header(&t).contains("lv▲"), "{}", header(&t));
    // A newer request makes the older answer stale: `s` twice before the
    // first sort answers leaves the second key's order.
    t.keys_pending("ss");
    t.finish_jobs();
    assert!(header(&t).contains("assessed_at▲"), "{}", header(&t));
}

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn each_size(name: &str, keys: &str) {
    for (w, h) in SIZES {
        let mut t = Harness::sample(w, h);
        t.keys(keys);
        assert_snapshot!(format!("{name}_{w}x{h}"), t.screen());
    }
}

#[test]
fn snapshot_columns_scrolled_right() {
    each_size("browser_scrolled_right", ">>");
}

#[test]
fn snapshot_sorted_by_level_descending() {
    each_size("browser_sorted_level_desc", "sSg");
}

#[test]
fn snapshot_regex_filter_sorted_by_process() {
    each_size(
        "browser_regex_filter_sorted",
        ":filter /Backup|Incident/ !level=0<enter>ssss",
    );
}

#[test]
fn snapshot_search_hits_counted() {
    // The hit count (`/backup_restore 2/N`) in the title; the highlight is
    // checked cell by cell in the test below.
    each_size("browser_search_hits", "/backup_restore<enter>");
}

#[test]
fn snapshot_marked_records_listed() {
    // `*` before each marked line's number, and `M`'s list.
    each_size("browser_marked_listed", "jjm:20<enter>mkM");
}

/// The first line (0-based) of `path` whose `field` is at or after `at`.
fn first_at_or_after(path: &str, field: &str, at: &str) -> u64 {
    let at = crate::time::Instant::parse(at).unwrap();
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .position(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            crate::time::Instant::parse(v[field].as_str().unwrap()).unwrap() >= at
        })
        .unwrap() as u64
}

#[test]
fn goto_a_time_goes_to_the_first_record_at_or_after_it_in_the_browser() {
    let want = first_at_or_after(CHAIN, "assessed_at", "2026-11-01T09:00:00.2Z");
    assert!(want > 0);
    let mut t = Harness::sample(120, 40);
    t.keys(":goto 2026-11-01T09:00:00.2<enter>");
    assert_eq!(t.app.current().cursor, want);
    // An offset is taken into account: 10:00:00.2+01:00 is the same instant.
    t.keys("g:goto 2026-11-01T10:00:00.2+01:00<enter>");
    assert_eq!(t.app.current().cursor, want);
    // Minutes are enough; a date alone is its first instant.
    t.keys("G:goto 2026-11-01T09:00<enter>");
    assert_eq!(t.app.current().cursor, 0);
    t.keys("G:goto 2026-11-01<enter>");
    assert_eq!(t.app.current().cursor, 0);
    t.keys(":goto 2027-01-01<enter>");
    let msg = t.app.message.as_ref().unwrap().1.clone();
    assert!(
        msg.contains("no record of spice_chain at or after 2027-01-01"),
        "{msg}"
    );
}

#[test]
fn goto_a_time_in_the_time_pane_selects_the_first_pulse_at_or_after_it() {
    let pulses = "data/sample-ledger/logs/forensic_logs/glyph_chain.jsonl";
    let want = first_at_or_after(pulses, "utc_iso", "2026-11-01T09:00:00.2Z");
    assert!(want > 0);
    let mut t = Harness::sample(120, 40);
    t.keys("3:goto 2026-11-01T09:00:00.2<enter>");
    assert_eq!(t.app.pane, crate::tui::app::Pane::Time);
    assert_eq!(t.app.time.cursor(), want);
}

#[test]
fn a_search_counts_its_hits_and_highlights_the_matches() {
    let recs = records();
    let hits: Vec<u64> = (0..recs.len() as u64)
        .filter(|l| {
            recs[*l as usize]
                .0
                .to_ascii_lowercase()
                .contains("backup_restore")
        })
        .collect();
    let mut t = Harness::sample(120, 40);
    t.keys("/backup_restore<enter>");
    // From line 1 (a hit itself) the next hit is the second.
    assert_eq!(t.app.current().cursor, hits[1]);
    let n = hits.len();
    assert!(
        t.screen().contains(&format!("/backup_restore 2/{n}")),
        "{}",
        t.screen()
    );
    t.keys("n");
    assert!(
        t.screen().contains(&format!("/backup_restore 3/{n}")),
        "{}",
        t.screen()
    );
    t.keys("N");
    assert!(t.screen().contains(&format!("/backup_restore 2/{n}")));
    t.keys("j");
    if !hits.contains(&t.app.current().cursor) {
        assert!(t.screen().contains(&format!("/backup_restore -/{n}")));
    }
    // The matched text is drawn reversed, the rest of the row is not.
    let buf = t.buffer();
    let screen = t.screen();
    let (y, line) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("Backup_Restore") && l.contains('✔'))
        .unwrap();
    let x = line[..line.find("Backup_Restore").unwrap()].chars().count();
    let reversed = |x: usize| {
        buf[(x as u16, y as u16)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED)
    };
    assert!(reversed(x) && reversed(x + 13), "the match");
    assert!(!reversed(x + 14) && !reversed(x - 2), "around it");
}
