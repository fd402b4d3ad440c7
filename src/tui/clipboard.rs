//! `y`/`Y`: copy the selected record's id or hash to the clipboard with
//! OSC 52, the escape sequence that asks the terminal (also through ssh and
//! tmux with `set-clipboard on`) to set its clipboard. No clipboard daemon
//! or X connection is needed, and nothing is written anywhere else.
//!
//! `update` only puts the text in [`App::clipboard`]; the event loop sends
//! the sequence to the terminal, so the tests see what would be copied.

use crate::tui::app::{App, Level};
use crate::tui::chain::{ChainKind, visible};
use crate::tui::strings;
use base64::Engine as _;
use serde_json::Value;

/// Bytes of a line read to find the field.
const READ_MAX: usize = 1 << 20;

/// What to copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    /// `descriptor_id` or `pulse_id`.
    Id,
    /// `descriptor_hash` or `glyph_hash`.
    Hash,
}

/// The record field `what` means in `chain`.
pub fn field(chain: ChainKind, what: What) -> &'static str {
    match (chain, what) {
        (ChainKind::Descriptors, What::Id) => "descriptor_id",
        (ChainKind::Descriptors, What::Hash) => "descriptor_hash",
        (ChainKind::Pulses, What::Id) => "pulse_id",
        (ChainKind::Pulses, What::Hash) => "glyph_hash",
    }
}

/// The OSC 52 sequence that sets the clipboard to `text`.
pub fn osc52(text: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{b64}\x07")
}

/// `y`/`Y` in the browser.
pub fn copy_field(app: &mut App, what: What) {
    let view = app.current();
    let key = field(view.kind, what);
    let Some(file) = view.file().filter(|f| f.lines() > 0) else {
        app.say(Level::Warn, strings::NOTHING_TO_SHOW);
        return;
    };
    let value = match file.read_line(view.cursor, READ_MAX) {
        Ok(Some(t)) if !t.truncated => serde_json::from_slice::<Value>(&t.bytes)
            .ok()
            .and_then(|v| v.get(key).and_then(Value::as_str).map(visible)),
        Ok(_) => None,
        Err(e) => {
            app.say(Level::Error, strings::read_error(&e.to_string()));
            return;
        }
    };
    match value {
        Some(v) => {
            app.say(Level::Info, strings::copied(key, &v));
            app.outbox.clipboard = Some(v);
        }
        None => app.say(Level::Warn, strings::nothing_to_copy(key)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_is_base64_between_the_escape_and_the_bell() {
        assert_eq!(super::osc52("abc"), "\x1b]52;c;YWJj\x07");
        assert_eq!(super::osc52(""), "\x1b]52;c;\x07");
    }
}
