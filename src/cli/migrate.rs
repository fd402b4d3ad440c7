//! `iss migrate LEGACY NEW`: a verified legacy ledger copied into a new
//! native ledger; the legacy files are only read.

use super::EXIT_OK;
use super::args::MigrateArgs;
use std::io::Write;

/// Run `iss migrate`.
pub fn run(args: &MigrateArgs) -> anyhow::Result<u8> {
    let opts = super::init::init_options(&args.init)?;
    let done = match crate::ledger::native::write::migrate::migrate(
        &args.legacy,
        &args.init.path,
        &opts,
    ) {
        Ok(d) => d,
        Err(e) => return super::init::unfinished_refusal(&e, &args.init.path, &opts),
    };
    let mut out = super::output::stdout();
    if args.init.json {
        writeln!(out, "{}", serde_json::to_string(&done)?)?;
        return Ok(EXIT_OK);
    }
    writeln!(
        out,
        "migrated {} into native ledger {}: {} descriptor(s), {} pulse(s); the legacy files were only read",
        args.legacy.display(),
        done.ledger.ledger,
        done.descriptors,
        done.pulses
    )?;
    writeln!(
        out,
        "the genesis event records each legacy file's SHA-256, record count and head hash"
    )?;
    writeln!(out, "signing key: {}", done.ledger.signing_key_file)?;
    writeln!(out, "verifier key: {}", done.ledger.verifier_key)?;
    Ok(EXIT_OK)
}
