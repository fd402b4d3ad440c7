//! The form on a native ledger: preview and append through the native
//! writer (which verifies the ledger first), signing with `<ledger>.key`
//! when it is beside the ledger.

use super::Refusal;
use crate::ledger::legacy::append::NewDescriptor;
use crate::ledger::native::descriptors::{NativePreview, append_previewed, preview_descriptor};
use crate::ledger::native::secret::{default_key_path, read_signer};
use crate::ledger::native::writer::{NativeWriteError, NativeWriter};
use crate::tui::strings;
use std::path::Path;

fn open(ledger: &Path) -> Result<NativeWriter, Refusal> {
    let key = default_key_path(ledger);
    let signer = if key.exists() {
        Some(read_signer(&key).map_err(|e| plain(e.to_string()))?)
    } else {
        None
    };
    NativeWriter::open(ledger, signer, None).map_err(|e| refusal(&e))
}

/// The exact line the record would be written as.
pub fn preview(ledger: &Path, input: NewDescriptor, now: i64) -> Result<NativePreview, Refusal> {
    let w = open(ledger)?;
    preview_descriptor(&w, input, now).map_err(|e| refusal(&e))
}

/// Append as previewed; the acknowledgement text and the new line.
pub fn append(
    ledger: &Path,
    input: NewDescriptor,
    preview: &NativePreview,
) -> Result<(String, u64), Refusal> {
    let mut w = open(ledger)?;
    let (ack, cp) = append_previewed(&mut w, input, preview).map_err(|e| refusal(&e))?;
    let signed = if cp.is_some() {
        "signed"
    } else {
        "NOT signed (no key beside the ledger): hashes only until `iss checkpoint`"
    };
    Ok((
        format!(
            "{} appended {} as record {} (line {}), hash {}, {signed}; reloading",
            strings::SYM_OK,
            ack.descriptor_id,
            ack.record.seq,
            ack.record.line,
            ack.record.hash
        ),
        ack.record.line,
    ))
}

fn plain(text: String) -> Refusal {
    Refusal {
        title: text,
        details: Vec::new(),
    }
}

fn refusal(e: &NativeWriteError) -> Refusal {
    let details = match e {
        NativeWriteError::Violated(findings) => findings
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
