//! `iss append pulse`: one forensic time pulse onto a legacy time chain.

use super::{EXIT_ERROR, EXIT_OK, EXIT_VIOLATION};
use crate::ledger::legacy::verify::time_checks::iso_to_unix;
use crate::ledger::legacy::write::append::WriteError;
use crate::ledger::legacy::write::pulse::{PulseClock, append_pulse};
use anyhow::{Context, bail};
use std::io::Write;
use std::path::Path;

/// Run `iss append pulse`.
pub fn run(
    path: &Path,
    at: Option<&str>,
    mono_ns: Option<i64>,
    source_node: Option<&str>,
    json: bool,
) -> anyhow::Result<u8> {
    // One reading of the run's clock; `--at` and `--mono-ns` replace its parts.
    let reading = crate::cli::clock::clock()?.read();
    let clock = PulseClock {
        monotonic_ns: match mono_ns {
            Some(n) => n,
            None => {
                i64::try_from(reading.mono_ns).context("the monotonic clock is out of range")?
            }
        },
        utc_micros: if let Some(text) = at {
            micros_of(text)?
        } else {
            let micros = reading.utc_unix_ns.div_euclid(1000);
            if micros < 0 {
                bail!("the system clock is before 1970");
            }
            micros
        },
    };
    let mut out = crate::cli::output::stdout();
    let mut err = anstream::stderr().lock();
    match append_pulse(path, clock, source_node) {
        Ok(ack) => {
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
        Err(WriteError::Violated {
            violations: findings,
            ..
        }) => {
            writeln!(
                err,
                "iss: refusing to append: the time chain does not verify"
            )?;
            crate::cli::refusal::print_violations(&mut err, &findings, true)?;
            Ok(EXIT_VIOLATION)
        }
        Err(e) => {
            writeln!(err, "iss: {e}")?;
            Ok(EXIT_ERROR)
        }
    }
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
