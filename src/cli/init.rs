//! `iss init`: a new native ledger, its metadata and keys. The write goes
//! through the native writer and so through `ledger::append`.

use super::EXIT_OK;
use super::args::InitArgs;
use crate::ledger::native::secret::default_key_path;
use crate::ledger::native::write::WriteError;
use crate::ledger::native::write::init::{InitOptions, init};
use crate::time::civil::iso_from_micros;
use std::io::Write;
use std::path::Path;

/// Run `iss init`.
pub fn run(args: &InitArgs) -> anyhow::Result<u8> {
    let opts = init_options(args)?;
    let done = match init(&args.path, &opts) {
        Ok(d) => d,
        Err(e) => return unfinished_refusal(&e, &args.path, &opts),
    };
    let mut out = super::output::stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&done)?)?;
        return Ok(EXIT_OK);
    }
    writeln!(
        out,
        "created native ledger {} (origin {})",
        done.ledger, done.origin
    )?;
    writeln!(
        out,
        "signing key: {} (mode 0600; keep it outside the ledger, back it up)",
        done.signing_key_file
    )?;
    if let (Some(f), Some(id)) = (&done.mac_key_file, &done.mac_key_id) {
        writeln!(
            out,
            "HMAC key:    {f} (id {id}, mode 0600): every record carries a MAC under it"
        )?;
    }
    writeln!(
        out,
        "verifier key (publish it; verifiers check checkpoints with it):"
    )?;
    writeln!(out, "  {}", done.verifier_key)?;
    Ok(EXIT_OK)
}

/// [`super::native::refusal`] for `iss init` and `iss migrate`: when the command stopped
/// after marking the folder unfinished, also say how to start again.
pub(super) fn unfinished_refusal(
    e: &WriteError,
    dir: &Path,
    opts: &InitOptions,
) -> anyhow::Result<u8> {
    let code = super::native::refusal(e)?;
    if !e.says_how_to_start_again()
        && dir
            .join(crate::ledger::native::write::init::UNFINISHED_MARKER)
            .exists()
    {
        let mut keys = vec![opts.key_path.as_path()];
        keys.extend(opts.mac_key_path.as_deref());
        writeln!(
            anstream::stderr(),
            "iss: {}",
            crate::ledger::native::write::init::start_again_hint(dir, &keys)
        )?;
    }
    Ok(code)
}

/// The new ledger's options from the command line: its origin (by default
/// `iss.local/` and the folder's name), key files and creation time.
pub(super) fn init_options(args: &InitArgs) -> anyhow::Result<InitOptions> {
    let name = args
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("ledger")
        .replace(|c: char| c.is_whitespace() || c == '+', "-");
    let opts = InitOptions {
        origin: args
            .origin
            .clone()
            .unwrap_or_else(|| format!("iss.local/{name}")),
        key_path: args
            .key
            .clone()
            .unwrap_or_else(|| default_key_path(&args.path)),
        mac_key_path: args.mac_key.clone(),
        created: iso_from_micros(super::native::now_micros()?).replace("+00:00", "Z"),
        genesis_extra: None,
    };
    Ok(opts)
}
