//! The key table: the one list that both dispatches keys and writes the
//! help screen, so the help can never drift from what the keys do (as in
//! k9s and gitui, whose help is generated from their key maps).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies. Lookup tries the innermost context first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Everywhere except while typing into the prompt.
    Global,
    /// The chain browser (pane 1).
    Browser,
    /// The detail view of one record.
    Detail,
    /// The integrity pane (pane 2).
    Integrity,
    /// The time pulse history (pane 3).
    Time,
    /// The maturity report (pane 4).
    Maturity,
    /// The audit trail (pane 5).
    Audit,
    /// The records-over-time histogram over the browser (`H`).
    Histogram,
    /// The help overlay.
    Help,
    /// Typing a search or a command.
    Prompt,
    /// The descriptor entry form, while editing.
    FormEdit,
    /// The entry form's preview, waiting for confirmation.
    FormPreview,
    /// The entry form while its preview is built or its record appended.
    FormWorking,
    /// The fleet pane (`iss tui A B …`, `iss tui --fleet FILE`).
    Fleet,
}

impl Context {
    /// Heading of the context's section in the help.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Browser => "Chain browser (1)",
            Context::Detail => "Record detail",
            Context::Integrity => "Integrity (2)",
            Context::Time => "Time pulses (3)",
            Context::Maturity => "Maturity (4)",
            Context::Audit => "Audit trail (5)",
            Context::Histogram => "Time histogram (H in the browser)",
            Context::Help => "Help",
            Context::Prompt => "Search / command prompt",
            Context::FormEdit => "Descriptor form (a, with --write)",
            Context::FormPreview => "Descriptor form: preview",
            Context::FormWorking => "Descriptor form: building the preview or appending",
            Context::Fleet => "Fleet (iss tui A B …, --fleet FILE)",
        }
    }
}

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave the workstation.
    Quit,
    /// Open or close the help.
    Help,
    /// Close the innermost view (help, detail, prompt, message).
    Back,
    /// Next pane.
    NextPane,
    /// Previous pane.
    PrevPane,
    /// Pane number 1-5.
    Pane(u8),
    /// One row up.
    Up,
    /// One row down.
    Down,
    /// One page up.
    PageUp,
    /// One page down.
    PageDown,
    /// First row.
    Top,
    /// Last row.
    Bottom,
    /// Show the columns further left (the browser's horizontal scroll).
    ScrollLeft,
    /// Show the columns further right.
    ScrollRight,
    /// Sort the browser by the next column (none, level, score, time,
    /// process, status, none...).
    SortNext,
    /// Reverse the browser's sort.
    SortReverse,
    /// Browse the next chain file.
    NextChain,
    /// Open the selected record, or jump to the selected finding.
    Open,
    /// Start typing a search.
    Search,
    /// Next search hit.
    SearchNext,
    /// Previous search hit.
    SearchPrev,
    /// Start typing a command (`:N`, `:goto N`).
    Command,
    /// Next line with a finding, in the browser.
    NextFinding,
    /// Previous line with a finding, in the browser.
    PrevFinding,
    /// Run what was typed.
    Submit,
    /// Delete the last typed character.
    DeleteChar,
    /// Show the audit trail of the selected record (pane 5).
    AuditRecord,
    /// Acknowledge the live alerts (they stay among the findings).
    Acknowledge,
    /// Open the descriptor entry form (write mode only).
    AppendForm,
    /// Append a time pulse now (write mode only).
    AppendPulse,
    /// Mark or unmark the record under the cursor.
    ToggleMark,
    /// Next marked record.
    NextMark,
    /// Previous marked record.
    PrevMark,
    /// List the marked records.
    ListMarks,
    /// Open the record in `$PAGER` (a read-only temporary copy).
    Pager,
    /// Copy the record's id to the clipboard (OSC 52).
    CopyId,
    /// Copy the record's hash to the clipboard (OSC 52).
    CopyHash,
    /// Open or close the time histogram of the browsed chain.
    Histogram,
    /// Histogram: mark one end of a range of buckets (again: drop it).
    MarkRange,
    /// Histogram: smaller buckets.
    ZoomIn,
    /// Histogram: larger buckets.
    ZoomOut,
    /// Form: next field.
    FormNext,
    /// Form: previous field.
    FormPrev,
    /// Form: Enter (next field, or a new line in a list field).
    FormEnter,
    /// Form: check every field and preview the record.
    FormPreview,
    /// Form: write the previewed record.
    FormConfirm,
}

/// A key with the modifiers that matter for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    code: KeyCode,
    ctrl: bool,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}
const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}
const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

impl Key {
    /// Whether a key event is this key. Shift is part of the character
    /// (`G`, `E`) and of `BackTab`, and terminals disagree on reporting it,
    /// so only Control counts as a modifier.
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        self.code == ev.code && self.ctrl == ev.modifiers.contains(KeyModifiers::CONTROL)
    }

    /// The key as the help shows it.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".to_owned(),
            KeyCode::Esc => "Esc".to_owned(),
            KeyCode::Tab => "Tab".to_owned(),
            KeyCode::BackTab => "Shift-Tab".to_owned(),
            KeyCode::Backspace => "Backspace".to_owned(),
            KeyCode::Up => "↑".to_owned(),
            KeyCode::Down => "↓".to_owned(),
            KeyCode::Left => "←".to_owned(),
            KeyCode::Right => "→".to_owned(),
            KeyCode::PageUp => "PgUp".to_owned(),
            KeyCode::PageDown => "PgDn".to_owned(),
            KeyCode::Home => "Home".to_owned(),
            KeyCode::End => "End".to_owned(),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }
}

/// One line of the key table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// Where it applies.
    pub context: Context,
    /// The keys that trigger it.
    pub keys: &'static [Key],
    /// What it does.
    pub action: Action,
    /// What the help says about it.
    pub help: &'static str,
}

const fn bind(
    context: Context,
    keys: &'static [Key],
    action: Action,
    help: &'static str,
) -> Binding {
    Binding {
        context,
        keys,
        action,
        help,
    }
}

use Action as A;
use Context as C;

/// Every key binding, in the order the help lists them.
#[rustfmt::skip] // a table: one binding per line reads best
pub const TABLE: &[Binding] = &[
    bind(C::Global, &[k('q'), ctrl('c')], A::Quit, "quit"),
    bind(C::Global, &[k('?')], A::Help, "this help"),
    bind(C::Global, &[code(KeyCode::Esc)], A::Back, "back: stop a search; close help, detail, prompt; return along a followed link"),
    bind(C::Global, &[code(KeyCode::Tab)], A::NextPane, "next pane"),
    bind(C::Global, &[code(KeyCode::BackTab)], A::PrevPane, "previous pane"),
    bind(C::Global, &[k('1')], A::Pane(1), "pane 1: chain browser"),
    bind(C::Global, &[k('2')], A::Pane(2), "pane 2: integrity"),
    bind(C::Global, &[k('3')], A::Pane(3), "pane 3: time pulses"),
    bind(C::Global, &[k('4')], A::Pane(4), "pane 4: maturity"),
    bind(C::Global, &[k('5')], A::Pane(5), "pane 5: audit trail of the browser's record"),
    bind(C::Global, &[k('e')], A::NextFinding, "next line with a finding (browser)"),
    bind(C::Global, &[k('E')], A::PrevFinding, "previous line with a finding (browser)"),
    bind(C::Global, &[k('A')], A::Acknowledge, "acknowledge live alerts (they stay in Integrity)"),
    bind(C::Global, &[k(':')], A::Command, "command: :N, :goto N or ID, :filter ..., :marks, :export FILE"),
    bind(C::Global, &[k('i')], A::AppendForm, "append a descriptor (form; needs --write)"),
    bind(C::Global, &[k('P')], A::AppendPulse, "append a time pulse now (needs --write)"),
    bind(C::Browser, &[k('j'), code(KeyCode::Down)], A::Down, "next record"),
    bind(C::Browser, &[k('k'), code(KeyCode::Up)], A::Up, "previous record"),
    bind(C::Browser, &[code(KeyCode::PageDown), ctrl('f'), k(' ')], A::PageDown, "page down"),
    bind(C::Browser, &[code(KeyCode::PageUp), ctrl('b'), k('b')], A::PageUp, "page up"),
    bind(C::Browser, &[k('g'), code(KeyCode::Home)], A::Top, "first record"),
    bind(C::Browser, &[k('G'), code(KeyCode::End), k('F')], A::Bottom, "last record; follows new records (tail)"),
    bind(C::Browser, &[code(KeyCode::Left), k('<')], A::ScrollLeft, "scroll the columns left"),
    bind(C::Browser, &[code(KeyCode::Right), k('>')], A::ScrollRight, "scroll the columns right (to assessed_at)"),
    bind(C::Browser, &[k('s')], A::SortNext, "sort: level, score, time, process, status, none"),
    bind(C::Browser, &[k('S')], A::SortReverse, "reverse the sort"),
    bind(C::Browser, &[code(KeyCode::Enter)], A::Open, "record detail"),
    bind(C::Browser, &[k('c')], A::NextChain, "next chain file"),
    bind(C::Browser, &[k('/')], A::Search, "search (ASCII case ignored)"),
    bind(C::Browser, &[k('n')], A::SearchNext, "next search hit"),
    bind(C::Browser, &[k('N')], A::SearchPrev, "previous search hit"),
    bind(C::Browser, &[k('a')], A::AuditRecord, "audit trail of this descriptor (pane 5)"),
    bind(C::Browser, &[k('m')], A::ToggleMark, "mark or unmark the record"),
    bind(C::Browser, &[k('u')], A::NextMark, "next marked record"),
    bind(C::Browser, &[k('U')], A::PrevMark, "previous marked record"),
    bind(C::Browser, &[k('M')], A::ListMarks, "list the marked records"),
    bind(C::Browser, &[k('v')], A::Pager, "open the record in $PAGER (less; a read-only copy)"),
    bind(C::Browser, &[k('y')], A::CopyId, "copy the record's id (OSC 52 clipboard)"),
    bind(C::Browser, &[k('Y')], A::CopyHash, "copy the record's hash (OSC 52 clipboard)"),
    bind(C::Browser, &[k('H')], A::Histogram, "time histogram of the records and findings (lnav's i)"),
    bind(C::Histogram, &[k('j'), code(KeyCode::Down)], A::Down, "next bucket (later)"),
    bind(C::Histogram, &[k('k'), code(KeyCode::Up)], A::Up, "previous bucket (earlier)"),
    bind(C::Histogram, &[code(KeyCode::PageDown), ctrl('f')], A::PageDown, "page down"),
    bind(C::Histogram, &[code(KeyCode::PageUp), ctrl('b')], A::PageUp, "page up"),
    bind(C::Histogram, &[k('g'), code(KeyCode::Home)], A::Top, "first bucket"),
    bind(C::Histogram, &[k('G'), code(KeyCode::End)], A::Bottom, "last bucket"),
    bind(C::Histogram, &[k(' ')], A::MarkRange, "mark one end of a range of buckets (again: drop the mark)"),
    bind(C::Histogram, &[code(KeyCode::Enter)], A::Open, "filter the browser to the bucket or range (:filter since=.. until=..)"),
    bind(C::Histogram, &[k('z')], A::ZoomIn, "zoom in: smaller buckets"),
    bind(C::Histogram, &[k('Z')], A::ZoomOut, "zoom out: larger buckets"),
    bind(C::Histogram, &[k('H')], A::Back, "close"),
    bind(C::Detail, &[k('j'), code(KeyCode::Down)], A::Down, "scroll down"),
    bind(C::Detail, &[k('k'), code(KeyCode::Up)], A::Up, "scroll up"),
    bind(C::Detail, &[code(KeyCode::PageDown), ctrl('f'), k(' ')], A::PageDown, "page down"),
    bind(C::Detail, &[code(KeyCode::PageUp), ctrl('b'), k('b')], A::PageUp, "page up"),
    bind(C::Detail, &[k('g'), code(KeyCode::Home)], A::Top, "top"),
    bind(C::Detail, &[k('G'), code(KeyCode::End)], A::Bottom, "bottom"),
    bind(C::Detail, &[code(KeyCode::Enter)], A::Back, "back to the table"),
    bind(C::Detail, &[k('v')], A::Pager, "open the record in $PAGER (less; a read-only copy)"),
    bind(C::Integrity, &[k('j'), code(KeyCode::Down)], A::Down, "next finding"),
    bind(C::Integrity, &[k('k'), code(KeyCode::Up)], A::Up, "previous finding"),
    bind(C::Integrity, &[code(KeyCode::PageDown), ctrl('f')], A::PageDown, "page down"),
    bind(C::Integrity, &[code(KeyCode::PageUp), ctrl('b')], A::PageUp, "page up"),
    bind(C::Integrity, &[k('g'), code(KeyCode::Home)], A::Top, "first finding"),
    bind(C::Integrity, &[k('G'), code(KeyCode::End)], A::Bottom, "last finding"),
    bind(C::Integrity, &[code(KeyCode::Enter)], A::Open, "show the finding's line in the browser"),
    bind(C::Time, &[k('j'), code(KeyCode::Down)], A::Down, "next pulse"),
    bind(C::Time, &[k('k'), code(KeyCode::Up)], A::Up, "previous pulse"),
    bind(C::Time, &[code(KeyCode::PageDown), ctrl('f')], A::PageDown, "page down"),
    bind(C::Time, &[code(KeyCode::PageUp), ctrl('b')], A::PageUp, "page up"),
    bind(C::Time, &[k('g'), code(KeyCode::Home)], A::Top, "first pulse"),
    bind(C::Time, &[k('G'), code(KeyCode::End)], A::Bottom, "last pulse"),
    bind(C::Time, &[k('e')], A::NextFinding, "next pulse with an anomaly"),
    bind(C::Time, &[k('E')], A::PrevFinding, "previous pulse with an anomaly"),
    bind(C::Time, &[code(KeyCode::Enter)], A::Open, "show the pulse in the chain browser"),
    bind(C::Maturity, &[k('j'), code(KeyCode::Down)], A::Down, "next process"),
    bind(C::Maturity, &[k('k'), code(KeyCode::Up)], A::Up, "previous process"),
    bind(C::Maturity, &[code(KeyCode::PageDown), ctrl('f')], A::PageDown, "page down"),
    bind(C::Maturity, &[code(KeyCode::PageUp), ctrl('b')], A::PageUp, "page up"),
    bind(C::Maturity, &[k('g'), code(KeyCode::Home)], A::Top, "first process"),
    bind(C::Maturity, &[k('G'), code(KeyCode::End)], A::Bottom, "last process"),
    bind(C::Maturity, &[code(KeyCode::Enter)], A::Open, "the process's latest assessment in the browser"),
    bind(C::Audit, &[k('j'), code(KeyCode::Down)], A::Down, "next link"),
    bind(C::Audit, &[k('k'), code(KeyCode::Up)], A::Up, "previous link"),
    bind(C::Audit, &[code(KeyCode::PageDown), ctrl('f')], A::PageDown, "scroll a page down"),
    bind(C::Audit, &[code(KeyCode::PageUp), ctrl('b')], A::PageUp, "scroll a page up"),
    bind(C::Audit, &[k('g'), code(KeyCode::Home)], A::Top, "first link"),
    bind(C::Audit, &[k('G'), code(KeyCode::End)], A::Bottom, "last link"),
    bind(C::Audit, &[code(KeyCode::Enter)], A::Open, "follow the link (Esc comes back)"),
    bind(C::Help, &[k('j'), code(KeyCode::Down)], A::Down, "scroll down"),
    bind(C::Help, &[k('k'), code(KeyCode::Up)], A::Up, "scroll up"),
    bind(C::Help, &[code(KeyCode::PageDown), ctrl('f'), k(' ')], A::PageDown, "page down"),
    bind(C::Help, &[code(KeyCode::PageUp), ctrl('b'), k('b')], A::PageUp, "page up"),
    bind(C::Help, &[k('g'), code(KeyCode::Home)], A::Top, "top"),
    bind(C::Help, &[k('G'), code(KeyCode::End)], A::Bottom, "bottom"),
    bind(C::Help, &[k('?')], A::Back, "close"),
    bind(C::Prompt, &[code(KeyCode::Enter)], A::Submit, "run the search or command"),
    bind(C::Prompt, &[code(KeyCode::Backspace)], A::DeleteChar, "delete a character"),
    bind(C::Prompt, &[code(KeyCode::Esc)], A::Back, "cancel"),
    bind(C::FormEdit, &[code(KeyCode::Tab)], A::FormNext, "next field"),
    bind(C::FormEdit, &[code(KeyCode::BackTab)], A::FormPrev, "previous field"),
    bind(C::FormEdit, &[code(KeyCode::Enter)], A::FormEnter, "next field (a new line in a list field)"),
    bind(C::FormEdit, &[ctrl('s')], A::FormPreview, "check the fields and preview the exact record"),
    bind(C::FormEdit, &[code(KeyCode::Esc)], A::Back, "close the form (the draft is kept)"),
    bind(C::FormEdit, &[ctrl('c')], A::Quit, "quit"),
    bind(C::FormPreview, &[k('y'), code(KeyCode::Enter)], A::FormConfirm, "append the record as previewed"),
    bind(C::FormPreview, &[k('n'), code(KeyCode::Esc)], A::Back, "back to editing"),
    bind(C::FormWorking, &[code(KeyCode::Esc)], A::Back, "cancel the preview (an append under way cannot be called back)"),
    bind(C::FormWorking, &[ctrl('c')], A::Quit, "quit (waits for an append under way)"),
    bind(C::Fleet, &[k('j'), code(KeyCode::Down)], A::Down, "next ledger"),
    bind(C::Fleet, &[k('k'), code(KeyCode::Up)], A::Up, "previous ledger"),
    bind(C::Fleet, &[k('g'), code(KeyCode::Home)], A::Top, "first ledger"),
    bind(C::Fleet, &[k('G'), code(KeyCode::End)], A::Bottom, "last ledger"),
    bind(C::Fleet, &[code(KeyCode::Enter)], A::Open, "open in the five panes (Esc there comes back)"),
    bind(C::Fleet, &[k('?')], A::Help, "this help"),
    bind(C::Fleet, &[k('q'), ctrl('c')], A::Quit, "quit"),
];

/// The action of `ev` in the first of `contexts` that binds it.
pub fn lookup(contexts: &[Context], ev: &KeyEvent) -> Option<Action> {
    contexts.iter().find_map(|&c| {
        TABLE
            .iter()
            .filter(|b| b.context == c)
            .find(|b| b.keys.iter().any(|key| key.matches(ev)))
            .map(|b| b.action)
    })
}

/// How the help writes the key of `ev` (`x`, `Ctrl-x`).
pub fn event_label(ev: &KeyEvent) -> String {
    Key {
        code: ev.code,
        ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
    }
    .label()
}

/// The label of the first key bound to `action` in `context`.
pub fn first_key(context: Context, action: Action) -> Option<String> {
    TABLE
        .iter()
        .find(|b| b.context == context && b.action == action)
        .and_then(|b| b.keys.first())
        .map(Key::label)
}

/// One line of the help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    /// A section heading.
    Heading(&'static str),
    /// Keys and what they do.
    Keys(String, &'static str),
}

/// The help text: one heading per context, one line per binding, from
/// [`TABLE`] itself.
pub fn help_lines() -> Vec<HelpLine> {
    let order = [
        C::Global,
        C::Browser,
        C::Detail,
        C::Histogram,
        C::Integrity,
        C::Time,
        C::Maturity,
        C::Audit,
        C::Prompt,
        C::FormEdit,
        C::FormPreview,
        C::FormWorking,
        C::Help,
        C::Fleet,
    ];
    let mut out = Vec::new();
    for ctx in order {
        out.push(HelpLine::Heading(ctx.title()));
        for b in TABLE.iter().filter(|b| b.context == ctx) {
            let keys: Vec<String> = b.keys.iter().map(Key::label).collect();
            out.push(HelpLine::Keys(keys.join(" "), b.help));
        }
    }
    // Not a key, but the help should say it: the wheel moves what j/k move.
    out.push(HelpLine::Heading("Mouse"));
    out.push(HelpLine::Keys(
        "wheel".to_owned(),
        "move by three rows, as j/k do",
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn inner_context_wins_and_global_is_the_fallback() {
        let enter = ev(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(lookup(&[C::Detail, C::Global], &enter), Some(A::Back));
        assert_eq!(lookup(&[C::Browser, C::Global], &enter), Some(A::Open));
        let q = ev(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(lookup(&[C::Browser, C::Global], &q), Some(A::Quit));
        assert_eq!(lookup(&[C::Prompt], &q), None, "q is text in the prompt");
    }

    #[test]
    fn shift_is_part_of_the_character_and_ctrl_is_not() {
        let g = ev(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(lookup(&[C::Browser], &g), Some(A::Bottom));
        let cc = ev(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(lookup(&[C::Browser, C::Global], &cc), Some(A::Quit));
        let c = ev(KeyCode::Char('c'), KeyModifiers::NONE);
        assert_eq!(lookup(&[C::Browser, C::Global], &c), Some(A::NextChain));
    }

    #[test]
    fn help_lists_every_binding_once() {
        let lines = help_lines();
        for b in TABLE {
            assert!(
                lines
                    .iter()
                    .any(|l| matches!(l, HelpLine::Keys(_, h) if *h == b.help)),
                "binding {:?} missing from help",
                b.action
            );
        }
    }
}
