//! `iss tui A B …` and `iss tui --fleet FILE`: the workstation's fleet
//! view ([`crate::tui::fleet`]). With one path and no `--fleet`, `iss tui
//! PATH` is the one-ledger workstation, as before.

use super::args::{TrustArgs, TuiArgs};
use crate::ledger::fleet::{Entry, list};
use anyhow::bail;
use std::path::Path;

/// Whether these arguments ask for the fleet view.
pub fn wanted(args: &TuiArgs) -> bool {
    args.fleet.is_some() || !args.more.is_empty()
}

/// Refuse the options that belong to one ledger (its keys, its trusted
/// checkpoints and pinned signing keys, writes): a fleet is reviewed
/// read-only, each ledger with its own metadata and the remembered state.
pub fn refuse_one_ledger_options(
    mac_key: Option<&Path>,
    trust: &TrustArgs,
    write: bool,
) -> anyhow::Result<()> {
    let given = [
        (write, "--write"),
        (mac_key.is_some(), "--mac-key (or ISS_MAC_KEY)"),
        (!trust.trust.is_empty(), "--trust"),
        (!trust.vkey.is_empty(), "--vkey"),
    ];
    if let Some((_, name)) = given.iter().find(|(on, _)| *on) {
        bail!(
            "{name} applies to one ledger; a fleet is reviewed read-only, each ledger with \
             its own metadata (MACs reported as not checked): open that ledger alone for it"
        );
    }
    Ok(())
}

/// The fleet's entries: the fleet file's, or the paths given, named as written.
pub fn entries(args: &TuiArgs) -> anyhow::Result<Vec<Entry>> {
    if let Some(file) = &args.fleet {
        if !args.more.is_empty() {
            bail!("expected either ledger paths or --fleet FILE, found both");
        }
        return Ok(list::read(file)?);
    }
    let mut entries: Vec<Entry> = Vec::new();
    for p in args.path.iter().chain(&args.more) {
        let e = Entry::from_argument(p).map_err(anyhow::Error::msg)?;
        if entries.iter().any(|x| x.location == e.location) {
            bail!("{}: expected each ledger once, found it twice", p.display());
        }
        entries.push(e);
    }
    Ok(entries)
}

/// Open the fleet view; its exit status is 0 (the verdicts are on screen).
pub fn run(args: &TuiArgs) -> anyhow::Result<u8> {
    refuse_one_ledger_options(args.mac_key.as_deref(), &args.trust, args.write)?;
    let entries = entries(args)?;
    crate::tui::fleet::run::run(
        entries,
        &crate::tui::fleet::run::FleetOptions {
            theme: args.theme,
            clock: super::clock::clock()?,
            verify: crate::ledger::verify::VerifyOptions {
                trust: super::trust::resolve(&args.trust, true)?,
                ..Default::default()
            },
        },
    )?;
    Ok(super::EXIT_OK)
}
