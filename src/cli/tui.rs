//! `iss [PATH]`, `iss tui PATH`: the terminal workstation, its keys read
//! and its ledger opened before the terminal is taken.

use super::args::TuiArgs;

/// The workstation; its exit status is 0 whatever the ledger holds (the
/// verdict is on screen; `iss verify` is the command whose status tells).
pub fn run(args: TuiArgs) -> anyhow::Result<u8> {
    if super::tui_fleet::wanted(&args) {
        return super::tui_fleet::run(&args);
    }
    let given = args.path.is_some();
    let path = args.path.unwrap_or_else(crate::tui::default_ledger);
    // A path that does not open is `iss verify`'s one-line error, before
    // the terminal is taken: not an empty workstation saying so.
    if crate::remote::is_location(&path) {
        super::tui_remote::check(&path, args.write)?;
    } else if let Err(e) = crate::ledger::discover::discover(&path) {
        if given {
            return Err(e.into());
        }
        anyhow::bail!(
            "no ledger given, and the default cannot be opened ({e}): give one, `iss PATH`"
        );
    }
    // Keys are read before the terminal is taken over, so a key that
    // cannot be used is a plain error here, not a surprise at the first
    // append. The signing key is not even read for a read-only review.
    let keys = crate::ledger::open::Keys::resolve(
        &path,
        args.write,
        args.key.as_deref(),
        args.mac_key.as_deref(),
    )?;
    crate::tui::run(crate::tui::Options {
        theme: args.theme,
        write: args.write,
        keys,
        clock: super::clock::clock()?,
        trust: super::trust::resolve(&args.trust, true)?,
        pinned: super::trust::pinned(&args.trust, &path)?,
        path,
    })?;
    Ok(super::EXIT_OK)
}
