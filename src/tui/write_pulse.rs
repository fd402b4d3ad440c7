//! `P` in write mode: append one forensic time pulse, now, through the
//! append module (legacy ledgers: the byte-compatible legacy pulse; native
//! ledgers: a FORMAT.md 10.1 body, signed when the workstation has the
//! signing key), off the UI thread like every write ([`crate::tui::writes`]).

use crate::ledger::clock::Clock;
use crate::ledger::open::{Ledger, PulseAck};
use crate::ledger::write_error::{PulseTimeError, WriteError};
use crate::tui::app::Level;
use crate::tui::queue::{Internal, Queue};
use crate::tui::strings;
use crate::tui::writes::{Desk, Keys, Work, WriteAck, start};
use std::path::Path;

/// `P`: append a pulse now, in the background.
pub fn append_now(desk: &mut Desk) {
    let _ = start(desk, Work::Pulse);
}

/// Append a pulse to `ledger` at `clock`'s time; what was written, or why
/// nothing was.
pub fn append(ledger: &Path, keys: &Keys, clock: &dyn Clock) -> Result<WriteAck, String> {
    let ledger = Ledger::with_keys(ledger, keys.clone());
    // Opened (a native ledger verified under its lock) before the clock is
    // read: the pulse's time is the time it is written.
    let mut writer = ledger.pulse_writer().map_err(|e| e.to_string())?;
    let time = ledger
        .pulse_time(clock.read(), None, None)
        .map_err(|e| match e {
            WriteError::PulseTime(PulseTimeError::MonotonicRange(e)) => e.to_string(),
            e => e.to_string(),
        })?;
    let ack = writer.append(&time, None).map_err(|e| {
        let left = matches!(&e, WriteError::Append(a) if !a.left_file_unchanged());
        not_written(&e, left)
    })?;
    Ok(match ack {
        PulseAck::Legacy(ack) => WriteAck {
            text: format!(
                "✔ appended pulse {} at {} (line {}), glyph_hash {}",
                ack.pulse_id, ack.utc_iso, ack.line, ack.glyph_hash
            ),
            line: ack.line,
            follow_up: None,
        },
        PulseAck::Native(ack) => {
            let signature = if ack.checkpoint.is_some() {
                "signed"
            } else if ack.checkpoint_failed.is_some() {
                "not signed"
            } else {
                strings::NOT_SIGNED
            };
            WriteAck {
                text: format!(
                    "✔ appended pulse as record {} (line {}) at {}, hash {}, {signature}",
                    ack.record.seq, ack.record.line, ack.pulse.utc, ack.record.hash
                ),
                line: ack.record.line,
                follow_up: ack.checkpoint_failed.as_ref().map(ToString::to_string),
            }
        }
    })
}

/// A pulse's outcome arrived: say what was written (and reload), or why not.
pub fn done(queue: &mut Queue, result: Result<WriteAck, String>) {
    match result {
        Ok(ack) => {
            let (level, text) = ack.message();
            queue.say(level, text);
            queue.push(Internal::Reload);
        }
        Err(text) => queue.say(Level::Error, format!("✘ pulse refused: {text}")),
    }
}

/// Why no pulse was appended, and whether anything was written: nothing,
/// or (when even undoing a failed write failed) bytes nobody acknowledged,
/// which the error itself describes.
fn not_written(e: &dyn std::fmt::Display, bytes_may_be_left: bool) -> String {
    if bytes_may_be_left {
        e.to_string()
    } else {
        format!("{e}; nothing was written")
    }
}
