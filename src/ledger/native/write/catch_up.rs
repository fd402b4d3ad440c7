//! Bringing a writer's verified state up to date with its chain file.

use super::{Moved, WriteError, torn_refusal};
use crate::ledger::append::TailState;
use crate::ledger::io::reader::LineReader;
use crate::ledger::model::finding::Severity;
use crate::ledger::native::secret::MacKey;
use crate::ledger::native::verify::chain::NativeChainVerifier;
use crate::ledger::write_error::Refusing;
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Compare the file's tail `now` with what `v` verified. Equal: nothing to
/// do. Longer, with the last verified line unchanged where it was: verify
/// the new lines into `v` (another writer appended). Anything else refuses.
pub fn catch_up(
    path: &Path,
    now: TailState,
    v: &mut NativeChainVerifier,
    key: Option<&MacKey>,
) -> Result<(), WriteError> {
    if let Some(e) = torn_refusal(path, &now) {
        return Err(e);
    }
    let verified = v.tail();
    let current = now.complete();
    if current == verified {
        return Ok(());
    }
    if current.len < verified.len {
        return Err(WriteError::Moved(Moved::Shorter {
            path: path.to_path_buf(),
            now: current.len,
            verified: verified.len,
        }));
    }
    let mut f = crate::ledger::input::open_regular(path).map_err(|e| WriteError::Io {
        path: path.to_path_buf(),
        error: e,
    })?;
    if let Some(expected) = verified.last_line_sha256 {
        let start = v.last_offset();
        let mut last = vec![0u8; (verified.len - start - 1) as usize];
        f.seek(SeekFrom::Start(start))
            .and_then(|_| f.read_exact(&mut last))
            .map_err(|e| WriteError::Io {
                path: path.to_path_buf(),
                error: e,
            })?;
        let found: [u8; 32] = Sha256::digest(&last).into();
        if found != expected {
            return Err(WriteError::Moved(Moved::LastLineChanged {
                path: path.to_path_buf(),
                start,
            }));
        }
    }
    f.seek(SeekFrom::Start(verified.len))
        .map_err(|e| WriteError::Io {
            path: path.to_path_buf(),
            error: e,
        })?;
    let (base_line, base_off) = (v.records(), verified.len);
    let mut reader = LineReader::new(f.take(current.len - verified.len));
    let mut findings = Vec::new();
    while let Some(line) = reader.next_line().map_err(|e| WriteError::Io {
        path: path.to_path_buf(),
        error: e,
    })? {
        let mut line = line;
        line.number += base_line;
        line.offset += base_off;
        // Only the first line of a file can carry a BOM.
        line.bom = false;
        v.feed(key, &line, &mut findings);
    }
    let violations: Vec<_> = findings
        .into_iter()
        .filter(|f| f.severity == Severity::Violation)
        .map(|f| (v.chain().to_owned(), f))
        .collect();
    if !violations.is_empty() {
        return Err(WriteError::Violated {
            refusing: Refusing::Write,
            violations,
        });
    }
    if v.tail() != current {
        return Err(WriteError::Moved(Moved::WhileReading(path.to_path_buf())));
    }
    Ok(())
}
