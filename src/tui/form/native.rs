//! The form on a native ledger: append (as previewed by
//! [`crate::ledger::open::Ledger::preview_descriptor`]) through the native
//! writer (which verifies the ledger first), signing with the workstation's
//! key (`--key`, else `<ledger>.key` when present) and, on a keyed ledger,
//! with its MAC key (`--mac-key`).

use super::Refusal;
use crate::ledger::model::new_descriptor::NewDescriptor;
use crate::ledger::native::write::descriptors::{NativePreview, append_previewed};
use crate::ledger::native::write::{CheckpointStatus, NativeWriter, WriteError};
use crate::tui::strings;
use crate::tui::writes::{Keys, WriteAck};
use std::path::Path;

fn open(ledger: &Path, keys: &Keys) -> Result<NativeWriter, Refusal> {
    NativeWriter::open(ledger, keys.signer.clone(), keys.mac_key.clone()).map_err(|e| refusal(&e))
}

/// Append as previewed; the acknowledgement (with the checkpoint that
/// failed after the record, if one did: the record is durable all the same).
pub fn append(
    ledger: &Path,
    keys: &Keys,
    input: NewDescriptor,
    preview: &NativePreview,
) -> Result<WriteAck, Refusal> {
    let mut w = open(ledger, keys)?;
    let (ack, cp) = append_previewed(&mut w, input, preview).map_err(|e| refusal(&e))?;
    let signed = match &cp {
        CheckpointStatus::Signed(_) => "signed",
        CheckpointStatus::Failed(_) => "not signed",
        CheckpointStatus::NotSigned => strings::NOT_SIGNED,
    };
    Ok(WriteAck {
        text: format!(
            "{} appended {} as record {} (line {}), hash {}, {signed}",
            strings::SYM_OK,
            ack.descriptor_id,
            ack.record.seq,
            ack.record.line,
            ack.record.hash
        ),
        line: ack.record.line,
        follow_up: cp.failure().map(ToString::to_string),
    })
}

/// A native write's refusal: its message, and each violation.
pub(super) fn refusal(e: &WriteError) -> Refusal {
    let details = match e {
        WriteError::Violated {
            violations: findings,
            ..
        } => findings
            .iter()
            .map(|(file, f)| {
                let line = f.line.map_or_else(String::new, |l| format!(":{l}"));
                format!("{} {file}{line} {}: {}", strings::SYM_BAD, f.kind, f.detail)
            })
            .collect(),
        _ => Vec::new(),
    };
    Refusal {
        title: e.to_string(),
        details,
    }
}
