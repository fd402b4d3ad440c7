//! The one-line prompt at the bottom: `/` a search, `:` a command. While
//! open it takes the keyboard; `Enter` hands what was typed to the browser
//! (a search) or to the command it names.

use crate::tui::actions;
use crate::tui::app::{App, Level, Prompt, PromptKind};
use crate::tui::keys::Action;
use crate::tui::strings;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The prompt's share of the key table: open it, type, submit.
pub fn perform(app: &mut App, action: Action) {
    match action {
        Action::Search => start(app, PromptKind::Search),
        Action::Command => start(app, PromptKind::Command),
        Action::Submit => submit(app),
        Action::DeleteChar => {
            if let Some(p) = &mut app.prompt {
                p.text.pop();
            }
        }
        _ => {}
    }
}

/// A key no binding took, while the prompt is open: text for it.
/// Whether the prompt took it.
pub fn type_key(app: &mut App, ev: KeyEvent) -> bool {
    if let Some(p) = &mut app.prompt
        && let KeyCode::Char(c) = ev.code
        && !ev.modifiers.contains(KeyModifiers::CONTROL)
    {
        p.text.push(c);
        return true;
    }
    false
}

/// Open the prompt.
pub fn start(app: &mut App, kind: PromptKind) {
    app.prompt = Some(Prompt {
        kind,
        text: String::new(),
    });
}

/// `Enter` in the prompt.
pub fn submit(app: &mut App) {
    let Some(p) = app.prompt.take() else { return };
    match p.kind {
        PromptKind::Search => {
            // An empty search repeats the last one, as in vi and less.
            if !p.text.is_empty() {
                app.browser.set_last_search(p.text);
            }
            let (b, _, mut out) = app.browser_parts();
            actions::search_again(b, &mut out, true);
        }
        PromptKind::Command => command(app, p.text.trim()),
    }
}

fn command(app: &mut App, cmd: &str) {
    let arg = cmd.strip_prefix("goto").map_or(cmd, str::trim);
    if let Ok(n) = arg.parse::<u64>() {
        let (b, _, mut out) = app.browser_parts();
        actions::goto_number(b, &mut out, arg, n);
    } else if let Some((text, at)) =
        word_args(cmd, "goto").and_then(|a| Some((a, crate::tui::goto_time::parse(a)?)))
    {
        let (b, env, mut out) = app.browser_parts();
        crate::tui::goto_time::start(b, &env, &mut out, text, at);
    } else if let Some(id) = word_args(cmd, "goto").filter(|a| actions::is_id_prefix(a)) {
        let (b, _, mut out) = app.browser_parts();
        actions::goto_id(b, &mut out, id);
    } else if matches!(cmd, "q" | "quit") {
        app.quit = true;
    } else if let Some(args) = word_args(cmd, "filter") {
        let (b, env, mut out) = app.browser_parts();
        crate::tui::filter::command(b, &env, &mut out, args);
    } else if let Some(file) = word_args(cmd, "export") {
        let mut to = crate::tui::export::Exporting {
            browser: &app.browser,
            report: &app.report,
            ledger: &app.ledger,
            outbox: &mut app.outbox,
            queue: &mut app.queue,
        };
        crate::tui::export::request(&mut to, file);
    } else if cmd == "marks" {
        app.pane = crate::tui::app::Pane::Browser;
        crate::tui::bookmarks::list(&app.browser, &mut app.queue);
    } else if cmd == "marks clear" {
        crate::tui::bookmarks::clear(&mut app.browser, &mut app.queue);
    } else if let Some(arg) = word_args(cmd, "goto") {
        app.say(Level::Warn, strings::goto_no_match(arg));
    } else {
        app.say(Level::Warn, strings::unknown_command(cmd));
    }
}

/// The rest of `cmd` when its first word is `word`.
fn word_args<'a>(cmd: &'a str, word: &str) -> Option<&'a str> {
    let rest = cmd.strip_prefix(word)?;
    (rest.is_empty() || rest.starts_with(' ')).then(|| rest.trim())
}
