//! What the screen carries beyond its text: symbols that hold the meaning
//! without colour, the mode always shown, damaged input shown and survived,
//! and nothing written under the ledger.

use super::harness::{Harness, SAMPLE};
use crate::ledger::legacy::write::sample::{SampleSpec, write_sample_ledger};
use crate::tui::chain::ChainKind;
use crate::tui::strings;
use crate::tui::theme::{Theme, ThemeName};
use ratatui::buffer::Buffer;
use std::fmt::Write as _;
use std::path::Path;

/// The (x, y) of the first cell holding `symbol` on the row whose text contains `needle`.
fn find_on_row(buf: &Buffer, needle: &str, symbol: &str) -> Option<(u16, u16)> {
    (0..buf.area.height).find_map(|y| {
        let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        if !row.contains(needle) {
            return None;
        }
        (0..buf.area.width)
            .find(|&x| buf[(x, y)].symbol() == symbol)
            .map(|x| (x, y))
    })
}

#[test]
fn a_violated_row_carries_the_cross_symbol_not_only_colour() {
    let mut t = Harness::tampered(120, 40);
    t.keys("e");
    let buf = t.buffer();
    let (x, y) =
        find_on_row(&buf, "Tampered_Process", strings::SYM_BAD).expect("✘ on the edited row");
    assert_eq!(
        buf[(x, y)].fg,
        t.app.theme.bad.fg.unwrap(),
        "and it is coloured as a violation"
    );
    // The other rows say ✔, in words too.
    assert!(find_on_row(&buf, "verified", strings::SYM_OK).is_some());

    // Without colour the symbol and the words are still there.
    t.app.theme = Theme::new(ThemeName::Dark, true);
    let mono = t.buffer();
    let (x, y) = find_on_row(&mono, "HASH_MISMATCH", strings::SYM_BAD).expect("✘ without colour");
    assert_eq!(mono[(x, y)].fg, ratatui::style::Color::Reset);
    for cell in mono.content() {
        assert_eq!(
            (cell.fg, cell.bg),
            (ratatui::style::Color::Reset, ratatui::style::Color::Reset),
            "NO_COLOR: no cell is coloured"
        );
    }
}

#[test]
fn the_mode_is_always_on_screen() {
    for keys in ["", "2", "3", "?", "<enter>", "/abc"] {
        for (w, h) in [(80, 24), (120, 40), (40, 10)] {
            let mut t = Harness::sample(w, h);
            t.keys(keys);
            assert!(
                t.screen().contains(strings::READ_ONLY),
                "{keys:?} at {w}x{h}"
            );
        }
    }
}

#[test]
fn a_path_without_a_ledger_is_shown_not_fatal() {
    let mut t = Harness::open(Path::new("no/such/ledger"), 80, 24);
    let s = t.screen();
    assert!(
        s.contains("cannot open the ledger") || s.contains("cannot be read"),
        "{s}"
    );
    assert!(t.keys("2").screen().contains("cannot open the ledger"));
    t.keys("1jjG<enter>/x<enter>nNeE:5<enter>c");
    assert!(!t.app.quit);
    t.screen();
}

#[test]
fn a_damaged_chain_shows_its_errors_and_the_workstation_stays_up() {
    let dir = tempfile::tempdir().unwrap();
    let chain = dir.path().join("spice_chain.jsonl");
    let good =
        std::fs::read_to_string(Path::new(SAMPLE).join("data/spice_layer/spice_chain.jsonl"))
            .unwrap();
    let first = good.lines().next().unwrap();
    // A record, garbage, a terminal escape, invalid UTF-8, an array, a torn tail.
    let mut bytes = format!("{first}\nnot json at all\n{{\"descriptor_id\":\"\\u001b[31mred\"}}\n")
        .into_bytes();
    bytes.extend_from_slice(b"\xff\xfe\n[1,2]\n\r\n{\"descriptor_id\":");
    std::fs::write(&chain, bytes).unwrap();

    let mut t = Harness::open(&chain, 120, 40);
    let s = t.screen();
    assert!(s.contains(strings::ROW_UNPARSEABLE), "{s}");
    assert!(s.contains(strings::SYM_BAD));
    assert!(
        s.contains("\\u{1b}[31mred"),
        "control characters are written out: {s}"
    );
    assert!(!s.contains('\u{1b}'));
    // Every line's detail opens, broken ones with their raw bytes.
    for _ in 0..8 {
        t.keys("<enter>");
        assert!(t.app.browser.detail().is_some());
        t.screen();
        t.keys("<esc>j");
    }
    t.keys("2jjjjjjjj<enter>");
    t.keys("?jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj");
    t.screen();
    assert!(!t.app.quit);
}

#[test]
fn a_ledger_with_only_pulses_opens_on_the_pulse_chain() {
    let t = Harness::open(
        &Path::new(SAMPLE).join("logs/forensic_logs/glyph_chain.jsonl"),
        80,
        24,
    );
    assert_eq!(t.app.current().kind, ChainKind::Pulses);
    assert!(t.screen().contains("glyph_chain 1/160"));
}

#[test]
fn nothing_under_the_ledger_changes() {
    let (_tmp, ledger) = super::harness::tampered_ledger();
    let snapshot = |dir: &Path| {
        let mut v: Vec<_> = walk(dir)
            .into_iter()
            .map(|p| {
                let m = std::fs::metadata(&p).unwrap();
                (
                    p.clone(),
                    std::fs::read(&p).unwrap(),
                    m.modified().unwrap(),
                    m.permissions(),
                )
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let before = snapshot(&ledger);
    let mut t = Harness::open(&ledger, 120, 40);
    t.keys("jjj<enter><esc>/Order<enter>nNeEGgc<enter><esc>2<enter>:3<enter>?q");
    t.screen();
    drop(t);
    assert_eq!(snapshot(&ledger), before);
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_million_line_chain_is_browsed_through_its_index() {
    let dir = tempfile::tempdir().unwrap();
    let chain = dir.path().join("glyph_chain.jsonl");
    let mut text = String::with_capacity(40 * 1_000_000);
    for i in 0..1_000_000u32 {
        writeln!(text, "{{\"pulse_id\":\"p{i}\",\"utc_iso\":\"t\"}}").unwrap();
    }
    std::fs::write(&chain, text).unwrap();
    // Verifying a million malformed pulses is not what this test is about.
    let mut t = Harness::open_unverified(&chain, 120, 40);
    assert_eq!(t.app.current().lines(), 1_000_000);
    t.keys("G");
    assert_eq!(t.app.current().cursor, 999_999);
    assert_eq!(
        t.app.current().rows.len(),
        t.app.table_rows(),
        "only the visible rows are decoded"
    );
    assert!(t.screen().contains("p999999"));
    t.keys(":500000<enter>");
    assert!(t.screen().contains("p499999"));
    t.keys("g/p999998<enter>");
    assert_eq!(t.app.current().cursor, 999_998);
}

#[test]
fn a_deleted_record_shows_the_break_and_the_manifest_line_that_implicates_it() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger");
    let s = write_sample_ledger(&ledger, &SampleSpec::default()).unwrap();
    let text = std::fs::read_to_string(&s.paths.spice_chain).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != 19)
        .map(|(_, l)| l)
        .collect();
    std::fs::write(&s.paths.spice_chain, kept.join("\n") + "\n").unwrap();

    let mut t = Harness::open(&ledger, 120, 40);
    t.keys("e");
    assert_eq!(t.app.current().cursor, 19);
    t.keys("<enter>");
    let detail: Vec<&str> = t
        .app
        .browser
        .detail()
        .unwrap()
        .wrapped
        .iter()
        .map(|(_, l)| l.as_str())
        .collect();
    let text = detail.join("\n");
    assert!(text.contains("CHAIN_BREAK"), "{text}");
    assert!(
        text.contains("MANIFEST_MISMATCH")
            && text.contains("implicated by integrity_manifest line"),
        "{text}"
    );
    // The manifest's finding, selected in the integrity pane, leads to the chain line it names.
    t.keys("<esc>2j<enter>");
    assert_eq!(
        (t.app.current().kind, t.app.current().cursor),
        (ChainKind::Descriptors, 19)
    );
}

/// While the ledger is verified, the integrity pane and the status bar say
/// how far the reading has got, per file and overall, in numbers beside the
/// bars (readable without colour).
#[test]
fn verification_in_progress_shows_how_far_each_file_is_read() {
    use crate::ledger::discover::discover;
    use crate::ledger::io::progress::{Progress, counted};
    use crate::tui::msg::Msg;
    use crate::tui::update::update;
    use std::io::Read;
    // A ledger of its own: another test reading the same files at the
    // same time would move this gauge.
    let tmp = tempfile::tempdir().unwrap();
    let ledger = tmp.path().join("ledger");
    write_sample_ledger(&ledger, &SampleSpec::default()).unwrap();
    let mut t = Harness::unloaded(&ledger, 120, 40);
    let d = discover(&ledger).unwrap();
    update(&mut t.app, Msg::Discovered(Ok(d.clone())));
    let paths: Vec<&Path> = d.found.iter().map(|f| f.path.as_path()).collect();
    let progress = Progress::follow(&paths);
    update(&mut t.app, Msg::Verifying(progress.clone()));
    t.keys_pending("2");
    let screen = t.screen();
    assert!(screen.contains("verifying… 0%"), "{screen}");
    assert_eq!(progress.overall().0, 0);

    // The chain read whole, the other files not yet.
    let chain = d
        .path_of(crate::ledger::discover::FileKind::SpiceChain)
        .unwrap()
        .to_path_buf();
    let mut r = counted(&chain, std::fs::File::open(&chain).unwrap());
    std::io::copy(&mut r, &mut std::io::sink()).unwrap();
    let (done, total) = progress.overall();
    assert!(done > 0 && done < total);
    let screen = t.screen();
    let row = screen
        .lines()
        .find(|l| l.contains("spice_chain.jsonl"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(
        row.contains(&"█".repeat(20)) && row.contains("100%"),
        "{row}"
    );
    let row = screen
        .lines()
        .find(|l| l.contains("glyph_chain.jsonl"))
        .unwrap();
    assert!(
        row.contains(&"░".repeat(20)) && row.contains("  0%"),
        "{row}"
    );
    let overall = strings::verifying_at(done, total);
    assert!(
        screen.lines().last().unwrap().contains(&overall),
        "the status bar says {overall}:\n{screen}"
    );
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).unwrap();

    // The verdict replaces the gauge, and the progress is let go.
    for m in crate::tui::load::load_blocking(&ledger) {
        if matches!(m, Msg::Verified(_)) {
            update(&mut t.app, m);
        }
    }
    assert!(t.app.verify_progress.is_none());
    assert!(!t.screen().contains("verifying…"));
}
