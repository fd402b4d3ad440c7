//! `:export FILE.jsonl` and `:export FILE.csv`: the marked records of the
//! chain in the browser (`m`), or when none is marked the records the
//! browser shows (the `:filter` in effect, else the whole chain).
//!
//! JSONL is each record's line exactly as stored (its bytes, then LF); CSV
//! is one row per record, a `line` column and then the record's fields in
//! stored order (a native body's as `body.NAME`), numbers as written.
//! Written off the UI thread into a temporary file beside the destination,
//! synced, then moved into place: the destination is either untouched or
//! complete. Never over an existing file without `--force`, never inside
//! the ledger's folder.

use crate::ledger::io::line_index::IndexedFile;
use crate::ledger::model::report::LedgerStatus;
use crate::tui::msg::Msg;
use crate::tui::{stored_fields, strings};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

/// How the records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One stored line per record.
    Jsonl,
    /// A header and one row per record.
    Csv,
}

impl Shape {
    /// The shape a file name asks for, by its extension.
    pub fn of(path: &Path) -> Option<Shape> {
        match path.extension()?.to_str()? {
            "jsonl" => Some(Shape::Jsonl),
            "csv" => Some(Shape::Csv),
            _ => None,
        }
    }
}

/// Which records: what the message says was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// The records marked with `m`.
    Marked,
    /// The records a `:filter` keeps.
    Filtered,
    /// Every record of the chain.
    All,
}

/// A records export to run off the UI thread.
#[derive(Debug)]
pub struct RecordsJob {
    /// The chain file, as indexed when the export was asked for.
    pub file: IndexedFile,
    /// The chain's name (`spice_chain`, ...).
    pub chain: &'static str,
    /// The 0-based lines, ascending.
    pub lines: Vec<u64>,
    /// Which records they are.
    pub selection: Selection,
    /// How many of them carry a finding (their own or one implicating them).
    pub with_findings: usize,
    /// The destination.
    pub out: PathBuf,
    /// JSONL or CSV.
    pub shape: Shape,
    /// Whether an existing destination may be replaced.
    pub force: bool,
    /// The ledger's folder: nothing is written under it.
    pub ledger: PathBuf,
    /// The ledger's verdict when the export was asked for (`None`: not known yet).
    pub verdict: Option<LedgerStatus>,
}

impl RecordsJob {
    /// Write the file; the message that says what was written, or why not.
    pub fn run(&self) -> Result<String, String> {
        refuse_inside_ledger(&self.out, &self.ledger)?;
        if !self.force && self.out.exists() {
            return Err(strings::export_exists(&self.out));
        }
        let dir = self
            .out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(".iss-export-")
            .tempfile_in(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut w = BufWriter::new(tmp.as_file());
        match self.shape {
            Shape::Jsonl => self.write_jsonl(&mut w),
            Shape::Csv => self.write_csv(&mut w),
        }
        .and_then(|()| w.flush())
        .map_err(|e| format!("writing {}: {e}", self.out.display()))?;
        drop(w);
        tmp.as_file()
            .sync_all()
            .map_err(|e| format!("syncing {}: {e}", self.out.display()))?;
        let placed = if self.force {
            tmp.persist(&self.out).map(drop)
        } else {
            tmp.persist_noclobber(&self.out).map(drop)
        };
        placed.map_err(|e| {
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                strings::export_exists(&self.out)
            } else {
                format!("{}: {}", self.out.display(), e.error)
            }
        })?;
        // The rename is durable once the folder is synced.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(strings::records_exported(self))
    }

    /// The stored line `n`, without its terminator.
    fn stored(&self, n: u64) -> io::Result<Vec<u8>> {
        match self.file.read_line(n, usize::MAX)? {
            Some(t) => Ok(t.bytes),
            None => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("line {} is past the end of {}", n + 1, self.chain),
            )),
        }
    }

    fn write_jsonl(&self, w: &mut impl Write) -> io::Result<()> {
        for &n in &self.lines {
            w.write_all(&self.stored(n)?)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Two passes: the columns are every field any exported record has, in
    /// the order they first appear, so no record's field is dropped.
    fn write_csv(&self, w: &mut impl Write) -> io::Result<()> {
        let mut columns: Vec<String> = Vec::new();
        for &n in &self.lines {
            for (name, _) in fields_of(&self.stored(n)?) {
                if !columns.contains(&name) {
                    columns.push(name);
                }
            }
        }
        let mut header = vec!["line".to_owned()];
        header.extend(columns.iter().cloned());
        csv_row(w, &header)?;
        for &n in &self.lines {
            let fields = fields_of(&self.stored(n)?);
            let mut row = vec![(n + 1).to_string()];
            row.extend(columns.iter().map(|c| {
                fields
                    .iter()
                    .find(|(k, _)| k == c)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            }));
            csv_row(w, &row)?;
        }
        Ok(())
    }
}

/// A line's fields; a line that is not a JSON object is one field, `unparsed`,
/// holding its text, so nothing exported is silently dropped.
fn fields_of(bytes: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(bytes);
    stored_fields::flattened(&text).unwrap_or_else(|| vec![("unparsed".to_owned(), text.into())])
}

/// One CSV row (RFC 4180: a cell with a comma, quote, CR or LF is quoted,
/// its quotes doubled; rows end in CR LF). A cell starting with `=`, `+`,
/// `-` or `@` is written as it is: evidence is not rewritten, so open the
/// file in a spreadsheet with formulas off.
fn csv_row(w: &mut impl Write, cells: &[String]) -> io::Result<()> {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        if c.contains([',', '"', '\r', '\n']) {
            write!(w, "\"{}\"", c.replace('"', "\"\""))?;
        } else {
            w.write_all(c.as_bytes())?;
        }
    }
    w.write_all(b"\r\n")
}

/// The export must not land in the ledger's folder (a verifier reading the
/// folder would meet it; and review never writes there).
pub fn refuse_inside_ledger(out: &Path, ledger: &Path) -> Result<(), String> {
    let root = if ledger.is_dir() {
        ledger
    } else {
        ledger.parent().unwrap_or(Path::new("."))
    };
    let dest = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let (Ok(r), Ok(d)) = (std::fs::canonicalize(root), std::fs::canonicalize(dest))
        && d.starts_with(&r)
    {
        return Err(format!(
            "{}: exports are written outside the ledger folder {}",
            out.display(),
            root.display()
        ));
    }
    Ok(())
}

/// Run `job` on its own thread and report back as [`Msg::Exported`].
pub fn spawn(job: RecordsJob, tx: Sender<Msg>) {
    std::thread::spawn(move || {
        let _ = tx.send(Msg::Exported(job.run()));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_only_when_they_must_be() {
        let mut out = Vec::new();
        csv_row(
            &mut out,
            &["a".into(), "b,c".into(), "say \"hi\"".into(), "x\ny".into()],
        )
        .unwrap();
        assert_eq!(out, b"a,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\"\r\n");
    }
}
