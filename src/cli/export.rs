//! `iss export PATH --out DIR`: the evidence bundle (a JSON document and
//! its Markdown report, every file fingerprinted).

use super::args::ExportArgs;
use std::io::Write;

/// Run `iss export`.
pub fn run(args: &ExportArgs) -> anyhow::Result<u8> {
    let clock = super::clock::clock()?;
    let w = crate::analysis::export::write_bundle(&args.path, &args.out, args.force, &*clock)
        .map_err(anyhow::Error::msg)?;
    let mut out = super::output::stdout();
    writeln!(
        out,
        "wrote {} and {} ({} files fingerprinted)",
        w.json.display(),
        w.markdown.display(),
        w.files
    )?;
    Ok(super::verdict_exit(w.status))
}
