//! The native side of `iss append descriptor|pulse`, and what the native
//! write commands share: opening a ledger with its keys, the run's clock,
//! refusals and follow-ups. Every write goes through the native writer and
//! so through `ledger::append`.

use super::args::KeyFiles;
use super::{EXIT_ERROR, EXIT_OK, EXIT_VIOLATION};
use crate::ledger::append::{EXIT_DURABLE_FOLLOW_UP_FAILED, FollowUpFailed};
use crate::ledger::model::new_descriptor::NewDescriptor;
use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::write::descriptors::append_descriptor_records;
use crate::ledger::native::write::{CheckpointStatus, WriteError};
use crate::ledger::open::{Ledger, OpenOptions};
use anyhow::Context;
use std::io::Write;
use std::path::Path;

/// Microseconds since 1970 now, from the run's clock ([`super::clock`]).
pub fn now_micros() -> anyhow::Result<i64> {
    super::clock::now_micros(&*super::clock::clock()?)
}

/// Open the ledger at `path` with the key files given: its format, and
/// for a native ledger the signing key (`--key`, else `<ledger>.key` when
/// it exists) and the HMAC key (`--mac-key`, refused when it is not the
/// ledger's).
pub fn open(path: &Path, keys: &KeyFiles) -> anyhow::Result<Ledger> {
    Ok(Ledger::open(
        path,
        &OpenOptions {
            key: keys.key.as_deref(),
            mac_key: keys.mac_key.as_deref(),
        },
    )?)
}

/// Say that what was printed above (`subject`, e.g. "the pulse above is")
/// is durable but `f` failed; exit 3.
pub(super) fn follow_up_failed(
    f: &FollowUpFailed,
    json: bool,
    subject: &str,
) -> anyhow::Result<u8> {
    if json {
        let mut out = anstream::stdout().lock();
        writeln!(out, "{}", serde_json::json!({ "follow_up_failed": f }))?;
    }
    writeln!(
        anstream::stderr(),
        "iss: {subject} durable and acknowledged, but {f}"
    )?;
    Ok(EXIT_DURABLE_FOLLOW_UP_FAILED)
}

/// Print a refusal and map it to an exit status.
pub(super) fn refusal(e: &WriteError) -> anyhow::Result<u8> {
    let mut err = anstream::stderr().lock();
    writeln!(err, "iss: {e}")?;
    if let WriteError::Append(a) = e
        && !a.left_file_unchanged()
    {
        writeln!(
            err,
            "iss: nothing was acknowledged, but unacknowledged bytes may be left: run `iss verify`, then `iss repair`"
        )?;
    }
    if let WriteError::Violated {
        violations: findings,
        ..
    } = e
    {
        super::refusal::print_violations(&mut err, findings, true)?;
        return Ok(EXIT_VIOLATION);
    }
    Ok(EXIT_ERROR)
}

/// The native side of `iss append descriptor`.
pub fn append_descriptor(
    ledger: &Ledger,
    inputs: Vec<NewDescriptor>,
    json: bool,
) -> anyhow::Result<u8> {
    let mut w = match ledger.native_writer() {
        Ok(w) => w,
        Err(e) => return refusal(&e),
    };
    let acks = match append_descriptor_records(&mut w, inputs, now_micros()?) {
        Ok(x) => x,
        Err(e) => return refusal(&e),
    };
    // Acknowledged as soon as they are durable, before the checkpoint.
    let mut out = super::output::stdout();
    for ack in &acks {
        if json {
            writeln!(out, "{}", serde_json::to_string(ack)?)?;
        } else {
            writeln!(
                out,
                "appended descriptor {} as record {} (line {} of descriptors.jsonl), hash {}",
                ack.descriptor_id, ack.record.seq, ack.record.line, ack.record.hash
            )?;
        }
    }
    out.flush()?;
    match (w.checkpoint_after_append(Chain::Descriptors), json) {
        (CheckpointStatus::Signed(c), true) => {
            writeln!(out, "{}", serde_json::json!({ "checkpoint": c }))?;
        }
        (CheckpointStatus::Signed(c), false) => writeln!(
            out,
            "checkpoint: descriptors size {} root {} signed with key {}",
            c.size, c.root, c.key_id
        )?,
        (CheckpointStatus::NotSigned, _) => writeln!(
            anstream::stderr(),
            "iss: warning: no signing key: the record(s) are protected by hashes only until `iss checkpoint --key FILE`"
        )?,
        (CheckpointStatus::Failed(f), _) => {
            drop(out);
            return follow_up_failed(&f, json, "the record(s) above are");
        }
    }
    Ok(EXIT_OK)
}

/// The native side of `iss append pulse`.
pub fn append_pulse(
    ledger: &Ledger,
    at: Option<&str>,
    mono_ns: Option<i64>,
    json: bool,
) -> anyhow::Result<u8> {
    let mut reading = super::clock::clock()?.read();
    if let Some(text) = at {
        // Microseconds, as for legacy pulses: exact through the parser's f64.
        reading.utc_unix_ns = super::append::pulse::micros_of(text)?.saturating_mul(1000);
    }
    if let Some(m) = mono_ns {
        reading.mono_ns = u64::try_from(m).context("--mono-ns must not be negative")?;
    }
    let leaps = crate::time::leap_seconds::LeapSecondList::best_available()?;
    let mut w = match ledger.native_writer() {
        Ok(w) => w,
        Err(e) => return refusal(&e),
    };
    let ack = match crate::ledger::native::write::pulse::append_pulse(&mut w, &reading, &leaps) {
        Ok(a) => a,
        Err(e) => return refusal(&e),
    };
    let mut out = super::output::stdout();
    if json {
        writeln!(out, "{}", serde_json::to_string(&ack)?)?;
    } else {
        writeln!(
            out,
            "appended pulse as record {} (line {} of pulses.jsonl): utc {}, tai_ns {}, ΔAT {} s{}, hash {}",
            ack.record.seq,
            ack.record.line,
            ack.pulse.utc,
            ack.pulse.tai_ns,
            ack.pulse.leap_seconds.delta_at_s,
            if ack.pulse.leap_seconds.delta_at_known {
                ""
            } else {
                " (ASSUMED: the leap-second list had expired)"
            },
            ack.record.hash
        )?;
    }
    if let Some(f) = &ack.checkpoint_failed {
        drop(out);
        // The JSON document above already carries `checkpoint_failed`.
        return follow_up_failed(f, false, "the pulse above is");
    }
    if ack.checkpoint.is_none() {
        writeln!(
            anstream::stderr(),
            "iss: warning: no signing key: the pulse is protected by hashes only until `iss checkpoint --key FILE`"
        )?;
    }
    Ok(EXIT_OK)
}
