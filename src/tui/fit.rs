//! Text fitted to the room it is drawn in: never a different number, id or
//! name, only the whole value or its beginning marked as cut.
//!
//! ratatui cuts what does not fit its cell without a mark, keeping the left
//! part of a left-aligned text and the *right* part of a right-aligned one:
//! a pulse interval of 784693.454663 s in a 9-column cell was drawn as
//! `93.454663`, another number (issue 10, item 8). So every table cell and
//! every one-line summary of the workstation goes through here first:
//!
//! - [`text`]: as it is when it fits, else its beginning and `…`;
//! - [`number`]: a number's text as it is when it fits (or the same value
//!   with fewer characters: trailing zeros of the fraction dropped, or
//!   `1e6` for `1000000`); else its leading digits, never rounded, and `…`
//!   where digits were cut: `784693.45…`; when even the integer part does
//!   not fit, its leading digits in scientific notation, `7.84…e5`; when
//!   not even that fits, `…` alone. What shows is the whole value or its
//!   first digits marked as cut (the value lies in
//!   `[shown, shown + one unit of the last digit shown)` in magnitude);
//! - [`widths`]: the widths a ratatui `Table` gives its columns, so that
//!   each cell is fitted to its own column.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// The mark of a cut.
pub const CUT: char = '…';

/// Columns `s` takes on a terminal.
pub fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// `s` in at most `room` columns: as it is, or its beginning and `…`.
pub fn text(s: &str, room: usize) -> String {
    if width(s) <= room {
        return s.to_owned();
    }
    if room == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > room - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push(CUT);
    out
}

/// The text of a number (`-12.5`, `784693.454663`, `1e300`, `3`) in at
/// most `room` columns, as the module docs say. Text that is not a decimal
/// number (`NaN`, `inf`, `—`) is fitted as [`text`].
pub fn number(s: &str, room: usize) -> String {
    if width(s) <= room {
        return s.to_owned();
    }
    let Some(n) = Decimal::parse(s) else {
        return text(s, room);
    };
    // A cut fraction that shows only zeros (`0.0000…`) says less than
    // scientific notation (`1.2…e-7`): it comes after it.
    let fraction = n.cut_fraction(room);
    let significant = fraction
        .as_deref()
        .is_some_and(|f| f.bytes().any(|b| (b'1'..=b'9').contains(&b)));
    n.exact(room)
        .or_else(|| fraction.clone().filter(|_| significant))
        .or_else(|| n.scientific(room))
        .or(fraction)
        .unwrap_or_else(|| cut_mark(room))
}

fn cut_mark(room: usize) -> String {
    if room == 0 {
        String::new()
    } else {
        CUT.to_string()
    }
}

/// A decimal number's text, taken apart: `[-+]int[.frac][e[-+]exp]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Decimal<'a> {
    sign: &'a str,
    int: &'a str,
    frac: &'a str,
    exp: i64,
}

impl<'a> Decimal<'a> {
    fn parse(s: &'a str) -> Option<Decimal<'a>> {
        let (mantissa, exp) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], s[i + 1..].parse::<i64>().ok()?),
            None => (s, 0),
        };
        let (sign, rest) = match mantissa.as_bytes().first() {
            Some(b'-' | b'+') => mantissa.split_at(1),
            _ => ("", mantissa),
        };
        let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        (!int.is_empty() && digits(int) && digits(frac)).then_some(Decimal {
            sign,
            int,
            frac,
            exp,
        })
    }

    /// The same value in fewer characters: trailing zeros of the fraction
    /// dropped (`784693.500000` → `784693.5`).
    fn exact(&self, room: usize) -> Option<String> {
        let frac = self.frac.trim_end_matches('0');
        let mut out = format!("{}{}", self.sign, self.int);
        if !frac.is_empty() {
            out.push('.');
            out.push_str(frac);
        }
        if self.exp != 0 {
            out.push('e');
            out.push_str(&self.exp.to_string());
        }
        (out.len() <= room).then_some(out)
    }

    /// The integer part whole, the fraction's first digits, `…`.
    fn cut_fraction(&self, room: usize) -> Option<String> {
        if self.exp != 0 || self.frac.is_empty() {
            return None;
        }
        let keep = room.checked_sub(self.sign.len() + self.int.len() + 2)?;
        Some(format!(
            "{}{}.{}{CUT}",
            self.sign,
            self.int,
            &self.frac[..keep.min(self.frac.len())]
        ))
    }

    /// `d.ddd…eN`: the leading significant digits and the power of ten of
    /// the first; exact (no `…`) when every digit cut is a zero.
    fn scientific(&self, room: usize) -> Option<String> {
        let digits: String = format!("{}{}", self.int, self.frac);
        let first = digits.find(|c: char| c != '0')?;
        let significant = digits[first..].trim_end_matches('0');
        let int_len = i64::try_from(self.int.len()).ok()?;
        let first_i = i64::try_from(first).ok()?;
        let e10 = (int_len - 1 - first_i).checked_add(self.exp)?;
        let exp = format!("e{e10}");
        let (lead, rest) = significant.split_at(1);
        let whole = if rest.is_empty() {
            format!("{}{lead}{exp}", self.sign)
        } else {
            format!("{}{lead}.{rest}{exp}", self.sign)
        };
        if whole.len() <= room {
            return Some(whole);
        }
        // sign, lead digit, `…`, exponent; then `.` and as many more digits as fit.
        let fixed = self.sign.len() + 1 + 1 + exp.len();
        let spare = room.checked_sub(fixed)?;
        let more = spare.saturating_sub(1).min(rest.len());
        Some(if more == 0 {
            format!("{}{lead}{CUT}{exp}", self.sign)
        } else {
            format!("{}{lead}.{}{CUT}{exp}", self.sign, &rest[..more])
        })
    }
}

/// A one-line text of styled spans in at most `room` columns: the spans
/// that fit whole, then the beginning of the next and `…`.
pub fn line(l: Line<'static>, room: usize) -> Line<'static> {
    if l.width() <= room {
        return l;
    }
    let Line {
        spans,
        style,
        alignment,
    } = l;
    let mut out: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for s in spans {
        let w = width(&s.content);
        if used + w < room {
            used += w;
            out.push(s);
            continue;
        }
        out.push(Span::styled(text(&s.content, room - used), s.style));
        break;
    }
    let mut l = Line::from(out).style(style);
    l.alignment = alignment;
    l
}

/// A block title drawn on the top border of `area`, fitted between its
/// corners.
pub fn title(s: &str, area: Rect) -> String {
    text(s, usize::from(area.width.saturating_sub(2)))
}

/// The widths a ratatui `Table` gives columns constrained by `constraints`
/// in a table `room` columns wide with a selection column of `selection`
/// (the same layout as the table's own: start-aligned, one column between
/// cells).
pub fn widths(constraints: &[Constraint], room: u16, selection: u16) -> Vec<u16> {
    let [_, columns] = Layout::horizontal([Constraint::Length(selection), Constraint::Fill(0)])
        .areas(Rect::new(0, 0, room, 1));
    Layout::horizontal(constraints.to_vec())
        .flex(Flex::Start)
        .spacing(1)
        .split(columns)
        .iter()
        .map(|r| r.width)
        .collect()
}

#[cfg(test)]
mod tests;
