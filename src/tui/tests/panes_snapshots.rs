//! Panes 3-5 (time, maturity, audit trail) at 80x24 and 120x40, on the
//! shipped sample ledger and on tampered copies: the findings on tampered
//! records must be on screen.

use super::harness::{Harness, tampered_ledger};
use insta::assert_snapshot;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn each_size(name: &str, open: fn(u16, u16) -> Harness, keys: &str) -> Vec<String> {
    SIZES
        .iter()
        .map(|&(w, h)| {
            let mut t = open(w, h);
            t.keys(keys);
            let screen = t.screen();
            assert_snapshot!(format!("{name}_{w}x{h}"), screen);
            screen
        })
        .collect()
}

/// The tampered copy of the harness (descriptor line 10 edited) with, in
/// addition, pulse line 30's `utc_unix` moved 5 s later: the glyph hash
/// no longer recomputes and the time checks see a clock step.
pub fn tampered_pulses(w: u16, h: u16) -> Harness {
    let (tmp, ledger) = tampered_ledger();
    let chain = ledger.join("logs/forensic_logs/glyph_chain.jsonl");
    let text = std::fs::read_to_string(&chain).expect("read pulses");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let line = &mut lines[29];
    let key = "\"utc_unix\": ";
    let start = line.find(key).expect("utc_unix") + key.len();
    let end = start + line[start..].find(',').expect("comma");
    let value: f64 = line[start..end].parse().expect("a number");
    line.replace_range(start..end, &format!("{:.6}", value + 5.0));
    std::fs::write(&chain, lines.join("\n") + "\n").expect("write pulses");
    Harness::open_owned(tmp, &ledger, w, h)
}

#[test]
fn time_pane_on_the_sample_ledger() {
    let screens = each_size("time_sample", Harness::sample, "3");
    assert!(screens[1].contains("UTC (stored)") && screens[1].contains("TAI"));
    assert!(screens[1].contains("TT past J2000") && screens[1].contains("ET (et_s stored)"));
    assert!(screens[0].contains("no anomalies"), "{}", screens[0]);
}

#[test]
fn time_pane_on_a_tampered_pulse_shows_expected_and_found() {
    let screens = each_size("time_tampered", tampered_pulses, "3e");
    for s in &screens {
        assert!(s.contains("line 30"), "{s}");
        assert!(s.contains("✘ HASH_MISMATCH"), "{s}");
        assert!(s.contains("expected"), "{s}");
    }
}

#[test]
fn maturity_pane_on_the_sample_ledger() {
    let screens = each_size("maturity_sample", Harness::sample, "4");
    assert!(screens[0].contains("40 read"), "{}", screens[0]);
    assert!(screens[0].contains("0 excluded"), "{}", screens[0]);
}

#[test]
fn maturity_pane_says_what_was_excluded_and_why() {
    let screens = each_size("maturity_tampered", Harness::tampered, "4");
    for s in &screens {
        assert!(s.contains("✘ 1 excluded"), "{s}");
        assert!(s.contains("line 10 excluded: HASH_MISMATCH"), "{s}");
    }
}

#[test]
fn audit_pane_of_a_verified_record() {
    let screens = each_size("audit_sample", Harness::sample, "jjjj5");
    assert!(screens[0].contains("✔ verified"), "{}", screens[0]);
    assert!(
        screens[0].contains("descriptor at line 5"),
        "{}",
        screens[0]
    );
}

#[test]
fn audit_pane_of_a_tampered_record_shows_the_finding() {
    let screens = each_size("audit_tampered", Harness::tampered, "e5");
    for s in &screens {
        assert!(s.contains("✘ excluded: HASH_MISMATCH"), "{s}");
        assert!(s.contains("expected"), "{s}");
    }
}

#[test]
fn audit_pane_after_following_the_manifest_link() {
    each_size("audit_manifest", Harness::sample, "jjjj5jj<enter>");
}

#[test]
fn help_lists_the_keys_of_panes_3_to_5() {
    let mut t = Harness::sample(120, 40);
    // Scroll the help down to the sections of panes 3-5.
    t.keys("?<pgdn><pgdn>");
    let _ = t.screen();
    let lines = crate::tui::keys::help_lines();
    for title in ["Time pulses (3)", "Maturity (4)", "Audit trail (5)"] {
        assert!(
            lines
                .iter()
                .any(|l| matches!(l, crate::tui::keys::HelpLine::Heading(h) if *h == title)),
            "{title} missing from the help"
        );
    }
}

#[test]
fn without_colour_the_anomalies_keep_their_symbols() {
    use crate::tui::theme::{Theme, ThemeName};
    use ratatui::style::Color;
    for (pane, mark) in [
        ("3e", "✘     30"),
        ("4", "✘ 1 excluded"),
        ("5", "✘ excluded"),
    ] {
        let mut t = tampered_pulses(120, 40);
        t.app.theme = Theme::new(ThemeName::Light, true);
        if pane == "5" {
            // The tampered descriptor, line 10, in the browser first.
            t.keys("1e");
        }
        t.keys(pane);
        let screen = t.screen();
        assert!(screen.contains(mark), "{mark} missing:\n{screen}");
        let buf = t.buffer();
        let coloured = buf
            .content()
            .iter()
            .filter(|c| !matches!(c.fg, Color::Reset) || !matches!(c.bg, Color::Reset))
            .count();
        assert_eq!(coloured, 0, "NO_COLOR: no cell carries a colour");
    }
}
