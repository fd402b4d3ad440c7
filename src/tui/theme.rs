//! Styles: a dark and a light palette, and a monochrome one for `NO_COLOR`.
//!
//! Colour only ever repeats what a symbol or a word already says (✔ ⚠ ✘,
//! "verified", `HASH_MISMATCH`), so the monochrome theme loses no meaning:
//! it keeps bold and reverse video for emphasis and selection.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, HighlightSpacing, Table};

/// Which palette the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ThemeName {
    /// Light text on a dark terminal.
    #[default]
    Dark,
    /// Dark text on a light terminal.
    Light,
}

/// The styles every pane draws with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Verified, ✔.
    pub ok: Style,
    /// Warnings, ⚠.
    pub warn: Style,
    /// Violations, ✘.
    pub bad: Style,
    /// Secondary text.
    pub dim: Style,
    /// Table headers and headings.
    pub header: Style,
    /// The selected row.
    pub selected: Style,
    /// The active tab.
    pub tab_active: Style,
    /// Tabs of panes not built yet.
    pub tab_unbuilt: Style,
    /// The status bar.
    pub status_bar: Style,
    /// The READ-ONLY mode badge.
    pub mode: Style,
    /// The verdict on the status bar: clean, with warnings, violated. Each
    /// a badge with its own background, readable on the bar whatever its
    /// colour (red text on the blue bar was not).
    pub verdict: [Style; 3],
    /// Borders.
    pub border: Style,
}

impl Theme {
    /// A bordered box titled `title`: every pane's boxes look alike.
    pub fn boxed<'a>(&self, title: impl Into<Line<'a>>) -> Block<'a> {
        Block::new()
            .borders(Borders::ALL)
            .border_style(self.border)
            .title(title)
    }

    /// `table` with its selected row marked: `>` before it and the
    /// selection style on it (the symbol says it without colour).
    pub fn selectable<'a>(&self, table: Table<'a>) -> Table<'a> {
        table
            .row_highlight_style(self.selected)
            .highlight_symbol(">")
            .highlight_spacing(HighlightSpacing::Always)
    }

    /// The theme for `name`, or the monochrome one when `no_color` is set.
    pub fn new(name: ThemeName, no_color: bool) -> Self {
        if no_color {
            return Self::mono();
        }
        match name {
            ThemeName::Dark => Self::dark(),
            ThemeName::Light => Self::light(),
        }
    }

    /// Whether `NO_COLOR` asks for no colour: set and not empty (no-color.org).
    pub fn no_color_from_env() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }

    fn dark() -> Self {
        let bold = Modifier::BOLD;
        Theme {
            ok: Style::new().fg(Color::Green).add_modifier(bold),
            warn: Style::new().fg(Color::Yellow).add_modifier(bold),
            bad: Style::new().fg(Color::Red).add_modifier(bold),
            dim: Style::new().fg(Color::DarkGray),
            header: Style::new().fg(Color::Cyan).add_modifier(bold),
            selected: Style::new().bg(Color::DarkGray).add_modifier(bold),
            tab_active: Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(bold),
            tab_unbuilt: Style::new().fg(Color::DarkGray),
            status_bar: Style::new().fg(Color::White).bg(Color::Blue),
            mode: Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(bold),
            verdict: [
                Style::new()
                    .fg(Color::Black)
                    .bg(Color::Green)
                    .add_modifier(bold),
                Style::new()
                    .fg(Color::Black)
                    .bg(Color::Yellow)
                    .add_modifier(bold),
                Style::new()
                    .fg(Color::White)
                    .bg(Color::Red)
                    .add_modifier(bold),
            ],
            border: Style::new().fg(Color::Gray),
        }
    }

    fn light() -> Self {
        let bold = Modifier::BOLD;
        Theme {
            ok: Style::new().fg(Color::Rgb(0, 110, 0)).add_modifier(bold),
            warn: Style::new().fg(Color::Rgb(140, 90, 0)).add_modifier(bold),
            bad: Style::new().fg(Color::Rgb(180, 0, 0)).add_modifier(bold),
            dim: Style::new().fg(Color::Rgb(100, 100, 100)),
            header: Style::new().fg(Color::Rgb(0, 60, 140)).add_modifier(bold),
            selected: Style::new()
                .bg(Color::Rgb(210, 225, 250))
                .add_modifier(bold),
            tab_active: Style::new()
                .fg(Color::White)
                .bg(Color::Rgb(0, 60, 140))
                .add_modifier(bold),
            tab_unbuilt: Style::new().fg(Color::Rgb(150, 150, 150)),
            status_bar: Style::new().fg(Color::Black).bg(Color::Rgb(200, 210, 230)),
            mode: Style::new()
                .fg(Color::White)
                .bg(Color::Rgb(140, 90, 0))
                .add_modifier(bold),
            verdict: [
                Style::new()
                    .fg(Color::White)
                    .bg(Color::Rgb(0, 110, 0))
                    .add_modifier(bold),
                Style::new()
                    .fg(Color::White)
                    .bg(Color::Rgb(140, 90, 0))
                    .add_modifier(bold),
                Style::new()
                    .fg(Color::White)
                    .bg(Color::Rgb(180, 0, 0))
                    .add_modifier(bold),
            ],
            border: Style::new().fg(Color::Rgb(120, 120, 120)),
        }
    }

    fn mono() -> Self {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let rev = Style::new().add_modifier(Modifier::REVERSED);
        Theme {
            ok: bold,
            warn: bold,
            bad: bold,
            dim: Style::new(),
            header: bold,
            selected: rev,
            tab_active: rev,
            tab_unbuilt: Style::new(),
            status_bar: rev,
            mode: bold.add_modifier(Modifier::REVERSED),
            verdict: [bold, bold, bold],
            border: Style::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_wins_over_the_palette() {
        let t = Theme::new(ThemeName::Light, true);
        for s in [t.ok, t.warn, t.bad, t.selected, t.status_bar] {
            assert_eq!((s.fg, s.bg), (None, None), "{s:?} carries a colour");
        }
        assert_ne!(
            Theme::new(ThemeName::Light, false),
            Theme::new(ThemeName::Dark, false)
        );
    }
}
