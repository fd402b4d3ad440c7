//! Appending SPICE descriptors to a native ledger: each input completed the
//! way the legacy service completes it (id, time), checked by the legacy
//! schema (and the 33020 ratings when given), written as one batch, and
//! signed in a checkpoint when the signing key is at hand.

use crate::ledger::legacy::append::{NewDescriptor, complete};
use crate::ledger::native::bodies::descriptor_body;
use crate::ledger::native::meta::Chain;
use crate::ledger::native::writer::{CheckpointAck, NativeWriteError, NativeWriter, RecordAck};
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

/// Append `inputs` as one batch; then, when the writer holds the signing
/// key, checkpoint the chain.
pub fn append_descriptors(
    w: &mut NativeWriter,
    inputs: Vec<NewDescriptor>,
    now_micros: i64,
    checkpoint: bool,
) -> Result<(Vec<DescriptorAck>, Option<CheckpointAck>), NativeWriteError> {
    let mut ids = Vec::with_capacity(inputs.len());
    let mut bodies = Vec::with_capacity(inputs.len());
    for (i, mut input) in inputs.into_iter().enumerate() {
        let at = now_micros.saturating_add(i64::try_from(i).unwrap_or(i64::MAX));
        let ratings = input.attribute_ratings.take();
        let d = complete(input, at);
        let body = descriptor_body(&d, ratings.as_ref()).map_err(|problems| {
            NativeWriteError::InvalidRecord(format!("record {}: {}", i + 1, problems.join("; ")))
        })?;
        ids.push(d.descriptor_id);
        bodies.push(body);
    }
    let records = w.append(Chain::Descriptors, &bodies)?;
    let acks = ids
        .into_iter()
        .zip(records)
        .map(|(descriptor_id, record)| DescriptorAck {
            descriptor_id,
            record,
        })
        .collect();
    let cp = if checkpoint {
        Some(w.checkpoint(Chain::Descriptors)?)
    } else {
        None
    };
    Ok((acks, cp))
}
