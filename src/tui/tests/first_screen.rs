//! The first screen tells the truth (issue 15 item 4): a tampered ledger
//! opens on its first violation, named; the status bar is readable in
//! every theme; a ledger just opened is not "PAUSED".

use super::harness::{Harness, message, tampered_ledger};
use crate::tui::event_loop::run_all_blocking;
use crate::tui::load::load_blocking;
use crate::tui::strings;
use crate::tui::theme::{Theme, ThemeName};
use crate::tui::update::update;
use ratatui::style::Color;

#[test]
fn a_tampered_ledger_opens_on_its_first_violation_and_names_it() {
    let t = Harness::tampered(80, 24);
    assert_eq!(t.app.current().cursor, 9, "line 10, the edited record");
    let said = message(&t);
    assert!(
        said.starts_with("✘ violation: HASH_MISMATCH at spice_chain line 10"),
        "{said}"
    );
    assert!(t.screen().contains(&said[..40]), "{}", t.screen());
    // A clean ledger opens at its top, with nothing to say.
    let clean = Harness::sample(80, 24);
    assert_eq!(
        (clean.app.current().cursor, message(&clean)),
        (0, String::new())
    );
}

#[test]
fn a_reviewer_who_moved_before_the_verdict_keeps_their_place() {
    let (tmp, ledger) = tampered_ledger();
    let mut t = Harness::unloaded(&ledger, 80, 24).keeping(tmp);
    let mut msgs = load_blocking(&ledger).into_iter();
    // Everything but the verdict, then a move, then the verdict.
    let rest: Vec<_> = msgs
        .by_ref()
        .filter_map(|m| {
            if matches!(m, crate::tui::msg::Msg::Verified(_)) {
                Some(m)
            } else {
                update(&mut t.app, m);
                None
            }
        })
        .collect();
    t.keys("jjj");
    for m in rest {
        update(&mut t.app, m);
    }
    run_all_blocking(&mut t.app);
    assert_eq!(t.app.current().cursor, 3);
    assert!(message(&t).contains("HASH_MISMATCH at spice_chain line 10"));
}

/// Approximate sRGB of the 16 named colours (xterm's defaults).
fn rgb(c: Color) -> Option<(u8, u8, u8)> {
    Some(match c {
        Color::Black => (0, 0, 0),
        Color::Red => (205, 0, 0),
        Color::Green => (0, 205, 0),
        Color::Yellow => (205, 205, 0),
        Color::Blue => (0, 0, 238),
        Color::Magenta => (205, 0, 205),
        Color::Cyan => (0, 205, 205),
        Color::Gray => (229, 229, 229),
        Color::DarkGray => (127, 127, 127),
        Color::White => (255, 255, 255),
        Color::Rgb(r, g, b) => (r, g, b),
        _ => return None,
    })
}

/// WCAG 2 contrast ratio of two colours.
fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let lum = |(r, g, b): (u8, u8, u8)| {
        let lin = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    };
    let (x, y) = (lum(a), lum(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[test]
fn the_status_bar_is_readable_in_every_theme() {
    for name in [ThemeName::Dark, ThemeName::Light] {
        for mut t in [Harness::tampered(120, 40), Harness::sample(120, 40)] {
            t.app.theme = Theme::new(name, false);
            let buf = t.buffer();
            let y = buf.area.height - 1;
            for x in 0..buf.area.width {
                let cell = &buf[(x, y)];
                if cell.symbol().trim().is_empty() {
                    continue;
                }
                let (Some(fg), Some(bg)) = (rgb(cell.fg), rgb(cell.bg)) else {
                    panic!("{name:?}: status bar cell {x} without colours: {cell:?}");
                };
                let ratio = contrast(fg, bg);
                assert!(
                    ratio >= 4.5,
                    "{name:?}: {:?} on {:?} at column {x} ({:?}) has contrast {ratio:.1}",
                    cell.fg,
                    cell.bg,
                    cell.symbol()
                );
            }
        }
    }
}

#[test]
fn a_ledger_just_opened_is_live_not_paused() {
    let t = Harness::sample(80, 24);
    let mut app = t.app;
    let report = app.report.ready().cloned().expect("verified");
    update(
        &mut app,
        crate::tui::msg::Msg::Live(crate::ledger::watch::WatchEvent::Ready(report)),
    );
    assert_eq!(crate::tui::ui::live_badge(&app), strings::LIVE);
}
