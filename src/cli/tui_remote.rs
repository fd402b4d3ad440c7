//! `iss tui LOCATION`: the workstation on a published ledger
//! (`docs/REMOTE.md`), read-only; the location is checked before the
//! terminal is taken.

use crate::ledger::native::format::meta::METADATA_FILE;
use crate::remote::Location;
use anyhow::bail;
use std::path::Path;

/// Refuse `--write` on a location, and say at once (one line, before the
/// terminal is taken) when it holds no published ledger or cannot be read.
pub fn check(location: &Path, write: bool) -> anyhow::Result<()> {
    if write {
        bail!(
            "--write: {} is a published location, read-only; append to the ledger it was published from",
            location.display()
        );
    }
    let l = Location::open(location)?;
    if l.get(METADATA_FILE)?.is_none() {
        bail!(
            "{}: expected a published ledger ({METADATA_FILE} and a folder per chain, docs/TILES.md), found no {METADATA_FILE}",
            l.name()
        );
    }
    Ok(())
}
