//! `iss report maturity`: the capability report over the verified descriptors.

use super::args::{ReportArgs, ReportKind};
use crate::analysis::records::{Exclusions, descriptor_file, maturity_report};
use crate::ledger::model::report::LedgerStatus;
use crate::ledger::open::Ledger;
use crate::ledger::verify::{DESCRIPTOR_FILES, VerifyOptions};
use anyhow::{Context, bail};
use std::io::Write;

/// Run `iss report ...`; return the exit status: 0 when the ledger verified,
/// 1 when it did not (the report is still printed, without the excluded
/// records), 2 on error.
pub fn run(args: &ReportArgs) -> anyhow::Result<u8> {
    match args.kind {
        ReportKind::Maturity => maturity(args),
        ReportKind::Time => super::pulses::report(&args.path, args.json),
    }
}

fn maturity(args: &ReportArgs) -> anyhow::Result<u8> {
    let max_line = VerifyOptions::default().max_line;
    let (verification, optimistic) = verify_and_report(&args.path, max_line)?;
    if verification.status == LedgerStatus::Incomplete {
        bail!(
            "{}: a file could not be read, so no record can be called verified",
            args.path.display()
        );
    }
    let Some(file) = descriptor_file(&verification) else {
        bail!(
            "{}: no SPICE descriptor file in this ledger",
            args.path.display()
        );
    };
    let exclusions = Exclusions::from_report(&verification, file.name());
    let read = verification
        .files
        .iter()
        .find(|f| f.name == file.name())
        .map(|f| f.bytes);
    // The report built while verification read the chain counts every
    // record as verified: it stands only when nothing is excluded and it saw
    // every byte verification read. Otherwise the chain is read once more.
    let (report, chain_reads) = match optimistic {
        Some((Ok(r), seen)) if exclusions.is_empty() && Some(seen) == read => (r, 1),
        _ => (
            maturity_report(file, &exclusions, max_line)
                .with_context(|| format!("reading {}", file.path.display()))?,
            2,
        ),
    };
    let mut out = super::output::stdout();
    if args.json {
        let doc = serde_json::json!({
            "ledger": verification.ledger,
            "verification": { "status": verification.status, "format": verification.format, "tool": verification.tool, "chain_reads": chain_reads },
            "maturity": report,
        });
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", report.to_markdown())?;
    }
    out.flush()?;
    Ok(super::verdict_exit(verification.status))
}

type Optimistic = Option<(
    std::io::Result<crate::analysis::maturity::MaturityReport>,
    u64,
)>;

/// Verify the descriptor files of the ledger at `path` and, in the same
/// pass over the chain (a tap on verification's own read), build the report
/// as if every record verified; also the number of bytes the report saw.
fn verify_and_report(
    path: &std::path::Path,
    max_line: usize,
) -> anyhow::Result<(crate::ledger::model::report::VerifyReport, Optimistic)> {
    use crate::analysis::records::{ChainFile, maturity_report_in};
    use crate::ledger::discover::{FileKind, discover};
    use crate::ledger::io::tap::Tap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let ledger = Ledger::review(path, None)?;
    let found = discover(path)?;
    let target = [
        FileKind::SpiceChain,
        FileKind::NativeDescriptors,
        FileKind::SpiceDescriptorsV1,
    ]
    .into_iter()
    .find_map(|k| found.path_of(k).map(|p| (k, p.to_path_buf())));
    let Some((kind, chain)) = target else {
        return Ok((
            ledger.verify(&VerifyOptions::only(&DESCRIPTOR_FILES))?,
            None,
        ));
    };
    let (tap, reader) = Tap::new(&chain);
    let options = VerifyOptions {
        tap: Some(tap),
        ..VerifyOptions::only(&DESCRIPTOR_FILES)
    };
    let seen = Arc::new(AtomicU64::new(0));
    std::thread::scope(|s| {
        let counted = Counting {
            inner: reader,
            n: Arc::clone(&seen),
        };
        let chain = &chain;
        let builder = s.spawn(move || {
            let file = ChainFile { kind, path: chain };
            maturity_report_in(counted, file, &Exclusions::default(), max_line)
        });
        let verification = ledger.verify(&options);
        // Every copy of the tap must go for the report to see the end.
        drop(options);
        let report = builder
            .join()
            .map_err(|_| anyhow::anyhow!("the report thread failed"))?;
        Ok((verification?, Some((report, seen.load(Ordering::Relaxed)))))
    })
}

/// Counts the bytes read through it.
struct Counting<R> {
    inner: R,
    n: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.n
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}
