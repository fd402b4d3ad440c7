//! `iss append pulse`: one forensic time pulse, through the ledger's
//! pulse writer (a legacy `glyph_chain` line, or a native pulse record
//! followed by its checkpoint).

use super::{EXIT_ERROR, EXIT_OK};
use crate::ledger::legacy::verify::time_checks::iso_to_unix;
use crate::ledger::open::{Ledger, PulseAck, PulseTime};
use crate::ledger::write_error::{PulseTimeError, Refusing, WriteError};
use anyhow::bail;
use std::io::Write;

/// Run `iss append pulse`.
pub fn run(
    ledger: &Ledger,
    at: Option<&str>,
    mono_ns: Option<i64>,
    source_node: Option<&str>,
    json: bool,
) -> anyhow::Result<u8> {
    // One reading of the run's clock; `--at` and `--mono-ns` replace its parts.
    let reading = crate::cli::clock::clock()?.read();
    let at = at.map(micros_of).transpose()?;
    let time = time(ledger.pulse_time(reading, at, mono_ns))?;
    let mut writer = match ledger.pulse_writer() {
        Ok(w) => w,
        Err(WriteError::Leaps(e)) => return Err(e.into()),
        Err(e) => return refused(ledger, &e),
    };
    match writer.append(&time, source_node) {
        Ok(PulseAck::Legacy(ack)) => {
            let mut out = crate::cli::output::stdout();
            if json {
                serde_json::to_writer(&mut out, &ack)?;
                writeln!(out)?;
                return Ok(EXIT_OK);
            }
            writeln!(
                out,
                "appended pulse {} at {} (line {} of {}), glyph_hash {}, chain_hash {}, tai_ns (monotonic) {}, source_node {}",
                ack.pulse_id,
                ack.utc_iso,
                ack.line,
                ack.chain,
                ack.glyph_hash,
                ack.chain_hash,
                ack.tai_ns,
                ack.source_node
            )?;
            for w in &ack.warnings {
                writeln!(out, "  ⚠ {}: {}", w.kind, w.detail)?;
            }
            Ok(EXIT_OK)
        }
        Ok(PulseAck::Native(ack)) => crate::cli::native::pulse_appended(&ack, json),
        Err(e) => refused(ledger, &e),
    }
}

/// The pulse's time, or the error the command gives for it (a usage
/// error: nothing was opened).
fn time(t: Result<PulseTime, WriteError>) -> anyhow::Result<PulseTime> {
    match t {
        Ok(t) => Ok(t),
        Err(WriteError::PulseTime(PulseTimeError::NegativeMonotonic(e))) => {
            Err(anyhow::Error::new(e).context("--mono-ns must not be negative"))
        }
        Err(WriteError::PulseTime(e)) => Err(e.into()),
        Err(e) => Err(e.into()),
    }
}

/// The pulse was refused or failed: say so in the words of the ledger's
/// writes; exit 1 when the time chain does not verify, else 2.
fn refused(ledger: &Ledger, e: &WriteError) -> anyhow::Result<u8> {
    if ledger.refusing() == Refusing::Write {
        return crate::cli::native::refusal(e);
    }
    if let WriteError::Violated {
        violations: findings,
        ..
    } = e
    {
        return crate::cli::refusal::violated(
            "refusing to append: the time chain does not verify",
            findings,
            true,
        );
    }
    writeln!(anstream::stderr(), "iss: {e}")?;
    Ok(EXIT_ERROR)
}

/// Unix microseconds of an RFC 3339 time with an offset.
pub(in crate::cli) fn micros_of(text: &str) -> anyhow::Result<i64> {
    let Some(u) = iso_to_unix(text) else {
        bail!(
            "--at {text:?}: expected an RFC 3339 time with an offset, e.g. 2026-11-27T10:00:00.250000Z"
        );
    };
    Ok((u * 1e6).round() as i64)
}
