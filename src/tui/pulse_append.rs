//! `P` in write mode: append one forensic time pulse, now, through the
//! append module (legacy ledgers: the byte-compatible legacy pulse; native
//! ledgers: a FORMAT.md 10.1 body, signed when `<ledger>.key` is at hand).

use crate::ledger::leap_seconds::LeapSecondList;
use crate::ledger::legacy::append_pulse::{PulseClock, append_pulse as legacy_append};
use crate::ledger::native::append_pulse::append_pulse as native_append;
use crate::ledger::native::meta::is_native_dir;
use crate::ledger::native::pulse::clock::{ClockReading, monotonic_ns};
use crate::ledger::native::secret::{default_key_path, read_signer};
use crate::ledger::native::writer::NativeWriter;
use crate::tui::app::{App, Level};
use crate::tui::form::request_reload;
use crate::tui::strings;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Append a pulse now; say what was written or why nothing was.
pub fn append_now(app: &mut App) {
    if !app.writes {
        app.say(Level::Warn, strings::WRITES_OFF);
        return;
    }
    let ledger = app.ledger.clone();
    let result = if is_native_dir(&ledger) {
        native(&ledger)
    } else {
        legacy(&ledger)
    };
    match result {
        Ok(text) => {
            app.say(Level::Info, text);
            request_reload(app);
        }
        Err(text) => app.say(
            Level::Error,
            format!("✘ pulse refused, nothing written: {text}"),
        ),
    }
}

fn legacy(ledger: &Path) -> Result<String, String> {
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())
        .and_then(|d| i64::try_from(d.as_micros()).map_err(|e| e.to_string()))?;
    let clock = PulseClock {
        utc_micros: micros,
        monotonic_ns: i64::try_from(monotonic_ns()).map_err(|e| e.to_string())?,
    };
    let ack = legacy_append(ledger, clock, None).map_err(|e| e.to_string())?;
    Ok(format!(
        "✔ appended pulse {} at {} (line {}), glyph_hash {}",
        ack.pulse_id, ack.utc_iso, ack.line, ack.glyph_hash
    ))
}

fn native(ledger: &Path) -> Result<String, String> {
    let key = default_key_path(ledger);
    let signer = if key.exists() {
        Some(read_signer(&key).map_err(|e| e.to_string())?)
    } else {
        None
    };
    let leaps = LeapSecondList::best_available().map_err(|e| e.to_string())?;
    let mut w = NativeWriter::open(ledger, signer, None).map_err(|e| e.to_string())?;
    let ack = native_append(&mut w, &ClockReading::now(), &leaps).map_err(|e| e.to_string())?;
    let signature = if ack.checkpoint.is_some() {
        "signed"
    } else {
        "NOT signed (no key beside the ledger): hashes only until `iss checkpoint`"
    };
    Ok(format!(
        "✔ appended pulse as record {} (line {}) at {}, {signature}",
        ack.record.seq, ack.record.line, ack.pulse.utc
    ))
}
