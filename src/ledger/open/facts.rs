//! What the layers above ask about a ledger, each fact in its own terms
//! (are its records framed, does it sign checkpoints, which chains does it
//! have) rather than as a format flag: the answers are derived here, from
//! the one [`Format`] decision, so nothing above `ledger` branches on the
//! format itself (`tests/layers.rs` checks).

use super::{Format, Ledger};
use crate::ledger::discover::{DiscoverError, Discovery, FileKind};
use crate::ledger::model::report::VerifyReport;
use crate::ledger::native::format::meta::{FORMAT as NATIVE_FORMAT, append_only_files};
use crate::ledger::write_error::Refusing;
use std::path::{Path, PathBuf};

impl FileKind {
    /// Whether each record of this file is framed as
    /// `{"seq","prev","body",["mac",]"hash"}` (`docs/FORMAT.md` §3): its
    /// fields are the `body`'s, and its hash covers the whole line. A legacy
    /// record is its fields, its hash covering some of them.
    pub fn framed(self) -> bool {
        self.format().native()
    }

    /// The format its records are in, as reports name it
    /// (`iss-native-v1`, `iss-legacy-v1`, `iss-legacy-v2`).
    pub fn format_name(self) -> &'static str {
        match self {
            k if k.framed() => NATIVE_FORMAT,
            FileKind::SpiceDescriptorsV1 => "iss-legacy-v1",
            _ => "iss-legacy-v2",
        }
    }

    /// Whether verification finds this time chain's runs itself (the
    /// legacy `glyph_chain`'s, in [`VerifyReport::time_segments`]); a
    /// native pulse chain's runs are found by a walk over its pulses.
    pub fn runs_found_by_verification(self) -> bool {
        !self.framed()
    }
}

impl Discovery {
    /// Whether the ledger found frames its records ([`FileKind::framed`]):
    /// a native ledger folder.
    pub fn framed(&self) -> bool {
        Format::of_layout(self.layout).native()
    }

    /// The chain files a reader offers, in order: a native ledger's three;
    /// else the legacy two, and any native chain file found beside them
    /// (given on its own).
    pub fn chain_kinds(&self) -> Vec<FileKind> {
        const NATIVE: [FileKind; 3] = [
            FileKind::NativeDescriptors,
            FileKind::NativePulses,
            FileKind::NativeEvents,
        ];
        if self.framed() {
            return NATIVE.to_vec();
        }
        let mut kinds = vec![FileKind::SpiceChain, FileKind::GlyphChain];
        kinds.extend(NATIVE.into_iter().filter(|k| self.path_of(*k).is_some()));
        kinds
    }
}

impl VerifyReport {
    /// Whether the ledger verified carries checkpoints for its chains (a
    /// native ledger, or a native chain file given alone): its files show
    /// sizes, roots and signatures, and its writes sign them.
    pub fn has_checkpoints(&self) -> bool {
        Format::of_report(self).native()
    }
}

impl Ledger {
    /// The ledger at `path`, for what needs no key: the facts below, and
    /// the files it is made of.
    pub fn at(path: &Path) -> Ledger {
        Ledger::with_keys(path, super::Keys::default())
    }

    /// Whether the ledger signs checkpoints of its chains: it has keys
    /// (a signing key, a MAC key, pinned verifier keys), timestamp tokens
    /// over its checkpoints, and can be published as tiles. A legacy
    /// ledger has no signature, and no place for either.
    pub fn signs_checkpoints(&self) -> bool {
        self.format.native()
    }

    /// Why no record of this ledger can carry a MAC, when that is known
    /// before reading its records: a legacy ledger (or a legacy file given
    /// alone) has no place for one. `None` otherwise, and when the path
    /// cannot be read (that error is its reader's to report). A native
    /// ledger may carry MACs even when its metadata names no MAC key
    /// (`docs/FORMAT.md` §5: they are checked the same way), so only its
    /// records tell; its writer refuses a key it was not made with.
    pub fn has_no_macs(&self) -> Option<&'static str> {
        match self.format {
            Format::Native => None,
            Format::Legacy => {
                let found = crate::ledger::discover::discover(&self.path).ok()?.found;
                (!found.is_empty() && found.iter().all(|f| !f.kind.framed()))
                    .then_some("is a legacy ledger, whose format has no MACs")
            }
        }
    }

    /// Whether a repair is recorded in the ledger itself (an `events`
    /// record, then signed checkpoints); the legacy format has no place
    /// for one (the copies of what was cut are the record).
    pub fn records_repairs(&self) -> bool {
        self.format.native()
    }

    /// The word this ledger's writes refuse with ("refusing to append" on
    /// a legacy ledger, "refusing to write" on a native one), which the
    /// callers' own messages follow.
    pub fn refusing(&self) -> Refusing {
        match self.format {
            Format::Legacy => Refusing::Append,
            Format::Native => Refusing::Write,
        }
    }

    /// The files the ledger is made of, each to be kept append-only: a
    /// native ledger's chains and checkpoint histories, else the legacy
    /// files discovery finds.
    pub fn files(&self) -> Result<Vec<PathBuf>, DiscoverError> {
        Ok(match self.format {
            Format::Native => append_only_files(&self.path),
            Format::Legacy => crate::ledger::discover::discover(&self.path)?
                .found
                .into_iter()
                .map(|f| f.path)
                .collect(),
        })
    }
}
