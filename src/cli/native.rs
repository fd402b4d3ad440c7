//! What the write commands share: opening a ledger with its keys, the
//! run's clock, a native write's refusals, acknowledgements and follow-ups.
//! Every write goes through the ledger's writer and so through
//! `ledger::append`.

use super::args::KeyFiles;
use super::{EXIT_ERROR, EXIT_OK, EXIT_VIOLATION};
use crate::ledger::append::{EXIT_DURABLE_FOLLOW_UP_FAILED, FollowUpFailed};
use crate::ledger::native::write::descriptors::DescriptorAck;
use crate::ledger::native::write::pulse::PulseAck as NativePulseAck;
use crate::ledger::native::write::{CheckpointStatus, WriteError};
use crate::ledger::open::{Ledger, OpenOptions};
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

/// A native append's durable records, one line (or JSON document) each:
/// acknowledged as soon as they are durable, before the checkpoint.
pub(super) fn print_acks(
    out: &mut impl Write,
    acks: &[DescriptorAck],
    json: bool,
) -> std::io::Result<()> {
    for ack in acks {
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
    out.flush()
}

/// The checkpoint after a native append's records: signed, not signed
/// (no key: a warning), or failed (the records stay durable: exit 3).
pub(super) fn checkpointed(
    mut out: impl Write,
    checkpoint: CheckpointStatus,
    json: bool,
) -> anyhow::Result<u8> {
    match (checkpoint, json) {
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

/// A native pulse is durable: print it (the JSON document carries the
/// checkpoint, or why there is none), then warn when it is not signed.
pub(super) fn pulse_appended(ack: &NativePulseAck, json: bool) -> anyhow::Result<u8> {
    let mut out = super::output::stdout();
    if json {
        writeln!(out, "{}", serde_json::to_string(ack)?)?;
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
