//! Appending a forensic time pulse to a native ledger's `pulses` chain: one
//! clock reading turned into the body of `docs/FORMAT.md` §10.1, written
//! through the native writer (and so the append module), then signed.

use crate::ledger::append::FollowUpFailed;
use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::format::pulse::PulseBody;
use crate::ledger::native::format::pulse::clock::ClockReading;
use crate::ledger::native::write::{
    CheckpointAck, InvalidRecord, NativeWriter, RecordAck, WriteError,
};
use crate::time::leap_seconds::LeapSecondList;
use serde::Serialize;

/// An acknowledged pulse.
#[derive(Debug, Clone, Serialize)]
pub struct PulseAck {
    /// The record.
    #[serde(flatten)]
    pub record: RecordAck,
    /// The body written.
    pub pulse: PulseBody,
    /// The checkpoint signed after it, when the writer holds the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<CheckpointAck>,
    /// The checkpoint that failed after it (the pulse is durable all the
    /// same): why, and the command that finishes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_failed: Option<FollowUpFailed>,
}

/// Append the pulse of `reading` (ΔAT from `leaps`); checkpoint the chain
/// when the writer can sign. `Ok` means the pulse is durable, whatever the
/// checkpoint's status.
pub fn append_pulse(
    w: &mut NativeWriter,
    reading: &ClockReading,
    leaps: &LeapSecondList,
) -> Result<PulseAck, WriteError> {
    let pulse = PulseBody::new(reading, leaps)
        .map_err(|e| WriteError::InvalidRecord(InvalidRecord::Pulse(Box::new(e))))?;
    let record = w
        .append(Chain::Pulses, &[pulse.to_json()])?
        .pop()
        .ok_or(WriteError::InvalidRecord(InvalidRecord::NoRecordWritten))?;
    let status = w.checkpoint_after_append(Chain::Pulses);
    Ok(PulseAck {
        record,
        pulse,
        checkpoint: status.ack().cloned(),
        checkpoint_failed: status.failure().cloned(),
    })
}
