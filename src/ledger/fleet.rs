//! A fleet: many ledgers reviewed at once (`iss tui A B …`, `iss tui
//! --fleet FILE`, `iss watch --fleet FILE`).
//!
//! A fleet is a list of [`Entry`]s, each a name and a [`Location`]: a
//! ledger on this machine, or a published (remote) log. [`list::parse`]
//! reads a fleet file; [`Entry::from_argument`] takes a command-line path.
//! [`watch`] is the one place an entry becomes a running watcher: a local
//! ledger is watched by [`crate::ledger::watch::thread`], and a published
//! location by the [`PublishedWatcher`] the caller passes down (remote
//! review lives in `remote`, a layer above this one: `cli` and `tui` hand
//! its watcher to the fleet). Without one, such an entry is refused with
//! [`PUBLISHED_NOT_IN_BUILD`] on its own, and the rest of the fleet is
//! watched as usual.

pub mod list;

use crate::ledger::watch::thread::{WatchHandle, spawn};
use crate::ledger::watch::{WatchEvent, WatchOptions};
use std::path::{Path, PathBuf};

/// What a published (remote) entry says, instead of a verdict, when no
/// [`PublishedWatcher`] was given.
pub const PUBLISHED_NOT_IN_BUILD: &str =
    "published locations need remote review, not in this build";

/// The URL schemes of published locations.
const PUBLISHED_SCHEMES: [&str; 3] = ["https", "http", "s3"];

/// Where a ledger of the fleet is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A ledger on this machine (any path `iss verify` accepts).
    Local(PathBuf),
    /// A published log: `https://…`, `http://…`, `s3://…`, or a local
    /// directory of tlog-tiles (`iss publish`'s layout).
    Published(String),
}

impl Location {
    /// The location `text` names; a relative path is taken from `base`
    /// (the fleet file's folder; `""` for the current one). Refused: a
    /// URL scheme other than `https`, `http` and `s3`.
    pub fn parse(text: &str, base: &Path) -> Result<Location, String> {
        if let Some((scheme, _)) = text.split_once("://") {
            let lower = scheme.to_ascii_lowercase();
            if PUBLISHED_SCHEMES.contains(&lower.as_str()) {
                return Ok(Location::Published(text.to_owned()));
            }
            if !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            {
                return Err(format!(
                    "expected a path, or an https://, http:// or s3:// location; found the scheme `{scheme}://`"
                ));
            }
        }
        let path = base.join(text);
        if is_tiles_dir(&path) {
            return Ok(Location::Published(path.display().to_string()));
        }
        Ok(Location::Local(path))
    }

    /// The location as shown to people (the path or the URL).
    pub fn shown(&self) -> String {
        match self {
            Location::Local(p) => p.display().to_string(),
            Location::Published(s) => s.clone(),
        }
    }
}

/// Whether `path` is a directory of published tlog-tiles rather than a
/// ledger: a log (`checkpoint` and `tile/`) or `iss publish`'s layout (a
/// chain folder holding one), and no chain file of a ledger.
fn is_tiles_dir(path: &Path) -> bool {
    let log = |p: &Path| p.join("checkpoint").is_file() && p.join("tile").is_dir();
    if !path.is_dir()
        || path.join("descriptors.jsonl").exists()
        || path.join("spice_chain.jsonl").exists()
    {
        return false;
    }
    log(path)
        || ["descriptors", "pulses", "events"]
            .iter()
            .any(|c| log(&path.join(c)))
}

/// One ledger of the fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its name in the fleet (given in the fleet file, else the location
    /// as written): what every row and event names it by.
    pub name: String,
    /// Where it is.
    pub location: Location,
}

impl Entry {
    /// An entry for a command-line argument, named as written.
    pub fn from_argument(arg: &Path) -> Result<Entry, String> {
        let text = arg.display().to_string();
        let location = Location::parse(&text, Path::new("")).map_err(|e| format!("{text}: {e}"))?;
        Ok(Entry {
            name: text,
            location,
        })
    }
}

/// Where a watcher's events go; it returns false once nobody listens.
pub type Sink = Box<dyn FnMut(WatchEvent) -> bool + Send>;

/// How a published location (its URL or directory, as written) is
/// watched: given from above, by the layer that reads published logs
/// (`remote`, which `ledger` may not import). Like
/// [`crate::ledger::watch::thread::spawn`], it returns at once and sends
/// [`WatchEvent::Ready`] (or an error) when the first verification is done.
pub type PublishedWatcher =
    dyn Fn(&str, WatchOptions, Sink) -> Result<WatchHandle, String> + Send + Sync;

/// Start watching `location` in the background: every event goes to
/// `send` (as [`crate::ledger::watch::thread::spawn`]). A published
/// location is watched by `published`; without one it is refused with
/// what the entry shows instead of a verdict ([`PUBLISHED_NOT_IN_BUILD`]).
pub fn watch(
    location: &Location,
    options: WatchOptions,
    send: impl FnMut(WatchEvent) -> bool + Send + 'static,
    published: Option<&PublishedWatcher>,
) -> Result<WatchHandle, String> {
    match (location, published) {
        (Location::Local(path), _) => Ok(spawn(path.clone(), options, send)),
        (Location::Published(at), Some(watcher)) => watcher(at, options, Box::new(send)),
        (Location::Published(_), None) => Err(PUBLISHED_NOT_IN_BUILD.to_owned()),
    }
}

#[cfg(test)]
mod tests;
