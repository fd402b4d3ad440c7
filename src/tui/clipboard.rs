//! `y`/`Y`: copy the selected record's id or hash to the clipboard with
//! OSC 52, the escape sequence that asks the terminal (also through ssh and
//! tmux with `set-clipboard on`) to set its clipboard. No clipboard daemon
//! or X connection is needed, and nothing is written anywhere else.
//!
//! `update` only asks for the text to be copied ([`Internal::Copy`], which
//! puts it in the app's outbox); the event loop sends
//! the sequence to the terminal, so the tests see what would be copied.

use crate::tui::app::Level;
use crate::tui::browser::Browser;
use crate::tui::chain::{ChainKind, visible};
use crate::tui::queue::{Internal, Queue};
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

/// Where the value `what` means in `chain` is in a record, as JSON pointers
/// tried in order (a native record's id is in its body, its hash beside it;
/// a native pulse has no id but its `seq`, a migrated one its legacy
/// `pulse_id`).
pub fn field(chain: ChainKind, what: What) -> &'static [&'static str] {
    match (chain, what) {
        (ChainKind::Descriptors, What::Id) => &["/descriptor_id"],
        (ChainKind::Descriptors, What::Hash) => &["/descriptor_hash"],
        (ChainKind::Pulses, What::Id) => &["/pulse_id"],
        (ChainKind::Pulses, What::Hash) => &["/glyph_hash"],
        (ChainKind::NativeDescriptors, What::Id) => &["/body/descriptor_id"],
        (ChainKind::NativePulses, What::Id) => &["/body/legacy_pulse/pulse_id", "/seq"],
        (ChainKind::NativeEvents, What::Id) => &["/seq"],
        (
            ChainKind::NativeDescriptors | ChainKind::NativePulses | ChainKind::NativeEvents,
            What::Hash,
        ) => &["/hash"],
    }
}

/// The field's name as the user knows it: the pointer's last part.
fn label(pointer: &str) -> &str {
    pointer.rsplit('/').next().unwrap_or(pointer)
}

/// The first of `pointers` that holds a string or a number, with its name.
fn lookup<'a>(record: &Value, pointers: &[&'a str]) -> Option<(&'a str, String)> {
    pointers.iter().find_map(|p| match record.pointer(p)? {
        Value::String(s) => Some((label(p), visible(s))),
        Value::Number(n) => Some((label(p), n.to_string())),
        _ => None,
    })
}

/// The OSC 52 sequence that sets the clipboard to `text`.
pub fn osc52(text: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{b64}\x07")
}

/// `y`/`Y` in the browser.
pub fn copy_field(b: &Browser, queue: &mut Queue, what: What) {
    let view = b.current();
    let pointers = field(view.kind, what);
    let key = label(pointers[0]);
    let Some(file) = view.file().filter(|f| f.lines() > 0) else {
        queue.say(Level::Warn, strings::NOTHING_TO_SHOW);
        return;
    };
    let value = match file.read_line(view.cursor, READ_MAX) {
        Ok(Some(t)) if !t.truncated => serde_json::from_slice::<Value>(&t.bytes)
            .ok()
            .and_then(|v| lookup(&v, pointers)),
        Ok(_) => None,
        Err(e) => {
            queue.say(Level::Error, strings::read_error(&e.to_string()));
            return;
        }
    };
    match value {
        Some((key, v)) => {
            queue.say(Level::Info, strings::copied(key, &v));
            queue.push(Internal::Copy(v));
        }
        None => queue.say(Level::Warn, strings::nothing_to_copy(key)),
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
