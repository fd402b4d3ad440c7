//! The checkpoint history's end, and the atomically replaced latest file.

use super::{NativeWriteError, torn_refusal};
use crate::ledger::append::{Tail, TailState};
use crate::ledger::native::history::HistoryLine;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Longest history line read back (a signed note is a few hundred bytes).
const MAX_HISTORY_LINE: u64 = 64 * 1024;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> NativeWriteError + '_ {
    move |e| NativeWriteError::Io(format!("{}: {e}", path.display()))
}

/// The history file's tail and its last entry (`None` when empty or missing).
pub fn history_end(path: &Path) -> Result<(Tail, Option<HistoryLine>), NativeWriteError> {
    let state = Tail::read(path)?;
    if let Some(e) = torn_refusal(path, &state) {
        return Err(e);
    }
    let tail = match state {
        TailState::Missing | TailState::Empty => return Ok((Tail::EMPTY, None)),
        TailState::Clean(t) | TailState::Torn { complete: t, .. } => t,
    };
    let mut f = crate::ledger::input::open_regular(path).map_err(io(path))?;
    let start = tail.len.saturating_sub(MAX_HISTORY_LINE);
    let mut buf = Vec::new();
    f.seek(SeekFrom::Start(start))
        .and_then(|_| f.take(tail.len - start).read_to_end(&mut buf))
        .map_err(io(path))?;
    let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
    let last = body.rsplit(|&b| b == b'\n').next().unwrap_or(body);
    let entry: HistoryLine = serde_json::from_slice(last).map_err(|e| {
        NativeWriteError::Moved(format!(
            "{}: the last entry is not a checkpoint ({e}): run `iss verify`",
            path.display()
        ))
    })?;
    Ok((tail, Some(entry)))
}

/// Replace the latest-checkpoint file with `note`: write a temporary file
/// beside it, fsync, rename over, fsync the directory.
pub fn replace(path: &Path, note: &str) -> Result<(), NativeWriteError> {
    if crate::ledger::input::read_regular(path).is_ok_and(|b| b == note.as_bytes()) {
        return Ok(());
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("checkpoint");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
        .map_err(io(&tmp))?;
    f.write_all(note.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(io(&tmp))?;
    fs::rename(&tmp, path).map_err(io(path))?;
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}
