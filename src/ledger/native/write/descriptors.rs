//! Appending SPICE descriptors to a native ledger: each input completed the
//! way the legacy service completes it (id, time), checked by the legacy
//! schema (and the 33020 ratings when given), written as one batch, and
//! signed in a checkpoint when the signing key is at hand.

use crate::ledger::model::new_descriptor::{NewDescriptor, complete};
use crate::ledger::native::format::bodies::descriptor_body;
use crate::ledger::native::format::meta::Chain;
use crate::ledger::native::write::{
    CheckpointStatus, InvalidRecord, NativeWriter, RecordAck, WriteError,
};
use serde::Serialize;

/// An acknowledged descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DescriptorAck {
    /// Its `descriptor_id`.
    pub descriptor_id: String,
    /// The record.
    #[serde(flatten)]
    pub record: RecordAck,
}

/// What a native descriptor append will write, shown before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativePreview {
    /// The exact line.
    pub line: String,
    /// Its seq, line, offset and hash.
    pub record: RecordAck,
    /// Its `descriptor_id`.
    pub descriptor_id: String,
    /// The time it was built for (Unix microseconds).
    pub now_micros: i64,
}

fn body_of(input: NewDescriptor, now_micros: i64) -> Result<(String, String), WriteError> {
    let mut input = input;
    let ratings = input.attribute_ratings.take();
    let d = complete(input, now_micros);
    let body = descriptor_body(&d, ratings.as_ref())
        .map_err(|problems| WriteError::InvalidRecord(InvalidRecord::Descriptor { problems }))?;
    Ok((d.descriptor_id, body))
}

/// The line `input` would be appended as (nothing written, no lock).
pub fn preview_descriptor(
    w: &NativeWriter,
    input: NewDescriptor,
    now_micros: i64,
) -> Result<NativePreview, WriteError> {
    let (descriptor_id, body) = body_of(input, now_micros)?;
    let (mut lines, mut acks) = w.build(Chain::Descriptors, &[body])?;
    match (lines.pop(), acks.pop()) {
        (Some(line), Some(record)) => Ok(NativePreview {
            line,
            record,
            descriptor_id,
            now_micros,
        }),
        _ => Err(WriteError::InvalidRecord(InvalidRecord::NothingToAppend)),
    }
}

/// Append `input` exactly as `preview` showed it (refused, nothing written,
/// when the line built under the lock differs), then sign when possible.
/// `Ok` means the record is durable, whatever the checkpoint's status.
pub fn append_previewed(
    w: &mut NativeWriter,
    input: NewDescriptor,
    preview: &NativePreview,
) -> Result<(DescriptorAck, CheckpointStatus), WriteError> {
    let (descriptor_id, body) = body_of(input, preview.now_micros)?;
    let record = w
        .append_expecting(
            Chain::Descriptors,
            &[body],
            Some(std::slice::from_ref(&preview.line)),
        )?
        .pop()
        .ok_or(WriteError::InvalidRecord(InvalidRecord::NothingWritten))?;
    let cp = w.checkpoint_after_append(Chain::Descriptors);
    Ok((
        DescriptorAck {
            descriptor_id,
            record,
        },
        cp,
    ))
}

/// Append `inputs` as one batch; then, when `checkpoint` is asked for and
/// the writer holds the signing key, checkpoint the chain. `Ok` means the
/// records are durable, whatever the checkpoint's status.
pub fn append_descriptors(
    w: &mut NativeWriter,
    inputs: Vec<NewDescriptor>,
    now_micros: i64,
    checkpoint: bool,
) -> Result<(Vec<DescriptorAck>, CheckpointStatus), WriteError> {
    let acks = append_descriptor_records(w, inputs, now_micros)?;
    let cp = if checkpoint {
        w.checkpoint_after_append(Chain::Descriptors)
    } else {
        CheckpointStatus::NotSigned
    };
    Ok((acks, cp))
}

/// Append `inputs` as one batch, without the checkpoint (for a caller that
/// acknowledges the records before it signs them).
pub fn append_descriptor_records(
    w: &mut NativeWriter,
    inputs: Vec<NewDescriptor>,
    now_micros: i64,
) -> Result<Vec<DescriptorAck>, WriteError> {
    let mut ids = Vec::with_capacity(inputs.len());
    let mut bodies = Vec::with_capacity(inputs.len());
    for (i, mut input) in inputs.into_iter().enumerate() {
        let at = now_micros.saturating_add(i64::try_from(i).unwrap_or(i64::MAX));
        let ratings = input.attribute_ratings.take();
        let d = complete(input, at);
        let body = descriptor_body(&d, ratings.as_ref()).map_err(|problems| {
            WriteError::InvalidRecord(InvalidRecord::DescriptorInBatch {
                index: i + 1,
                problems,
            })
        })?;
        ids.push(d.descriptor_id);
        bodies.push(body);
    }
    let records = w.append(Chain::Descriptors, &bodies)?;
    Ok(ids
        .into_iter()
        .zip(records)
        .map(|(descriptor_id, record)| DescriptorAck {
            descriptor_id,
            record,
        })
        .collect())
}
