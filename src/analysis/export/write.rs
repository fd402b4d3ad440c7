//! Writing an evidence bundle to files: the JSON document and its Markdown
//! beside it, never over an existing file unless asked, never inside the
//! ledger it describes.

use super::bundle;
use crate::ledger::clock::Clock;
use crate::ledger::model::report::LedgerStatus;
use crate::ledger::open::Ledger;
use crate::ledger::verify::VerifyOptions;
use crate::time::civil::iso_from_micros;
use std::path::{Path, PathBuf};

/// What [`write_bundle`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// The JSON file.
    pub json: PathBuf,
    /// The Markdown file beside it.
    pub markdown: PathBuf,
    /// How many ledger files were fingerprinted.
    pub files: usize,
    /// The ledger's verdict.
    pub status: LedgerStatus,
}

/// Verify `ledger`, build its evidence bundle and write it to `json` (and
/// `json` with `.md`). Refuses to overwrite unless `force`, and refuses a
/// destination inside the ledger's folder (review never writes there).
/// The bundle's `generated_at` is read from `clock`.
pub fn write_bundle(
    ledger: &Path,
    json: &Path,
    force: bool,
    clock: &dyn Clock,
) -> Result<Written, String> {
    let markdown = json.with_extension("md");
    if json == markdown {
        return Err(format!(
            "{}: give the JSON file a name ending in .json (the Markdown goes beside it as .md)",
            json.display()
        ));
    }
    let root = if ledger.is_dir() {
        ledger
    } else {
        ledger.parent().unwrap_or(Path::new("."))
    };
    let dest_dir = json
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let (Ok(r), Ok(d)) = (std::fs::canonicalize(root), std::fs::canonicalize(dest_dir))
        && d.starts_with(&r)
    {
        return Err(format!(
            "{}: the bundle must be written outside the ledger folder {}",
            json.display(),
            root.display()
        ));
    }
    // An earlier bundle may already be in an auditor's file: never replace it silently.
    for p in [json, &markdown] {
        if p.exists() && !force {
            return Err(format!(
                "{} already exists; refusing to overwrite (use --force)",
                p.display()
            ));
        }
    }
    let options = VerifyOptions::default();
    let report = Ledger::at(ledger)
        .verify(&options)
        .map_err(|e| e.to_string())?;
    let status = report.status;
    let now = clock.now_micros();
    if now < 0 {
        return Err("the system clock is before 1970".to_owned());
    }
    let generated = iso_from_micros(now);
    let b = bundle(report, &options, generated)
        .map_err(|e| format!("fingerprinting and reading the ledger's files: {e}"))?;
    let mut text = serde_json::to_string_pretty(&b).map_err(|e| e.to_string())?;
    text.push('\n');
    std::fs::write(json, text).map_err(|e| format!("writing {}: {e}", json.display()))?;
    std::fs::write(&markdown, b.to_markdown())
        .map_err(|e| format!("writing {}: {e}", markdown.display()))?;
    Ok(Written {
        json: json.to_owned(),
        markdown,
        files: b.files.len(),
        status,
    })
}
