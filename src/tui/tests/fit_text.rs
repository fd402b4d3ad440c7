//! Nothing the workstation says is cut off: the help overlay wraps what a
//! key does at 80 columns and scrolls to its last line, the alert banner
//! wraps at any width, and a long filter in the browser's title ends in
//! `…` (issue 15 item 7).

use super::harness::Harness;
use crate::tui::keys::{HelpLine, help_lines};
use insta::assert_snapshot;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// Every visible row of the screen inside the help box, border removed.
fn help_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter_map(|l| {
            let chars: Vec<char> = l.chars().collect();
            let open = chars.iter().rposition(|c| *c == '│')?;
            let start = chars.iter().position(|c| *c == '│')?;
            // The help box's left border is the second `│` of the row.
            let left = chars[start + 1..].iter().position(|c| *c == '│')? + start + 1;
            (left < open).then(|| chars[left + 1..open].iter().collect::<String>())
        })
        .collect()
}

/// Words of `s`, whitespace collapsed.
fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_help_shows_every_word_of_every_line_when_scrolled_through() {
    for (w, h) in SIZES {
        let mut t = Harness::sample(w, h);
        t.keys("?");
        let mut seen = Vec::new();
        let mut last = String::new();
        for _ in 0..40 {
            let screen = t.screen();
            if screen == last {
                assert_snapshot!(format!("help_wrapped_end_{w}x{h}"), screen);
                break;
            }
            seen.extend(help_rows(&screen));
            last = screen;
            t.keys("<pgdn>");
        }
        let text = words(&seen.join(" "));
        for l in help_lines() {
            let want = match l {
                HelpLine::Heading(h) => h.to_owned(),
                HelpLine::Keys(k, what) => format!("{k} {what}"),
            };
            assert!(
                text.contains(&words(&want)),
                "{w}x{h}: {want:?} not all shown"
            );
        }
    }
}

/// An alert as the watcher raises it, with a long detail.
fn long_alert() -> crate::ledger::watch::Alert {
    crate::ledger::watch::Alert {
        file: "spice_chain",
        path: "/evidence/ledger/data/spice_layer/spice_chain.jsonl".into(),
        change: crate::ledger::watch::event::ChangeKind::Truncated,
        expected: "19463 bytes".into(),
        found: "12000 bytes".into(),
        detail: "the file is 12000 bytes shorter than the 19463 bytes verified when the ledger was opened; records 25 to 40 are gone and nothing of them can be verified any more".into(),
    }
}

#[test]
fn the_alert_banner_wraps_and_keeps_every_word() {
    for (w, h) in SIZES {
        let mut t = Harness::sample(w, h);
        let alert = long_alert();
        let text = crate::tui::strings::alert_banner(&alert.text(), 1);
        assert!(crate::tui::fit::width(&text) > 120, "longer than a row");
        t.app.live.alerts.push(alert);
        t.app.live.unacknowledged = 1;
        let screen = t.screen();
        let shown = words(&screen.lines().skip(1).take(4).collect::<Vec<_>>().join(" "));
        assert!(shown.contains(&words(&text)), "{w}x{h}:\n{screen}");
        assert_snapshot!(format!("alert_banner_wrapped_{w}x{h}"), screen);
        // The body moved down by the banner's rows: the table still fits.
        assert!(screen.contains("spice_chain 1/40"), "{screen}");
    }
}

#[test]
fn a_long_filter_in_the_title_is_cut_with_an_ellipsis_and_keeps_its_count() {
    for (w, h) in SIZES {
        let mut t = Harness::sample(w, h);
        t.keys(":filter /Order_Fulfilment|Access_Review|Change_Management|Incident_Response/ !process=Backup_Restore level>=0<enter>");
        let screen = t.screen();
        let title = screen.lines().nth(1).unwrap();
        assert!(title.contains('…'), "{w}x{h}: {title}");
        assert!(
            title.contains(" of 40)"),
            "{w}x{h}: the count stays: {title}"
        );
        assert!(title.contains("filter: /Order"), "{title}");
        assert_snapshot!(format!("filter_title_cut_{w}x{h}"), screen);
    }
}

#[test]
fn a_single_file_keeps_its_name_in_the_status_bar_at_80_columns() {
    for (w, h) in SIZES {
        let (tmp, ledger) = super::harness::tampered_ledger();
        let file = ledger.join("data/spice_layer/spice_chain.jsonl");
        let mut t = Harness::open(&file, w, h).keeping(tmp);
        // The live badge is what used to squeeze the name out.
        t.app.live.active = true;
        let screen = t.screen();
        let status = screen.lines().last().unwrap();
        // At least the end of its name (it was blank at 80 columns).
        assert!(
            status.contains("…ain.jsonl") || status.contains("spice_chain.jsonl"),
            "{w}x{h}: {status}"
        );
        assert!(status.contains("VIOLATED: 1 violation"), "{status}");
        assert_snapshot!(format!("single_file_status_{w}x{h}"), screen);
    }
}
