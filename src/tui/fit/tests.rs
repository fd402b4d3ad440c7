use super::*;
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::widgets::{Cell, HighlightSpacing, Row, Table, TableState};

#[test]
fn the_interval_of_the_issue_is_never_its_last_digits() {
    let s = format!("{:.6}", 784_693.454_663);
    for room in 0..=s.len() {
        let out = number(&s, room);
        assert!(!out.starts_with("93"), "{room}: {out}");
    }
    assert_eq!(number(&s, 9), "784693.4…");
    assert_eq!(number(&s, 10), "784693.45…");
    assert_eq!(number(&s, 8), "784693.…");
    assert_eq!(number(&s, 7), "7.84…e5");
    assert_eq!(number(&s, 6), "7.8…e5");
    assert_eq!(number(&s, 5), "7…e5");
    assert_eq!(number(&s, 4), "7…e5");
    assert_eq!(number(&s, 3), "…");
}

#[test]
fn numbers_keep_their_value_or_mark_the_cut() {
    assert_eq!(number("0.002198", 9), "0.002198");
    assert_eq!(number("784693.500000", 9), "784693.5");
    assert_eq!(number("1000000", 3), "1e6");
    assert_eq!(number("1234567", 6), "1.2…e6");
    assert_eq!(number("-28000000.123456", 9), "-2.800…e7");
    assert_eq!(number("-28000000.123456", 12), "-28000000.1…");
    assert_eq!(number("1e300", 5), "1e300");
    assert_eq!(number("1.5e300", 6), "1…e300");
    assert_eq!(number("1.5e300", 5), "…");
    assert_eq!(number("0.0000001234", 7), "1.2…e-7");
    assert_eq!(number("0.000000", 3), "0");
    assert_eq!(number("NaN", 2), "N…");
    assert_eq!(number("inf", 3), "inf");
    assert_eq!(number("12", 0), "");
}

#[test]
fn text_is_cut_at_the_end_with_a_mark() {
    assert_eq!(text("0123456789abcdef", 16), "0123456789abcdef");
    assert_eq!(text("0123456789abcdefX", 16), "0123456789abcde…");
    assert_eq!(text("日本語", 4), "日…");
    assert_eq!(text("x", 0), "");
}

#[test]
fn a_line_of_spans_is_cut_with_a_mark() {
    let l = Line::from(vec![Span::raw("Δt "), Span::raw("max 2993395.894405 s")]);
    assert_eq!(line(l.clone(), 40).to_string(), l.to_string());
    assert_eq!(line(l, 12).to_string(), "Δt max 2993…");
}

/// [`widths`] is the table's own layout: a cell of exactly that width is
/// drawn whole, one column more is cut.
#[test]
fn widths_are_the_tables_own() {
    let constraints = [
        Constraint::Length(1),
        Constraint::Length(6),
        Constraint::Length(30),
        Constraint::Length(9),
        Constraint::Fill(1),
    ];
    for room in [20_u16, 40, 60, 78, 118] {
        let w = widths(&constraints, room, 1);
        let fill = |n: u16, c: char| c.to_string().repeat(usize::from(n));
        let chars = ['a', 'b', 'c', 'd', 'e'];
        let cells: Vec<Cell> = w
            .iter()
            .zip(chars)
            .map(|(&n, c)| Cell::from(fill(n, c)))
            .collect();
        let table = Table::new([Row::new(cells)], constraints)
            .highlight_symbol(">")
            .highlight_spacing(HighlightSpacing::Always);
        let mut t = Terminal::new(TestBackend::new(room, 1)).unwrap();
        t.draw(|f| f.render_stateful_widget(table, f.area(), &mut TableState::default()))
            .unwrap();
        let drawn: String = (0..room)
            .map(|x| t.backend().buffer()[(x, 0)].symbol().to_owned())
            .collect();
        for (&n, c) in w.iter().zip(chars) {
            assert_eq!(
                drawn.matches(c).count(),
                usize::from(n),
                "room {room}: {drawn:?} {w:?}"
            );
        }
    }
}

/// Sign, significant digits (no leading or trailing zero) and the power of
/// ten of the place just before the first: `value = 0.DIGITS × 10^point`.
/// Zero has no digits.
fn canon(s: &str) -> (bool, String, i64) {
    let d = Decimal::parse(s).unwrap_or_else(|| panic!("not a number: {s:?}"));
    let all = format!("{}{}", d.int, d.frac);
    let lead = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_matches('0').to_owned();
    if digits.is_empty() {
        return (false, String::new(), 0);
    }
    let len = |n: usize| i64::try_from(n).unwrap();
    let point = len(d.int.len()) - len(lead) + d.exp;
    (d.sign == "-", digits, point)
}

/// The power of ten of the last digit written in `s` (a fitted number
/// without its `…`): `-2` for `0.00`, `5 - 2` for `7.84e5`.
fn last_place(s: &str) -> i64 {
    let d = Decimal::parse(s).unwrap();
    d.exp - i64::try_from(d.frac.len()).unwrap()
}

/// `s` truncated (toward zero) to the digits of place `place` and above.
fn truncated(s: &str, place: i64) -> (bool, String, i64) {
    let (neg, digits, point) = canon(s);
    let keep = usize::try_from((point - place).max(0)).unwrap_or(usize::MAX);
    let kept: String = digits.chars().take(keep).collect();
    let kept = kept.trim_end_matches('0').to_owned();
    if kept.is_empty() {
        (false, String::new(), 0)
    } else {
        (neg, kept, point)
    }
}

/// What a fitted number may be: the text itself; the same value written
/// shorter; or, with `…`, the value's leading digits, not rounded (the
/// value truncated to the last digit shown is what is shown), or `…` alone.
fn check(s: &str, room: usize) -> Result<(), TestCaseError> {
    let out = number(s, room);
    prop_assert!(width(&out) <= room, "{s:?} in {room}: {out:?}");
    if out == s || out.is_empty() || out == "…" {
        return Ok(());
    }
    if Decimal::parse(s).is_none() {
        prop_assert_eq!(out, text(s, room));
        return Ok(());
    }
    if out.contains(CUT) {
        let shown = out.replace(CUT, "");
        prop_assert!(Decimal::parse(&shown).is_some(), "{s:?} -> {out:?}");
        prop_assert_eq!(
            truncated(s, last_place(&shown)),
            canon(&shown),
            "{:?} -> {:?}",
            s,
            out
        );
    } else {
        prop_assert_eq!(canon(&out), canon(s), "{:?} -> {:?}", s, out);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_fitted_float_is_its_value_or_its_leading_digits_marked(
        v in prop_oneof![
            any::<f64>(),
            -1e7..1e7_f64,
            -1.0..1.0_f64,
        ],
        room in 0_usize..30,
    ) {
        for s in [
            format!("{v}"),
            format!("{v:.6}"),
            format!("{v:e}"),
            format!("{v:+.3}"),
        ] {
            check(&s, room)?;
        }
    }

    #[test]
    fn a_fitted_integer_is_its_value_or_its_leading_digits_marked(
        n in any::<i64>(),
        room in 0_usize..22,
    ) {
        check(&n.to_string(), room)?;
    }

    #[test]
    fn fitted_text_is_its_beginning(s in "\\PC{0,40}", room in 0_usize..45) {
        let out = text(&s, room);
        prop_assert!(width(&out) <= room);
        if out != s {
            prop_assert!(out.ends_with(CUT) || out.is_empty());
            prop_assert!(s.starts_with(out.trim_end_matches(CUT)));
        }
    }
}
